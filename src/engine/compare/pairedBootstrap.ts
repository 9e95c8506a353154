/**
 * Paired cluster bootstrap of the difference between two models scored on the same images: each resample draws
 * patients (clusters) with replacement, the same draw for both models, and the difference of their macro-F1 and of
 * their macro one-vs-rest ROC AUC is recorded; the interval is the 2.5th and 97.5th percentile of the differences
 * (numpy's linear interpolation). Pairing is what makes it narrow: image difficulty cancels out of the difference.
 * The machinery is the single-run bootstrap's (metrics/bootstrap.ts: cluster index, resample weights, percentile) and
 * its metrics (a weighted confusion matrix, rocAuc.bootstrap), so "macro-F1" and "macro AUC" mean what an evaluation
 * reports.
 */
import type { Interval } from '../../shared/runFiles';
import { createRng } from '../random';
import { BOOTSTRAP_CONFIDENCE, BOOTSTRAP_RESAMPLES, clusterIndex, percentile, resampleWeights } from '../metrics/bootstrap';
import type { EvalInput } from '../metrics/evalMetric';
import { confusionMatrix, reportFromConfusion } from '../metrics/metrics';
import { rocAuc } from '../metrics/rocAuc';

/** One model's predictions on the shared images (same order as the labels). */
export interface PairedSide { predicted: readonly number[]; probabilities: readonly (readonly number[])[] }

export interface PairedBootstrapInput {
  labels: readonly number[];
  classes: readonly string[];
  a: PairedSide;
  b: PairedSide;
  /** Each image's patient; absent: each image is its own cluster. */
  clusters?: readonly string[];
  seed: number;
  resamples?: number;
  confidence?: number;
  /**
   * Tests only: the resamples given as how often each cluster (in first-seen order) was drawn, instead of drawing them
   * from the seed — so a reference implementation can score the very same resamples.
   */
  drawnCounts?: readonly (readonly number[])[];
}

/** A difference A − B: its value on all images and its percentile interval (null when undefined in every resample). */
export interface PairedDifference {
  a: number | null;
  b: number | null;
  difference: number | null;
  interval: Interval | null;
}

export interface PairedBootstrapResult {
  macroF1: PairedDifference;
  macroAuc: PairedDifference;
  unit: 'patient' | 'image';
  clusters: number;
  images: number;
  resamples: number;
  confidence: number;
  seed: number;
}

/** The rng stream of the paired bootstrap, derived from a seed (the first run's). */
export function pairedBootstrapRng(seed: number) {
  return createRng(seed).fork('paired-bootstrap');
}

function sideInput(labels: readonly number[], classes: readonly string[], side: PairedSide): EvalInput {
  const confusion = confusionMatrix(labels, side.predicted, classes.length);
  return { labels, predicted: side.predicted, probabilities: side.probabilities, confusion, classes };
}

function weightedConfusion(labels: readonly number[], predicted: readonly number[], k: number, weights: Float64Array, flat: Float64Array): number[][] {
  flat.fill(0);
  for (let i = 0; i < labels.length; i++) flat[labels[i] * k + predicted[i]] += weights[i];
  return Array.from({ length: k }, (_, t) => Array.from(flat.subarray(t * k, t * k + k)));
}

/** The macro AUC of a weighted input (a resample), as the single-run bootstrap computes it. */
const resampledMacroAuc = (input: EvalInput): number | null => rocAuc.bootstrap!(input).macro ?? null;

export function pairedBootstrap(o: PairedBootstrapInput): PairedBootstrapResult {
  const n = o.labels.length, k = o.classes.length;
  for (const [name, side] of [['a', o.a], ['b', o.b]] as const) {
    if (side.predicted.length !== n || side.probabilities.length !== n) throw new RangeError(`model ${name}: ${side.predicted.length} predictions for ${n} images`);
  }
  if (o.clusters && o.clusters.length !== n) throw new RangeError(`${n} images but ${o.clusters.length} cluster ids`);
  const resamples = o.drawnCounts?.length ?? o.resamples ?? BOOTSTRAP_RESAMPLES, confidence = o.confidence ?? BOOTSTRAP_CONFIDENCE;
  const { of: clusterOf, count } = o.clusters ? clusterIndex(o.clusters) : { of: Int32Array.from({ length: n }, (_, i) => i), count: n };
  const inputA = sideInput(o.labels, o.classes, o.a), inputB = sideInput(o.labels, o.classes, o.b);
  const hasProbabilities = n > 0 && o.a.probabilities.length === n && o.b.probabilities.length === n;

  const f1A = n ? reportFromConfusion(inputA.confusion as number[][], o.classes).macro.f1 : null;
  const f1B = n ? reportFromConfusion(inputB.confusion as number[][], o.classes).macro.f1 : null;
  const aucA = hasProbabilities ? rocAuc.compute(inputA).macro : null, aucB = hasProbabilities ? rocAuc.compute(inputB).macro : null;

  const rng = pairedBootstrapRng(o.seed);
  const weights = new Float64Array(n), drawn = new Float64Array(count), flat = new Float64Array(k * k);
  const dF1 = new Float64Array(resamples).fill(NaN), dAuc = new Float64Array(resamples).fill(NaN);
  for (let r = 0; r < resamples && n > 0; r++) {
    const given = o.drawnCounts?.[r];
    if (given) for (let i = 0; i < n; i++) weights[i] = given[clusterOf[i]];
    else resampleWeights(clusterOf, count, rng, weights, drawn);
    const confA = weightedConfusion(o.labels, o.a.predicted, k, weights, flat);
    const confB = weightedConfusion(o.labels, o.b.predicted, k, weights, flat);
    dF1[r] = reportFromConfusion(confA, o.classes).macro.f1 - reportFromConfusion(confB, o.classes).macro.f1;
    if (hasProbabilities) {
      const a = resampledMacroAuc({ ...inputA, confusion: confA, weights }), b = resampledMacroAuc({ ...inputB, confusion: confB, weights });
      if (a !== null && b !== null) dAuc[r] = a - b;
    }
  }
  const lowQ = (1 - confidence) / 2;
  const interval = (all: Float64Array): Interval | null => {
    const defined = all.filter((v) => Number.isFinite(v)).sort();
    if (defined.length === 0) return null;
    return { low: percentile(defined, lowQ), high: percentile(defined, 1 - lowQ), ...(defined.length < resamples ? { defined: defined.length } : {}) };
  };
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  return {
    macroF1: { a: f1A, b: f1B, difference: diff(f1A, f1B), interval: interval(dF1) },
    macroAuc: { a: aucA, b: aucB, difference: diff(aucA, aucB), interval: aucA === null || aucB === null ? null : interval(dAuc) },
    unit: o.clusters ? 'patient' : 'image', clusters: count, images: n, resamples, confidence, seed: o.seed,
  };
}
