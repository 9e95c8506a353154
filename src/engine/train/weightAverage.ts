import * as tf from '@tensorflow/tfjs';

/** Every weight of a model (trainable, then BatchNorm statistics and other non-trainable ones), in a fixed order. */
export function modelWeights(model: tf.LayersModel): tf.Variable[] {
  return model.weights.map((w) => w.read() as tf.Variable);
}

/**
 * An exponential moving average of a model's weights, as torch.optim.swa_utils.AveragedModel with
 * get_ema_multi_avg_fn(decay) and use_buffers=True: the first update copies the weights, each later one moves the
 * average towards them, avg ← avg + (1 − decay)·(w − avg) (torch's lerp), BatchNorm statistics included.
 * Validation and checkpoints use the average: `swapIn` puts it into the model and keeps the training weights aside
 * until `swapOut`.
 */
export class WeightAverage {
  private average: tf.Variable[] | undefined;
  private training: tf.Tensor[] | undefined;

  /** `updates` > 0 with `initial`: a resumed average (the weights of the checkpoint's model). */
  constructor(readonly decay: number, private readonly weights: tf.Variable[], public updates = 0, initial?: tf.Tensor[]) {
    if (initial) this.average = initial.map((t) => tf.variable(t, false));
  }

  /** After each optimizer step. */
  update(): void {
    if (!this.average) {
      this.average = this.weights.map((w) => tf.variable(w, false));
    } else {
      const rate = 1 - this.decay;
      tf.tidy(() => this.average!.forEach((a, i) => a.assign(tf.add(a, tf.mul(tf.sub(this.weights[i], a), rate)))));
    }
    this.updates++;
  }

  /** Put the average into the model (no-op before the first update); the training weights wait for swapOut. */
  swapIn(): void {
    if (!this.average || this.training) return;
    this.training = this.weights.map((w) => w.clone());
    this.weights.forEach((w, i) => w.assign(this.average![i]));
  }

  swapOut(): void {
    if (!this.training) return;
    this.weights.forEach((w, i) => w.assign(this.training![i]));
    tf.dispose(this.training);
    this.training = undefined;
  }

  /** While swapped in: the weights training continues from (what a resume needs), named as the model's weights. */
  trainingWeights(): { name: string; tensor: tf.Tensor }[] {
    const current = this.training ?? this.weights;
    return current.map((tensor, i) => ({ name: `${i}:${this.weights[i].name}`, tensor }));
  }

  dispose(): void {
    this.swapOut();
    if (this.average) tf.dispose(this.average);
    this.average = undefined;
  }
}
