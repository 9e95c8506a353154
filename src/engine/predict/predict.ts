import * as tf from '@tensorflow/tfjs';
import { BatchLoader } from '../dataset/batchLoader';
import { crossEntropy } from './loss';
import type { ImageItem } from '../dataset/scan';
import type { Normalization } from '../dataset/preprocess';
import type { AugmentParams } from '../dataset/augment/params';

/** forward: per batch, the seconds of the model's forward pass (and reading its result; not decoding) and its images; absent when not timed. */
export interface Predictions { items: ImageItem[]; labels: number[]; probabilities: number[][]; loss: number; failed: { item: ImageItem; error: string }[]; forward?: { seconds: number; images: number }[] }

export interface PredictOptions {
  imageSize: number; normalization: Normalization; batchSize: number; numClasses: number;
  signal?: AbortSignal;
  /** One test-time-augmentation view for every image: flipped, and rotated / zoomed (src/engine/predict/ensemble.ts averages views). */
  flip?: boolean;
  augment?: AugmentParams;
  /** Called (and awaited) after each batch: a rejection stops the prediction. */
  onBatch?: (done: number, total: number) => void | Promise<void>;
}

/** Inference over items streamed from disk: softmax probabilities and the mean cross-entropy. */
export async function predictItems(model: tf.LayersModel, items: ImageItem[], o: PredictOptions): Promise<Predictions> {
  const out: Predictions = { items: [], labels: [], probabilities: [], loss: 0, failed: [], forward: [] };
  let lossSum = 0;
  let done = 0;
  const view = o.flip || o.augment ? { flips: items.map(() => o.flip ?? false), ...(o.augment ? { augment: items.map(() => o.augment) } : {}) } : {};
  const loader = new BatchLoader(items, o.batchSize, { imageSize: o.imageSize, normalization: o.normalization, signal: o.signal, ...view });
  for await (const batch of loader) {
    out.failed.push(...batch.failed);
    const n = batch.labels.length;
    if (n > 0) {
      const started = performance.now();
      const [probs, lossSumBatch] = tf.tidy(() => {
        const logits = model.apply(tf.tensor4d(batch.x, [n, o.imageSize, o.imageSize, 3]), { training: false }) as tf.Tensor;
        const ce = crossEntropy(logits, tf.tensor1d(batch.labels, 'int32'), o.numClasses, 'sum');
        return [tf.softmax(logits).arraySync() as number[][], ce.dataSync()[0]];
      });
      out.forward!.push({ seconds: (performance.now() - started) / 1000, images: n });
      lossSum += lossSumBatch;
      out.items.push(...batch.items);
      out.labels.push(...batch.labels);
      out.probabilities.push(...probs);
    }
    done += n + batch.failed.length;
    await o.onBatch?.(done, items.length);
  }
  out.loss = out.items.length ? lossSum / out.items.length : NaN;
  return out;
}
