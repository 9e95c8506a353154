/**
 * 95 % percentile-bootstrap intervals for an evaluation's numbers, generic over the metrics: accuracy, macro-F1 and
 * per-class precision/recall/F1 from each resample's confusion matrix, and every part of every metric that declares
 * `bootstrap` (EvalMetric) — a new metric gets intervals by declaring its parts, with no change here.
 *
 * A resample draws as many clusters as there are, with replacement; every image of a drawn cluster counts once per
 * draw (its weight). Clusters are patients when patient ids are known (a cluster bootstrap: one patient's images are
 * not independent, and resampling them one by one would give too narrow intervals), images otherwise. Nothing is
 * copied per resample: the metrics see the same labels and probabilities with new weights and a weighted confusion
 * matrix, and reuse what they sorted once (cache.ts), so a resample costs O(images × classes).
 * The interval of a statistic is the 2.5th and 97.5th percentile (numpy's linear interpolation) of its values over the
 * resamples where it is defined (an AUC needs an image of the class and one of another).
 */
import type { BootstrapInfo, EvalIntervals, Interval } from '../../shared/runFiles';
import { createRng, type Rng } from '../random';
import type { EvalInput, EvalMetric } from './evalMetric';
import { reportFromConfusion } from './metrics';

export const BOOTSTRAP_RESAMPLES = 2000;
export const BOOTSTRAP_CONFIDENCE = 0.95;

export interface BootstrapOptions {
  /** Seeds the resampling: the same seed gives the same intervals. */
  seed: number;
  resamples?: number;
  confidence?: number;
  /** The cluster (patient) of each image, when patients are known; absent: each image is its own cluster. */
  clusters?: readonly string[];
  /** Whose parts get intervals (EVAL_METRICS in an evaluation). */
  metrics: readonly EvalMetric[];
}

export interface BootstrapResult { intervals: EvalIntervals; bootstrap: BootstrapInfo }

/** numpy's percentile (method 'linear') of ascending `sorted`, q in [0, 1]. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** Cluster index of each image (first-seen order) and the number of clusters. */
export function clusterIndex(clusters: readonly string[]): { of: Int32Array; count: number } {
  const ids = new Map<string, number>();
  const of = Int32Array.from(clusters, (c) => {
    let id = ids.get(c);
    if (id === undefined) ids.set(c, (id = ids.size));
    return id;
  });
  return { of, count: ids.size };
}

/**
 * One resample's image weights: `count` draws of a cluster with replacement, each image weighted by how often its
 * cluster was drawn. `drawn` is scratch space of length `count`.
 */
export function resampleWeights(clusterOf: Int32Array, count: number, rng: Rng, weights: Float64Array, drawn: Float64Array): void {
  drawn.fill(0);
  for (let d = 0; d < count; d++) drawn[Math.floor(rng.next() * count)]++;
  for (let i = 0; i < clusterOf.length; i++) weights[i] = drawn[clusterOf[i]];
}

/** The rng stream of the bootstrap, derived from an evaluation's seed (the run's). */
export function bootstrapRng(seed: number): Rng {
  return createRng(seed).fork('bootstrap');
}

export function bootstrapIntervals(input: EvalInput, o: BootstrapOptions): BootstrapResult {
  const n = input.labels.length, k = input.classes.length;
  const resamples = o.resamples ?? BOOTSTRAP_RESAMPLES, confidence = o.confidence ?? BOOTSTRAP_CONFIDENCE;
  if (o.clusters && o.clusters.length !== n) throw new RangeError(`${n} images but ${o.clusters.length} cluster ids`);
  const { of: clusterOf, count } = o.clusters ? clusterIndex(o.clusters) : { of: Int32Array.from({ length: n }, (_, i) => i), count: n };
  const rng = bootstrapRng(o.seed);
  const withParts = o.metrics.filter((m) => m.bootstrap);

  // Every statistic's value in each resample (NaN: undefined there), by key.
  const samples = new Map<string, Float64Array>();
  const record = (key: string, b: number, v: number | null) => {
    let a = samples.get(key);
    if (!a) samples.set(key, (a = new Float64Array(resamples).fill(NaN)));
    a[b] = v === null || !Number.isFinite(v) ? NaN : v;
  };
  // The report's own numbers under '', a metric's parts under its id.
  const key = (source: string, part: string) => `${source}\u0000${part}`;

  const weights = new Float64Array(n), drawn = new Float64Array(count);
  const flat = new Float64Array(k * k);
  for (let b = 0; b < resamples && n > 0; b++) {
    resampleWeights(clusterOf, count, rng, weights, drawn);
    flat.fill(0);
    for (let i = 0; i < n; i++) flat[input.labels[i] * k + input.predicted[i]] += weights[i];
    const confusion = Array.from({ length: k }, (_, t) => Array.from(flat.subarray(t * k, t * k + k)));
    const report = reportFromConfusion(confusion, input.classes);
    record(key('', 'accuracy'), b, report.accuracy);
    record(key('', 'macroF1'), b, report.macro.f1);
    report.perClass.forEach((c, i) => {
      // A class neither true nor predicted in this resample has no precision, recall or F1 (n/a, as in the report).
      const na = c.present === false;
      record(key('', `precision ${i}`), b, na ? null : c.precision);
      record(key('', `recall ${i}`), b, na ? null : c.recall);
      record(key('', `f1 ${i}`), b, na ? null : c.f1);
    });
    const resample: EvalInput = { ...input, confusion, weights };
    for (const m of withParts) {
      for (const [part, v] of Object.entries(m.bootstrap!(resample))) record(key(m.id, part), b, v);
    }
  }

  const lowQ = (1 - confidence) / 2, highQ = 1 - lowQ;
  const interval = (source: string, part: string): Interval | null => {
    const all = samples.get(key(source, part));
    if (!all) return null;
    const defined = all.filter((v) => !Number.isNaN(v)).sort();
    if (defined.length === 0) return null;
    return { low: percentile(defined, lowQ), high: percentile(defined, highQ), ...(defined.length < resamples ? { defined: defined.length } : {}) };
  };

  const metrics: EvalIntervals['metrics'] = {};
  for (const m of withParts) {
    const parts: Record<string, Interval | null> = {};
    for (const k of samples.keys()) {
      const [source, part] = k.split('\u0000');
      if (source === m.id) parts[part] = interval(source, part);
    }
    metrics[m.id] = parts;
  }
  return {
    intervals: {
      accuracy: interval('', 'accuracy'),
      macroF1: interval('', 'macroF1'),
      perClass: input.classes.map((className, i) => ({
        className, precision: interval('', `precision ${i}`), recall: interval('', `recall ${i}`), f1: interval('', `f1 ${i}`),
      })),
      metrics,
    },
    bootstrap: {
      unit: o.clusters ? 'patient' : 'image', clusters: count, images: n, resamples, confidence, method: 'percentile', seed: o.seed,
    },
  };
}
