/**
 * Seconds per image of training and of validation for a model at a size, measured the way an epoch spends them: real
 * images of the split streamed through the BatchLoader (decoding overlapped with the steps, as in training), one
 * micro-batch per step. One warm-up step (kernel set-up) is not counted, then `steps` timed steps; the median step is
 * taken, so one step slowed by other work does not set the estimate. Validation: one timed pass of a micro-batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageItem } from '../dataset/scan';
import type { Normalization } from '../dataset/preprocess';
import { BatchLoader } from '../dataset/batchLoader';
import { predictItems } from '../predict/predict';
import { trainStep, trainableVariables } from './step';

export interface TimeStepsOptions {
  /** Training images to time on (the first (steps + 2) × microBatch are used) and validation images. */
  train: ImageItem[];
  val: ImageItem[];
  imageSize: number;
  normalization: Normalization;
  microBatch: number;
  numClasses: number;
  steps: number;
  lr?: number;
  signal?: AbortSignal;
  /** Called after each timed step (1-based). */
  onStep?: (step: number, steps: number) => void;
  /** Above this many seconds for the warm-up step, one timed step is enough (slow backends). */
  slowStepSeconds?: number;
}

export interface StepTimes { steps: number; trainSecondsPerImage: number; inferSecondsPerImage: number }

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];

export async function timeTrainingSteps(model: tf.LayersModel, o: TimeStepsOptions): Promise<StepTimes> {
  const m = Math.max(1, o.microBatch);
  const optimizer = tf.train.adam(o.lr ?? 1e-4);
  const vars = trainableVariables(model);
  const times: number[] = []; // seconds per image of each step after the warm-up
  let planned = Math.max(1, o.steps);
  try {
    // One batch decoded ahead, and one more batch than timed: each timed step shares the cores with the decoding of the
    // next batch, as every step of an epoch does (with the default two ahead the warm-up step would hide it).
    const sample = o.train.slice(0, m * (planned + 2));
    const loader = new BatchLoader(sample, m, { imageSize: o.imageSize, normalization: o.normalization, signal: o.signal, prefetch: 1 });
    let started = performance.now();
    let warm = true;
    for await (const batch of loader) {
      const n = batch.labels.length;
      if (n > 0) trainStep(model, optimizer, vars, batch.x, batch.labels, o.imageSize, o.numClasses, Math.min(m, n));
      const seconds = (performance.now() - started) / 1000;
      if (warm) {
        warm = false;
        if (seconds > (o.slowStepSeconds ?? 10)) planned = 1;
      } else if (n > 0) {
        times.push(seconds / n);
        o.onStep?.(times.length, planned);
        if (times.length >= planned) break;
      }
      started = performance.now();
    }
    if (times.length === 0) throw new Error('The preflight could not time a training step: too few readable training images.');

    const valSample = (o.val.length ? o.val : o.train).slice(0, m);
    const predict = async () => {
      const t = performance.now();
      await predictItems(model, valSample, { imageSize: o.imageSize, normalization: o.normalization, batchSize: m, numClasses: o.numClasses, signal: o.signal });
      return (performance.now() - t) / 1000 / valSample.length;
    };
    await predict(); // warm-up of the inference kernels
    return { steps: times.length, trainSecondsPerImage: median(times), inferSecondsPerImage: await predict() };
  } finally {
    optimizer.dispose();
  }
}
