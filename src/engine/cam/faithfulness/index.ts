/**
 * The faithfulness metrics `explain-eval` reports, and the runner that scores one map with them. Adding one is a new
 * file in this folder exporting a FaithfulnessMetric, plus its line in FAITHFULNESS_METRICS.
 */
import * as tf from '@tensorflow/tfjs';
import type { FaithfulnessInput, FaithfulnessMetric, FaithfulnessSettings } from './faithfulnessMetric';
import { roadCombined, roadLeastRelevantFirst, roadMostRelevantFirst, ROAD_PERCENTILES } from './road';
import { averageDrop, increaseInConfidence } from './confidenceChange';
import { DEFAULT_IMPUTER_NOISE, DEFAULT_TOLERANCE } from './imputer';

const FAITHFULNESS_METRICS: readonly FaithfulnessMetric[] = [
  roadCombined,
  roadMostRelevantFirst,
  roadLeastRelevantFirst,
  averageDrop,
  increaseInConfidence,
];

/** The metric that ranks the methods ("most faithful"): ROAD combined. */
export const HEADLINE_METRIC = roadCombined.id;

export function listFaithfulnessMetrics(): readonly FaithfulnessMetric[] {
  return FAITHFULNESS_METRICS;
}

export const DEFAULT_FAITHFULNESS = { percentiles: ROAD_PERCENTILES, noise: DEFAULT_IMPUTER_NOISE, target: 'probability', tolerance: DEFAULT_TOLERANCE } as const;

export interface FaithfulnessRun {
  /** Each metric's value, by id. */
  values: Record<string, number>;
  /** Inputs sent through the model (the original and each distinct perturbation). */
  forwardPasses: number;
  /** Seconds making perturbed inputs (the imputer) and scoring them (the model). */
  perturbSeconds: number;
  modelSeconds: number;
}

/**
 * Every metric's value for one map: the distinct perturbed inputs of all metrics (shared ones made once), the original
 * input first, through `scoreFn` (logits [n,classes] of a batch [n,H,W,C]) in batches of `batchSize`.
 * Tensors: each batch lives in its own tidy; none is left behind.
 */
export function scoreFaithfulness(scoreFn: (batch: tf.Tensor4D) => tf.Tensor, input: FaithfulnessInput, settings: FaithfulnessSettings,
  o: { metrics?: readonly FaithfulnessMetric[]; batchSize?: number } = {}): FaithfulnessRun {
  const metrics = o.metrics ?? FAITHFULNESS_METRICS;
  const batchSize = o.batchSize ?? 10;
  const { height, width, channels } = input;
  const pixels = height * width * channels;
  if (input.image.length !== pixels) throw new RangeError(`faithfulness: image has ${input.image.length} values, expected ${height}x${width}x${channels}`);
  if (input.cam.length !== height * width) throw new RangeError(`faithfulness: map has ${input.cam.length} values, expected ${height}x${width}`);
  const perMetric = metrics.map((m) => m.perturbations(input, settings));
  const keys = ['original'];
  const makers: (() => Float32Array)[] = [() => input.image];
  const position = new Map<string, number>([['original', 0]]);
  for (const list of perMetric) {
    for (const p of list) {
      if (position.has(p.key)) continue;
      position.set(p.key, keys.length);
      keys.push(p.key);
      makers.push(p.make);
    }
  }
  const logits: Float32Array[] = [];
  let perturbSeconds = 0, modelSeconds = 0;
  for (let start = 0; start < keys.length; start += batchSize) {
    const n = Math.min(batchSize, keys.length - start);
    const started = performance.now();
    const data = new Float32Array(n * pixels);
    for (let i = 0; i < n; i++) data.set(makers[start + i](), i * pixels);
    const made = performance.now();
    perturbSeconds += (made - started) / 1000;
    const out = tf.tidy(() => scoreFn(tf.tensor4d(data, [n, height, width, channels])).dataSync() as Float32Array);
    const classes = out.length / n;
    for (let i = 0; i < n; i++) logits.push(out.slice(i * classes, (i + 1) * classes));
    modelSeconds += (performance.now() - made) / 1000;
  }
  const values: Record<string, number> = {};
  metrics.forEach((m, i) => {
    values[m.id] = m.value({ before: logits[0], after: perMetric[i].map((p) => logits[position.get(p.key)!]), targetClass: input.targetClass, settings });
  });
  return { values, forwardPasses: keys.length, perturbSeconds, modelSeconds };
}

/** A standard normal source from uniform draws (Box–Muller), for the imputer's noise. */
export function normalFrom(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) { const s = spare; spare = undefined; return s; }
    let u = 0;
    while (u === 0) u = uniform();
    const r = Math.sqrt(-2 * Math.log(u)), t = 2 * Math.PI * uniform();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}

export type { FaithfulnessInput, FaithfulnessMetric, FaithfulnessSettings, FaithfulnessTarget } from './faithfulnessMetric';
export { ROAD_PERCENTILES } from './road';
