import * as tf from '@tensorflow/tfjs';
import { GraphSplit, splitAtLayer } from './graphSplit';
import type { CamMethod } from './camMethod';
import { principalProjection } from './projection';
import { argMax } from '../../shared/format';

export interface CamResult {
  /** height*width values in [0,1], row-major, upsampled to the input size. */
  cam: Float32Array;
  width: number;
  height: number;
  /** Softmax of the logits. */
  probabilities: number[];
  classIndex: number;
  layer: string;
  activationShape: number[];
  /** Id of the CamMethod that made the map. */
  method: string;
  /**
   * The map before its final scaling (what `cam` is scaled from): after ReLU and upsampling, at the input size — with
   * aug-smooth the mean of the six scaled maps. `range`: its min and max.
   */
  unscaled: Float32Array;
  range: { min: number; max: number };
  /** The method's map after ReLU at the layer's grid, before upsampling; absent with aug-smooth (a mean at the input size). */
  layerMap?: { width: number; height: number; values: Float32Array };
}

/** Options of a CAM computation, after pytorch-grad-cam's `__call__(aug_smooth, eigen_smooth)`. */
export interface CamOptions {
  /**
   * Test-time augmentation (pytorch-grad-cam's aug_smooth, ttach HorizontalFlip × Multiply [0.9, 1, 1.1]): the map of
   * each of the six augmented inputs (flipped back), scaled to [0,1], then their mean — scaled to [0,1] again here
   * (pytorch-grad-cam leaves the mean as it is; the correlation is the same). The class explained is the one asked
   * for, else the prediction on the unaugmented input, for all six.
   */
  augSmooth?: boolean;
  /** First principal component of weights×activations (or of the method's contributions) instead of their channel sum. */
  eigenSmooth?: boolean;
  /** Inputs per scoreFn call for a method that makes many forward passes (Score-CAM); default 32. */
  batchSize?: number;
}

/** ttach's HorizontalFlip × Multiply(factors=[0.9, 1, 1.1]), pytorch-grad-cam's default test-time augmentation. */
const AUG_FLIPS = [false, true];
const AUG_FACTORS = [0.9, 1, 1.1];
const DEFAULT_BATCH_SIZE = 32;

/**
 * Class activation map skeleton, after jacobgil/pytorch-grad-cam's BaseCAM: forward to the target layer,
 * the gradient of the class logit w.r.t. its activation (only for a method that uses gradients), the
 * method's channel weights (weighted channel sum), contributions (channel sum) or its own map — or, with
 * eigen-smooth, the first principal component instead of the sum — ReLU, bilinear upsampling to the input
 * size, min-max to [0,1]; with aug-smooth, the mean over six augmented inputs. The method (./camMethod.ts,
 * registry in ./methods) is the only part that varies.
 */
export class BaseCam {
  private split: GraphSplit | null;
  private readonly options: CamOptions;

