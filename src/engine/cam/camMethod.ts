import type * as tf from '@tensorflow/tfjs';

/**
 * What a CAM method gets from BaseCam, after the forward pass to the target layer (and, only for a method
 * with `usesGradients`, the backward pass of the target logit to it). All tensors are BaseCam's: read them,
 * do not dispose them.
 */
export interface CamContext {
  /** The target layer's activation, [1,h,w,c] ([n,h,w,c] for a `batchSafe` method under BaseCam.computeBatch, as the next two). */
  activations: tf.Tensor4D;
  /** d(target logit)/d(activations), [1,h,w,c]; undefined when the method's `usesGradients` is false (none computed). */
  gradients: tf.Tensor4D | undefined;
  /** The model input, [1,H,W,C], normalised as the model expects (with aug-smooth: the augmented input). */
  input: tf.Tensor4D;
  /** Class index being explained (the requested one, or the predicted one). */
  targetClass: number;
  /** Logits [n,classes] of a batch of inputs [n,H,W,C] through the whole model, in inference mode (Score-CAM's masked inputs). */
  scoreFn(batch: tf.Tensor4D): tf.Tensor2D;
  /** How many inputs a method should send through `scoreFn` at once (Score-CAM: masked inputs per batch). */
  batchSize: number;
}

/**
 * A method's answer, after pytorch-grad-cam's two extension points:
 * - `weights`: one weight per channel (get_cam_weights); BaseCam forms sum_k w_k A^k (Grad-CAM, Grad-CAM++,
 *   XGrad-CAM, Score-CAM);
 * - `contributions`: the per-channel terms [1,h,w,c] whose channel sum is the map (get_cam_image with an
 *   elementwise product: HiResCAM, Layer-CAM); BaseCam sums them;
 * - `map`: the activation-resolution map itself, [h,w], [1,h,w] or [1,h,w,1] (get_cam_image; Eigen-CAM).
 * With eigen-smooth, BaseCam takes the first principal component of `weights`×activations or of the
 * `contributions` instead of their channel sum (a `map` is used as it is, as pytorch-grad-cam's Eigen-CAM
 * ignores eigen_smooth). Then ReLU, bilinear upsampling to the input size and min-max scaling.
 */
export type CamOutput = { weights: tf.Tensor } | { contributions: tf.Tensor4D } | { map: tf.Tensor };

/** One class activation map method; registered in ./methods/index.ts. */
export interface CamMethod {
  /** Stable id: the --method value, recorded in the CAM json and part of the output file names. [a-z0-9-]+ */
  id: string;
  /** Other names `--method` accepts for it (e.g. 'gradcam++'); files and records use `id`. */
  aliases?: readonly string[];
  /** Name for people ("Grad-CAM"). */
  label: string;
  /** Whether BaseCam must compute `gradients` (a backward pass) for this method. */
  usesGradients: boolean;
  /**
   * Whether `cam` may get a batch: activations, gradients and input [n,...] of n independent images, answering
   * `weights` [n,c] or `contributions` [n,h,w,c] image by image along axis 0 (BaseCam.computeBatch). True only
   * for a method whose math reduces over axes 1..3 alone and that uses neither `scoreFn` nor `targetClass` (those
   * are a throwing stub and -1 in a batch); otherwise computeBatch loops over compute().
   */
  batchSafe?: boolean;
  /** Runs inside BaseCam's tf.tidy: intermediate tensors need no disposing. */
  cam(ctx: CamContext): CamOutput;
}
