/**
 * A metric an evaluation reports beside the confusion matrix and per-class precision/recall/F1. Each is a pure
 * function of the labels, the predictions and the probability rows, in a file of its own, listed in
 * metrics/index.ts; the eval file stores its value under `metrics.<id>` and `cxr-lab evaluate` prints it.
 */
export interface EvalInput {
  labels: readonly number[];
  /** argMax of each probability row. */
  predicted: readonly number[];
  probabilities: readonly (readonly number[])[];
  confusion: readonly (readonly number[])[];
  classes: readonly string[];
}

export interface EvalMetric<T = unknown> {
  id: string;
  /** For people: "balanced accuracy". */
  label: string;
  compute(input: EvalInput): T;
}
