import * as tf from '@tensorflow/tfjs';
import { GraphSplit, splitAtLayer } from './graphSplit';
import type { CamMethod } from './camMethod';
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
}

/**
 * Class activation map skeleton, after jacobgil/pytorch-grad-cam's BaseCAM: forward to the target layer,
 * the gradient of the class logit w.r.t. its activation (only for a method that uses gradients), the
 * method's channel weights (weighted channel sum) or its own map, ReLU, bilinear upsampling to the input
 * size, min-max to [0,1]. The method (./camMethod.ts, registry in ./methods) is the only part that varies.
 */
export class BaseCam {
  private split: GraphSplit | null;

  /** `model` must output logits (no softmax): the gradient of a saturated softmax carries little signal. */
  constructor(private readonly model: tf.LayersModel, readonly layerName: string, readonly method: CamMethod) {
    this.split = splitAtLayer(model, layerName);
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
    const method = this.method;
    const model = this.model;
    let result: CamResult | undefined;
    tf.tidy(() => {
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

      const out = method.cam({
        activations: activation,
        gradients,
        input,
        targetClass: chosen,
        scoreFn: (batch) => model.apply(batch, { training: false }) as tf.Tensor2D,
      });
      const [, h, w, channels] = activation.shape;
      let map: tf.Tensor4D;
      if ('weights' in out) {
        if (out.weights.size !== channels) {
          throw new Error(`CAM: method ${method.id} returned ${out.weights.size} channel weights for ${channels} channels`);
        }
        map = activation.mul(out.weights.reshape([1, 1, 1, channels])).sum(-1, true) as tf.Tensor4D;
      } else {
        if (out.map.size !== h * w) {
          throw new Error(`CAM: method ${method.id} returned a map of shape [${out.map.shape.join(',')}] for a ${h}x${w} activation`);
        }
        map = out.map.reshape([1, h, w, 1]);
      }
      const upsampled = tf.image.resizeBilinear(tf.relu(map), [height, width], false, true);
      const cam = minMaxNormalise(upsampled);
      result = {
        cam: cam.dataSync() as Float32Array,
        width,
        height,
        probabilities,
        classIndex: chosen,
        layer: this.layerName,
        activationShape: activation.shape.slice(),
        method: method.id,
      };
    });
    return result!;
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

function checkClassIndex(classIndex: number, numClasses: number): void {
  const inRange = Number.isInteger(classIndex) && classIndex >= 0 && (numClasses < 0 || classIndex < numClasses);
  if (!inRange) throw new Error(`CAM: classIndex ${classIndex} out of range 0..${numClasses - 1}`);
}

/** Scale to [0,1]; a constant map (e.g. all zero after ReLU) becomes all zero rather than NaN. */
function minMaxNormalise(x: tf.Tensor): tf.Tensor {
  const min = x.min();
  const range = x.max().sub(min);
  const safeRange = tf.where(range.greater(0), range, tf.onesLike(range));
  return x.sub(min).div(safeRange);
}
