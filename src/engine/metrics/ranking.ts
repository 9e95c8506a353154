/**
 * Binary ranking metrics, ported from scikit-learn 1.9 (sklearn/metrics/_ranking.py) with its tie handling: the scores
 * are sorted in decreasing order and every run of equal scores is one threshold (confusion_matrix_at_thresholds), so
 * tied images move together along the curve (a diagonal segment of the ROC curve, half-credit in the AUC).
 * Checked against sklearn on test/fixtures/ranking (ties, constant scores, classes without positives).
 *
 * `positive[i]` says whether image i belongs to the positive class (one-vs-rest: its label is the class), `scores[i]`
 * its probability of that class. The second half computes the AUC and the average precision of a weighted sample
 * (a bootstrap resample, given as multiplicities) in one pass over an order sorted once, O(n) per resample.
 */

export interface ThresholdCounts {
  /** Negatives with score >= thresholds[j]. */
  fps: Float64Array;
  /** Positives with score >= thresholds[j]. */
  tps: Float64Array;
  /** The distinct scores, decreasing. */
  thresholds: Float64Array;
}

/** Image indices by decreasing score; equal scores keep their index order (numpy's stable argsort). */
export function descendingOrder(scores: ArrayLike<number>): Int32Array {
  const order = new Int32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[b] - scores[a] || a - b);
}

function checkInputs(positive: ArrayLike<unknown>, scores: ArrayLike<number>): void {
  if (positive.length !== scores.length) throw new RangeError(`${positive.length} labels but ${scores.length} scores`);
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new RangeError(`score ${i} is ${scores[i]}, not a finite number`);
  }
}

/** sklearn's confusion_matrix_at_thresholds (without sample weights): counts at each distinct score. */
export function countsAtThresholds(positive: ArrayLike<boolean | number>, scores: ArrayLike<number>): ThresholdCounts {
  checkInputs(positive, scores);
  const order = descendingOrder(scores);
  const fps: number[] = [], tps: number[] = [], thresholds: number[] = [];
  let tp = 0;
  for (let j = 0; j < order.length; j++) {
    if (positive[order[j]]) tp++;
    if (j === order.length - 1 || scores[order[j]] !== scores[order[j + 1]]) {
      tps.push(tp);
      fps.push(j + 1 - tp);
      thresholds.push(scores[order[j]]);
    }
  }
  return { fps: Float64Array.from(fps), tps: Float64Array.from(tps), thresholds: Float64Array.from(thresholds) };
}

function pick(a: Float64Array, idx: number[]): number[] {
  return idx.map((j) => a[j]);
}

export type RocCurvePoints = { fpr: number[]; tpr: number[]; thresholds: number[] };

/**
 * sklearn's roc_curve: with dropIntermediate (its default) the points collinear with their neighbours are dropped
 * (a zero second difference of both fps and tps); a first point (0, 0) at threshold +Infinity is added. A rate with
 * no negative (or positive) image is NaN throughout, as in sklearn.
 */
export function rocCurve(positive: ArrayLike<boolean | number>, scores: ArrayLike<number>, dropIntermediate = true): RocCurvePoints {
  const { fps, tps, thresholds } = countsAtThresholds(positive, scores);
  const m = fps.length;
  let keep = Array.from({ length: m }, (_, j) => j);
  if (dropIntermediate && m > 2) {
    const corner = (a: Float64Array, j: number) => (a[j + 1] - a[j]) - (a[j] - a[j - 1]) !== 0;
    keep = keep.filter((j) => j === 0 || j === m - 1 || corner(fps, j) || corner(tps, j));
  }
  const f = [0, ...pick(fps, keep)], t = [0, ...pick(tps, keep)];
  const fLast = f[f.length - 1], tLast = t[t.length - 1];
  return {
    fpr: f.map((v) => (fLast <= 0 ? NaN : v / fLast)),
    tpr: t.map((v) => (tLast <= 0 ? NaN : v / tLast)),
    thresholds: [Infinity, ...pick(thresholds, keep)],
  };
}

/** sklearn's auc: the trapezoidal rule over a monotonic x. */
export function trapezoidArea(x: readonly number[], y: readonly number[]): number {
  let decreasing = false;
  for (let i = 1; i < x.length; i++) {
    if (x[i] < x[i - 1]) decreasing = true;
  }
  if (decreasing && x.some((v, i) => i > 0 && v > x[i - 1])) throw new RangeError('x is neither increasing nor decreasing');
  let area = 0;
  for (let i = 1; i < x.length; i++) area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
  return decreasing ? -area : area;
}

/** Why a one-vs-rest AUC is undefined, or undefined when it is not. */
export function aucUndefinedReason(positives: number, negatives: number, className: string): string | undefined {
  if (positives === 0) return `no image of ${className} in the evaluated set`;
  if (negatives === 0) return `every evaluated image is ${className}: no negative to rank against`;
  return undefined;
}

/** roc_auc_score of one binary problem; null where sklearn warns and returns NaN (only one class present). */
export function binaryRocAuc(positive: ArrayLike<boolean | number>, scores: ArrayLike<number>): number | null {
  let pos = 0;
  for (let i = 0; i < positive.length; i++) if (positive[i]) pos++;
  if (pos === 0 || pos === positive.length) return null;
  const { fpr, tpr } = rocCurve(positive, scores);
  return trapezoidArea(fpr, tpr);
}

