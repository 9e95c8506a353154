/** One-vs-rest views of an evaluation, shared by the ROC and PR metrics: per class, who is positive and its scores. */
import type { EvalInput } from './evalMetric';
import { perInput } from './cache';
import { classRanking, type ClassRanking } from './ranking';

export interface OneVsRest {
  /** positive[c][i]: image i's label is class c. */
  positive: Uint8Array[];
  /** scores[c][i]: image i's probability of class c. */
  scores: Float64Array[];
  positives: number[];
  negatives: number[];
}

export function oneVsRest({ labels, probabilities, classes }: Pick<EvalInput, 'labels' | 'probabilities' | 'classes'>): OneVsRest {
  const k = classes.length, n = labels.length;
  if (probabilities.length !== n) throw new RangeError(`${n} labels but ${probabilities.length} probability rows`);
  const positive = classes.map(() => new Uint8Array(n));
  const scores = classes.map(() => new Float64Array(n));
  const positives = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const row = probabilities[i];
    if (row.length !== k) throw new RangeError(`probability row ${i} has ${row.length} values for ${k} classes`);
    for (let c = 0; c < k; c++) scores[c][i] = row[c];
    if (labels[i] >= 0 && labels[i] < k) {
      positive[labels[i]][i] = 1;
      positives[labels[i]]++;
    }
  }
  return { positive, scores, positives, negatives: positives.map((p) => n - p) };
}

/** Whether every score of a class is a finite number (a diverged model gives NaN). */
export function allFinite(scores: Float64Array): boolean {
  for (let i = 0; i < scores.length; i++) if (!Number.isFinite(scores[i])) return false;
  return true;
}

/** Per class, its images sorted by score once per evaluation (null when a score is not finite), for the bootstrap. */
export function classRankings(input: EvalInput): (ClassRanking | null)[] {
  return perInput(input, 'classRankings', () => {
    const ovr = oneVsRest(input);
    return input.classes.map((_, c) => (allFinite(ovr.scores[c]) ? classRanking(ovr.positive[c], ovr.scores[c]) : null));
  });
}

/** Σ weights, and Σ weights of each class's images: the weighted positives of each class. */
export function weightedSupport(input: EvalInput, weights: ArrayLike<number>): number[] {
  const support = new Array<number>(input.classes.length).fill(0);
  for (let i = 0; i < input.labels.length; i++) support[input.labels[i]] += weights[i];
  return support;
}

/** The mean of the defined values, null when none is. */
export function meanDefined(values: readonly (number | null)[]): number | null {
  const defined = values.filter((v): v is number => v !== null);
  return defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null;
}

/** Σ w·v / Σ w over the defined values, null when their weights sum to 0. */
export function weightedMeanDefined(values: readonly (number | null)[], weights: readonly number[]): number | null {
  let sum = 0, total = 0;
  values.forEach((v, c) => { if (v !== null) { sum += weights[c] * v; total += weights[c]; } });
  return total > 0 ? sum / total : null;
}

/** The one-hot label matrix and the probability matrix raveled (sklearn's 'micro' average for label-indicator input). */
export function raveled(ovr: OneVsRest): { positive: Uint8Array; scores: Float64Array } {
  const k = ovr.positive.length, n = k ? ovr.positive[0].length : 0;
  const positive = new Uint8Array(n * k), scores = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      positive[i * k + c] = ovr.positive[c][i];
      scores[i * k + c] = ovr.scores[c][i];
    }
  }
  return { positive, scores };
}
