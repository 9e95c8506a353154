/**
 * How faithful a class activation map is to the model: perturb the input where the map says (remove the most or the
 * least relevant pixels, or keep the input only where the map is high) and see what the model's score of the explained
 * class does. One file per metric in this folder, registered in ./index.ts; the runner (./score.ts) sends every
 * metric's perturbed inputs through the model in batches, once each even when several metrics share them.
 */

/** What the model's output is read as: the softmax probability of the class (default) or its logit. */
export type FaithfulnessTarget = 'probability' | 'logit';

export interface FaithfulnessSettings {
  /** ROAD's percentiles of the map (pytorch-grad-cam's default 10, 20, …, 90). */
  percentiles: readonly number[];
  /** Standard deviation of the ROAD imputer's noise, in normalised input units (pytorch-grad-cam: 0.01; 0 for parity). */
  noise: number;
  /**
   * Standard normal draws for that noise, a stream per perturbed input (its Perturbation key), seeded by the caller per
   * image and key: every method's maps of an image then meet the same noise (common random numbers), so two methods
   * with the same map get the same scores.
   */
  normalFor(key: string): () => number;
  /**
   * ROAD's score of the model output: pytorch-grad-cam leaves it to the caller's target (ClassifierOutputSoftmaxTarget:
   * 'probability', ClassifierOutputTarget: 'logit'). Average Drop and Increase in Confidence always use the probability
   * (torch-cam's softmax logits_fn).
   */
  target: FaithfulnessTarget;
  /** Relative residual at which the imputer's conjugate gradient stops. */
  tolerance: number;
}

export interface FaithfulnessInput {
  /** The normalised model input, HWC float32 (height × width × channels). */
  image: Float32Array;
  height: number;
  width: number;
  channels: number;
  /** The map at input resolution, height × width values in [0, 1], float32 as the CAM computes it. */
  cam: Float32Array;
  /** The class the map explains. */
  targetClass: number;
}

/** One perturbed input; `key` names it so that metrics sharing an input (ROAD's three) have it computed and scored once. */
export interface Perturbation {
  key: string;
  make(): Float32Array;
}

/** The logits of the original input and of each of a metric's perturbations (in its order). */
export interface FaithfulnessScores {
  before: Float32Array;
  after: Float32Array[];
  targetClass: number;
  settings: FaithfulnessSettings;
}

export interface FaithfulnessMetric {
  /** Stable id: a key of the faithfulness file, the column of the table. [a-z0-9-]+ */
  id: string;
  /** Name for people ("ROAD most relevant first"). */
  label: string;
  /** Which way is more faithful. */
  better: 'higher' | 'lower';
  /** The perturbed inputs the metric needs. */
  perturbations(input: FaithfulnessInput, settings: FaithfulnessSettings): Perturbation[];
  /** The metric's value for one image. */
  value(scores: FaithfulnessScores): number;
}

/**
 * Softmax probability of class `k`, rounded to float32 as torch's softmax returns it: a confident model's p and p' are
 * then both exactly 1 where torch sees them equal (Increase in Confidence compares them).
 */
export function probability(logits: Float32Array, k: number): number {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  return Math.fround(Math.exp(logits[k] - max) / sum);
}

/** The model's score of class `k` as the settings read it. */
export function targetScore(logits: Float32Array, k: number, target: FaithfulnessTarget): number {
  return target === 'logit' ? logits[k] : probability(logits, k);
}
