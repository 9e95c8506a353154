/**
 * Inference time per image of an evaluation, from the forward passes predictItems timed: the first batch is left out
 * when there are others (it pays for kernel set-up and warm-up, not inference), and an ensemble's time is the sum of
 * its members' (each image goes through every model).
 */
import * as tf from '@tensorflow/tfjs';
import type { EvalTiming } from '../../shared/runFiles';
import type { Predictions } from './predict';

/** Steady-state milliseconds per image of one model's predictions; null when nothing was timed. */
export function msPerImage(forward: Predictions['forward']): number | null {
  if (!forward?.length) return null;
  const timed = forward.length > 1 ? forward.slice(1) : forward;
  const images = timed.reduce((s, b) => s + b.images, 0);
  const seconds = timed.reduce((s, b) => s + b.seconds, 0);
  return images > 0 ? (1000 * seconds) / images : null;
}

/** The eval file's `timing`: the members' steady-state times summed; undefined when a member was not timed. */
export function evalTiming(members: readonly Predictions[], batchSize: number): EvalTiming | undefined {
  const each = members.map((m) => msPerImage(m.forward));
  if (each.some((v) => v === null)) return undefined;
  const images = members[0].forward!.reduce((s, b) => s + b.images, 0);
  return { msPerImage: (each as number[]).reduce((a, b) => a + b, 0), images, batchSize, backend: tf.getBackend() };
}
