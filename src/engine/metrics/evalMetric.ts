/**
 * A metric an evaluation reports beside the confusion matrix and per-class precision/recall/F1. Each is a pure
 * function of the labels, the predictions and the probability rows, in a file of its own, listed in
 * metrics/index.ts; the eval file stores its value under `metrics.<id>` and `cxr-lab evaluate` prints it.
 * A metric whose value has scalar parts declares them with `bootstrap`: the evaluation's bootstrap
 * (metrics/bootstrap.ts) then gives each part a 95 % interval, with no other file to touch.
 */
export interface EvalInput {
  labels: readonly number[];
  /** argMax of each probability row. */
  predicted: readonly number[];
  /** One row per image; empty when they are not known (hard predictions only): the metrics that need them are then n/a. */
  probabilities: readonly (readonly number[])[];
  /** confusion[true][predicted], counting each image `weights[i]` times when weights are given. */
  confusion: readonly (readonly number[])[];
  classes: readonly string[];
  /**
   * How many times each image counts: a bootstrap resample (whole numbers, 0 = left out). Absent: each image once.
   * Only `bootstrap` functions are called with weights.
   */
  weights?: ArrayLike<number>;
}

export interface EvalMetric<T = unknown> {
  id: string;
  /** For people: "balanced accuracy". */
  label: string;
  compute(input: EvalInput): T;
  /**
   * The value's scalar parts (a scalar metric: `{ value }`; per-class metrics: one part per class name and `macro`)
   * on a weighted input, null where undefined on it. Called once per bootstrap resample (2000 times), with the same
   * labels and probability arrays each time: it must honour `weights` and be cheap — O(images), reusing what does
   * not depend on the weights through `perInput` (metrics/cache.ts).
   */
  bootstrap?(input: EvalInput): Record<string, number | null>;
}

/** `bootstrap` for a metric whose value is one number that honours the weights (through the confusion matrix, or itself). */
export function scalarParts(compute: (input: EvalInput) => number): (input: EvalInput) => Record<string, number | null> {
  return (input) => {
    const value = compute(input);
    return { value: Number.isFinite(value) ? value : null };
  };
}

/** Whether the input has probability rows (see EvalInput.probabilities); a row count that differs from the labels' is an error. */
export function hasProbabilities(input: Pick<EvalInput, 'labels' | 'probabilities'>): boolean {
  if (input.probabilities.length === 0) return input.labels.length === 0;
  if (input.probabilities.length !== input.labels.length) {
    throw new RangeError(`${input.labels.length} labels but ${input.probabilities.length} probability rows`);
  }
  return true;
}