  /** `model` must output logits (no softmax): the gradient of a saturated softmax carries little signal. */
  constructor(private readonly model: tf.LayersModel, readonly layerName: string, readonly method: CamMethod, options: CamOptions = {}) {
    this.split = splitAtLayer(model, layerName);
    this.options = options;
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`CAM: batchSize must be a positive integer, got ${batchSize}`);
  }

  /** @param input [1,H,W,3], already normalised as the model expects. @param classIndex default: predicted class. */
  compute(input: tf.Tensor4D, classIndex?: number): CamResult {
    const split = this.split;
    if (!split) throw new Error('CAM: compute() after dispose()');
    if (input.rank !== 4 || input.shape[0] !== 1) {
      throw new Error(`CAM: expected input of shape [1,H,W,C], got [${input.shape.join(',')}]`);
    }
    const [, height, width] = input.shape;
    if (classIndex !== undefined) checkClassIndex(classIndex, split.numClasses);
    let result: CamResult | undefined;
    tf.tidy(() => {
      const first = this.pass(split, input, classIndex);
      let cam = first.cam;
      let unscaled = first.unscaled;
      if (this.options.augSmooth) {
        const maps: tf.Tensor[] = [];
        for (const flip of AUG_FLIPS) {
          for (const factor of AUG_FACTORS) {
            if (!flip && factor === 1) {
              maps.push(first.cam);
              continue;
            }
            const flipped = flip ? tf.reverse(input, 2) : input;
            const augmented = (factor === 1 ? flipped : flipped.mul(factor)) as tf.Tensor4D;
            const map = this.pass(split, augmented, first.classIndex).cam;
            maps.push(flip ? tf.reverse(map, 2) : map);
          }
        }
        unscaled = tf.addN(maps).div(maps.length) as tf.Tensor4D;
        cam = minMaxNormalise(unscaled) as tf.Tensor4D;
      }
      const [, h, w] = first.layerMap.shape;
      result = {
        cam: cam.dataSync() as Float32Array,
        width,
        height,
        probabilities: first.probabilities,
        classIndex: first.classIndex,
        layer: this.layerName,
        activationShape: first.activationShape,
        method: this.method.id,
        ...withRange(unscaled.dataSync() as Float32Array),
        ...(this.options.augSmooth ? {} : { layerMap: { width: w, height: h, values: first.layerMap.dataSync() as Float32Array } }),
      };
    });
    return result!;
  }

  /**
   * The maps of a batch of n independent images, as compute() gives each. For a `batchSafe` gradient method
   * without aug- or eigen-smooth: one forward pass of the batch to the layer, one gradient of the sum of each
   * image's target-class logit (image i's logit depends on image i alone, so d(sum)/dA is each image's own
   * gradient, as pytorch-grad-cam does for a batch), then the method, ReLU, upsampling and min-max per image.
   * Otherwise (Score-CAM, Eigen-CAM, smoothing) compute() on each image in turn.
   * @param inputs [n,H,W,3], normalised as the model expects. @param classIndices one per image; default: predicted.
   */
  computeBatch(inputs: tf.Tensor4D, classIndices?: number[]): CamResult[] {
    const split = this.split;
    if (!split) throw new Error('CAM: computeBatch() after dispose()');
    if (inputs.rank !== 4) throw new Error(`CAM: expected input of shape [n,H,W,C], got [${inputs.shape.join(',')}]`);
    const [n, height, width, depth] = inputs.shape;
    if (classIndices !== undefined) {
      if (classIndices.length !== n) throw new Error(`CAM: ${classIndices.length} class indices for a batch of ${n}`);
      for (const c of classIndices) checkClassIndex(c, split.numClasses);
    }
    const method = this.method;
    if (!(method.batchSafe && method.usesGradients) || this.options.augSmooth || this.options.eigenSmooth) {
      return Array.from({ length: n }, (_, i) => {
        const one = tf.slice(inputs, [i, 0, 0, 0], [1, height, width, depth]);
        try {
          return this.compute(one, classIndices?.[i]);
        } finally {
          one.dispose();
        }
      });
    }
    if (n === 0) return [];
    const results: CamResult[] = [];
    tf.tidy(() => {
      const outs = split.features.predict(inputs, { batchSize: n });
      const [activation, ...extras] = (Array.isArray(outs) ? outs : [outs]) as [tf.Tensor4D, ...tf.Tensor[]];
      let probabilities: number[][] = [];
      let chosen: number[] = [];
      const classScore = (a: tf.Tensor): tf.Scalar => {
        const logits = split.head.apply([a, ...extras], { training: false }) as tf.Tensor2D;
        const classes = logits.shape[1];
        const probs = tf.softmax(logits).dataSync();
        probabilities = Array.from({ length: n }, (_, i) => Array.from(probs.subarray(i * classes, (i + 1) * classes)));
        chosen = probabilities.map((p, i) => classIndices?.[i] ?? argMax(p));
        // One-hot products, not gather (no wasm kernel for gather's gradient); the sum over images.
        return tf.sum(tf.mul(logits, tf.oneHot(tf.tensor1d(chosen, 'int32'), classes))) as tf.Scalar;
      };
      const gradients = tf.grad(classScore)(activation) as tf.Tensor4D;
      const out = method.cam({
        activations: activation,
        gradients,
        input: inputs,
        targetClass: -1,
        scoreFn: () => { throw new Error(`CAM: method ${method.id} is marked batchSafe but called scoreFn`); },
        batchSize: this.options.batchSize ?? DEFAULT_BATCH_SIZE,
      });
      const [, h, w, channels] = activation.shape;
      let map: tf.Tensor4D;
      if ('weights' in out) {
        if (out.weights.size !== n * channels) {
          throw new Error(`CAM: method ${method.id} returned ${out.weights.size} channel weights for ${n} images of ${channels} channels`);
        }
        map = activation.mul(out.weights.reshape([n, 1, 1, channels])).sum(-1, true) as tf.Tensor4D;
      } else if ('contributions' in out) {
        if (out.contributions.size !== n * h * w * channels) {
          throw new Error(`CAM: method ${method.id} returned contributions of shape [${out.contributions.shape.join(',')}] for ${n} images of ${h}x${w}x${channels}`);
        }
        map = out.contributions.reshape([n, h, w, channels]).sum(-1, true) as tf.Tensor4D;
      } else {
        throw new Error(`CAM: method ${method.id} is marked batchSafe but returned a map`);
      }
      const layerMaps = tf.relu(map);
      const upsampled = tf.image.resizeBilinear(layerMaps, [height, width], false, true);
      const cams = minMaxNormalise(upsampled, [1, 2, 3]).dataSync() as Float32Array;
      const unscaled = upsampled.dataSync() as Float32Array;
      const layerValues = layerMaps.dataSync() as Float32Array;
      const size = height * width;
      for (let i = 0; i < n; i++) {
        results.push({
          cam: cams.slice(i * size, (i + 1) * size),
          width,
          height,
          probabilities: probabilities[i],
          classIndex: chosen[i],
          layer: this.layerName,
          activationShape: [1, h, w, channels],
          method: method.id,
          ...withRange(unscaled.slice(i * size, (i + 1) * size)),
          layerMap: { width: w, height: h, values: layerValues.slice(i * h * w, (i + 1) * h * w) },
        });
      }
    });
    return results;
  }

  /** One map: forward (and backward), the method, ReLU, upsampling, min-max. Inside compute()'s tidy. */
  private pass(split: GraphSplit, input: tf.Tensor4D, classIndex: number | undefined): {
    cam: tf.Tensor4D; unscaled: tf.Tensor4D; layerMap: tf.Tensor4D; probabilities: number[]; classIndex: number; activationShape: number[];
  } {
    const [, height, width] = input.shape;
    const method = this.method;
    const model = this.model;
    const outs = split.features.predict(input);
    const [activation, ...extras] = (Array.isArray(outs) ? outs : [outs]) as [tf.Tensor4D, ...tf.Tensor[]];

    let probabilities: number[] = [];
    let chosen = -1;
    // Inference mode: Dropout off, BatchNorm uses its moving statistics.
    const headLogits = (a: tf.Tensor): tf.Tensor1D => (split.head.apply([a, ...extras], { training: false }) as tf.Tensor).reshape([-1]);
    const readLogits = (logits: tf.Tensor1D): void => {
      probabilities = Array.from(tf.softmax(logits).dataSync());
      chosen = classIndex ?? argMax(probabilities);
    };
    let gradients: tf.Tensor4D | undefined;
    if (method.usesGradients) {
      // The head's forward pass inside tf.grad also yields the logits: read them there rather than
      // running the head twice (it holds VGG's large dense layers).
      const classScore = (a: tf.Tensor): tf.Scalar => {
        const logits = headLogits(a);
        readLogits(logits);
        // A one-hot dot product, not gather: gather's gradient (UnsortedSegmentSum) has no wasm kernel.
        return tf.sum(tf.mul(logits, tf.oneHot(chosen, logits.shape[0]))) as tf.Scalar;
      };
      gradients = tf.grad(classScore)(activation) as tf.Tensor4D;
    } else {
      readLogits(headLogits(activation));
    }

    const batchSize = this.options.batchSize ?? DEFAULT_BATCH_SIZE;
    const out = method.cam({
      activations: activation,
      gradients,
      input,
      targetClass: chosen,
      // predict, not apply: its executor frees each intermediate tensor once used (a batch of 32 DenseNet passes).
      scoreFn: (batch) => model.predict(batch, { batchSize: Math.max(1, batch.shape[0]) }) as tf.Tensor2D,
      batchSize,
    });
    const [, h, w, channels] = activation.shape;
    let map: tf.Tensor4D;
    if ('weights' in out) {
      if (out.weights.size !== channels) {
        throw new Error(`CAM: method ${method.id} returned ${out.weights.size} channel weights for ${channels} channels`);
      }
      const weighted = activation.mul(out.weights.reshape([1, 1, 1, channels]));
      map = (this.options.eigenSmooth ? principalProjection(weighted as tf.Tensor4D).reshape([1, h, w, 1]) : weighted.sum(-1, true)) as tf.Tensor4D;
    } else if ('contributions' in out) {
      if (out.contributions.size !== h * w * channels) {
        throw new Error(`CAM: method ${method.id} returned contributions of shape [${out.contributions.shape.join(',')}] for a ${h}x${w}x${channels} activation`);
      }
      const terms = out.contributions.reshape([1, h, w, channels]) as tf.Tensor4D;
      map = (this.options.eigenSmooth ? principalProjection(terms).reshape([1, h, w, 1]) : terms.sum(-1, true)) as tf.Tensor4D;
    } else {
      if (out.map.size !== h * w) {
        throw new Error(`CAM: method ${method.id} returned a map of shape [${out.map.shape.join(',')}] for a ${h}x${w} activation`);
      }
      map = out.map.reshape([1, h, w, 1]);
    }
    const layerMap = tf.relu(map);
    const upsampled = tf.image.resizeBilinear(layerMap, [height, width], false, true);
    const cam = minMaxNormalise(upsampled) as tf.Tensor4D;
    return { cam, unscaled: upsampled, layerMap, probabilities, classIndex: chosen, activationShape: activation.shape.slice() };
  }

  /**
   * Drop the split models. They own no weights (their layers are the wrapped model's), so only the
   * head's reference counts on those layers are released; the wrapped model stays usable.
   */
  dispose(): void {
    if (!this.split) return;
    this.split.head.dispose();
    this.split = null;
  }
}

/** The unscaled map with its range. */
function withRange(unscaled: Float32Array): { unscaled: Float32Array; range: { min: number; max: number } } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of unscaled) { if (v < min) min = v; if (v > max) max = v; }
  return { unscaled, range: unscaled.length ? { min, max } : { min: 0, max: 0 } };
}

function checkClassIndex(classIndex: number, numClasses: number): void {
  const inRange = Number.isInteger(classIndex) && classIndex >= 0 && (numClasses < 0 || classIndex < numClasses);
  if (!inRange) throw new Error(`CAM: classIndex ${classIndex} out of range 0..${numClasses - 1}`);
}

/**
 * Scale to [0,1] (over `axes`, e.g. [1,2,3] for each image of a batch; default all); a constant map (e.g. all zero
 * after ReLU) becomes all zero rather than NaN.
 */
function minMaxNormalise(x: tf.Tensor, axes?: number[]): tf.Tensor {
  const min = axes ? x.min(axes, true) : x.min();
  const range = (axes ? x.max(axes, true) : x.max()).sub(min);
  const safeRange = tf.where(range.greater(0), range, tf.onesLike(range));
  return x.sub(min).div(safeRange);
}
