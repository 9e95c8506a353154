import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '../predict/loss';

export interface StepResult { loss: number; correct: number }

/**
 * What a step adds to plain cross-entropy and Adam: label smoothing of the loss, and decoupled weight decay given as this
 * step's factor lr·wd — every kernel (rank ≥ 2: conv, depthwise, dense) is multiplied by 1 − lr·wd before Adam's update,
 * as torch.optim.AdamW and fastai do; biases and BatchNorm parameters are not decayed (fastai's wd_bn_bias=False).
 */
export interface StepRegularization { labelSmoothing?: number; decay?: number }

/** Trainable variables in a fixed order: Adam keys its moments by position, so resume needs the same order. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/**
 * One optimizer step on a batch of n images, split into micro-batches whose gradients are summed
 * (each micro loss is scaled by m/n so the sum equals the full-batch mean): batch 20 on a 4 GB wasm heap.
 */
export function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, vars: tf.Variable[],
  x: Float32Array, labels: Int32Array, imageSize: number, numClasses: number, microBatch: number, reg: StepRegularization = {}): StepResult {
  const n = labels.length;
  const pixels = imageSize * imageSize * 3;
  let acc: tf.Tensor[] | undefined;
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < n; start += microBatch) {
    const m = Math.min(microBatch, n - start);
    const step = tf.tidy(() => {
      const xs = tf.tensor4d(x.subarray(start * pixels, (start + m) * pixels), [m, imageSize, imageSize, 3]);
      const ys = tf.tensor1d(labels.subarray(start, start + m), 'int32');
      let hits: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.apply(xs, { training: true }) as tf.Tensor;
        hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), ys), 'int32')) as tf.Scalar);
        return tf.mul(crossEntropy(logits, ys, numClasses, 'mean', reg.labelSmoothing ?? 0), m / n) as tf.Scalar;
      }, vars);
      const g = vars.map((v) => grads[v.name]);
      const summed = acc ? g.map((gi, i) => tf.add(acc![i], gi)) : g;
      return { value: tf.keep(value), hits: hits!, summed: summed.map((t) => tf.keep(t)) };
    });
    if (acc) tf.dispose(acc);
    acc = step.summed;
    loss += step.value.dataSync()[0];
    correct += step.hits.dataSync()[0];
    tf.dispose([step.value, step.hits]);
  }
  if (reg.decay) decayKernels(vars, reg.decay);
  optimizer.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: acc![i] })));
  tf.dispose(acc!);
  return { loss, correct };
}

/** p ← p·(1 − factor) for every kernel (rank ≥ 2); see StepRegularization. */
function decayKernels(vars: tf.Variable[], factor: number): void {
  for (const v of vars) if (v.rank >= 2) tf.tidy(() => v.assign(tf.mul(v, 1 - factor)));
}

/** Keep frozen BatchNorm layers in inference mode while the rest trains (Keras semantics for trainable=false). */
export function freezeBatchNormStatistics(model: tf.LayersModel): void {
  for (const layer of model.layers) {
    if (layer.trainable || layer.getClassName() !== 'BatchNormalization') continue;
    const call = layer.call.bind(layer);
    layer.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
  }
}