export type PrCurvePoints = { precision: number[]; recall: number[]; thresholds: number[] };

/**
 * sklearn's precision_recall_curve: thresholds increase, the last point (precision 1, recall 0) has none; with no
 * positive image the recall is 1 throughout (sklearn warns). dropIntermediate keeps the first and last point of each
 * run of equal true-positive counts (sklearn's drop_intermediate=True).
 */
export function precisionRecallCurve(positive: ArrayLike<boolean | number>, scores: ArrayLike<number>, dropIntermediate = false): PrCurvePoints {
  const { fps, tps, thresholds } = countsAtThresholds(positive, scores);
  const m = fps.length;
  let keep = Array.from({ length: m }, (_, j) => j);
  if (dropIntermediate && m > 2) keep = keep.filter((j) => j === 0 || j === m - 1 || tps[j] !== tps[j - 1] || tps[j + 1] !== tps[j]);
  const tLast = tps[m - 1];
  const precision = keep.map((j) => (tps[j] + fps[j] !== 0 ? tps[j] / (tps[j] + fps[j]) : 0)).reverse();
  const recall = keep.map((j) => (tLast === 0 ? 1 : tps[j] / tLast)).reverse();
  return { precision: [...precision, 1], recall: [...recall, 0], thresholds: pick(thresholds, keep).reverse() };
}

/** average_precision_score of one binary problem: Σ (R_n − R_{n−1}) P_n; null when there is no positive image. */
export function binaryAveragePrecision(positive: ArrayLike<boolean | number>, scores: ArrayLike<number>): number | null {
  let pos = 0;
  for (let i = 0; i < positive.length; i++) if (positive[i]) pos++;
  if (pos === 0) return null;
  const { precision, recall } = precisionRecallCurve(positive, scores);
  let sum = 0;
  for (let i = 0; i + 1 < recall.length; i++) sum += (recall[i + 1] - recall[i]) * precision[i];
  return Math.max(0, -sum);
}

/** Curves are stored with at most this many points (see thinCurve). */
export const MAX_CURVE_POINTS = 500;

/**
 * At most `max` points of a curve given as parallel arrays (the first one's length counts): evenly spaced along it by
 * index, both ends kept (the drop_intermediate curves of 10,000 images can keep thousands of points; a plot needs a
 * few hundred).
 */
export function thinCurve<T extends Record<string, readonly number[]>>(curve: T, max = MAX_CURVE_POINTS): { [K in keyof T]: number[] } & { points: number } {
  const arrays = Object.values(curve);
  const n = arrays.length ? arrays[0].length : 0;
  const idx = n <= max ? null : Array.from({ length: max }, (_, i) => Math.round((i * (n - 1)) / (max - 1)));
  const out: Record<string, number[]> = {};
  // A shorter array (a PR curve's thresholds: its last point has none) keeps the chosen points it has.
  for (const [k, a] of Object.entries(curve)) out[k] = idx ? idx.filter((j) => j < a.length).map((j) => a[j]) : [...a];
  return { ...(out as { [K in keyof T]: number[] }), points: n };
}

/** One class's images sorted once by decreasing score, for the O(n) weighted AUC and AP of each resample. */
export interface ClassRanking {
  /** Image index at each sorted position. */
  order: Int32Array;
  /** 1 where the image at that position is positive. */
  positive: Uint8Array;
  /** 1 where that position ends a run of equal scores (a threshold). */
  groupEnd: Uint8Array;
}

export function classRanking(positive: ArrayLike<boolean | number>, scores: ArrayLike<number>): ClassRanking {
  checkInputs(positive, scores);
  const order = descendingOrder(scores);
  const n = order.length;
  const pos = new Uint8Array(n), groupEnd = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    pos[j] = positive[order[j]] ? 1 : 0;
    groupEnd[j] = j === n - 1 || scores[order[j]] !== scores[order[j + 1]] ? 1 : 0;
  }
  return { order, positive: pos, groupEnd };
}

/**
 * The ROC AUC of the sample where image i counts weights[i] times — what roc_auc_score gives on that sample with the
 * images repeated (the trapezoid over the thresholds, ties as one step) — or null when it has no positive or negative.
 */
export function weightedRocAuc(r: ClassRanking, weights: ArrayLike<number>): number | null {
  const { order, positive, groupEnd } = r;
  let tp = 0, fp = 0, tpPrev = 0, fpPrev = 0, area = 0;
  for (let j = 0; j < order.length; j++) {
    const w = weights[order[j]];
    if (positive[j]) tp += w; else fp += w;
    if (groupEnd[j]) {
      area += (fp - fpPrev) * (tp + tpPrev);
      tpPrev = tp;
      fpPrev = fp;
    }
  }
  return tp > 0 && fp > 0 ? area / (2 * tp * fp) : null;
}

/** average_precision_score of the weighted sample (Σ over thresholds of Δrecall · precision); null without positives. */
export function weightedAveragePrecision(r: ClassRanking, weights: ArrayLike<number>): number | null {
  const { order, positive, groupEnd } = r;
  let tp = 0, all = 0, tpPrev = 0, sum = 0;
  for (let j = 0; j < order.length; j++) {
    const w = weights[order[j]];
    all += w;
    if (positive[j]) tp += w;
    if (groupEnd[j] && tp !== tpPrev) {
      sum += (tp - tpPrev) * (tp / all);
      tpPrev = tp;
    }
  }
  return tp > 0 ? sum / tp : null;
}
