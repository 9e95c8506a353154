/**
 * Operating points of one class against the rest (e.g. COVID vs the others, as the Deep-COVID study reports):
 * sensitivity, specificity, PPV and NPV, at the argmax prediction or at any threshold on that class's probability.
 * Pure and dependency-free: the engine stores the argmax points in every evaluation, and the evaluation view calls
 * the threshold form live from the stored probabilities (no engine call).
 *
 * As scikit-learn (recall_score / precision_score with pos_label 1 or 0): a rate whose denominator is 0 is 0
 * (zero_division's default); the counts tell when that happened. At a threshold t an image is called positive when
 * its probability is >= t (roc_curve's convention), so t = 0 calls every image positive.
 */

export interface BinaryCounts { tp: number; fp: number; fn: number; tn: number }

export interface OperatingPoint extends BinaryCounts {
  /** tp / (tp + fn): recall of the positive class, true-positive rate. */
  sensitivity: number;
  /** tn / (tn + fp): recall of the negatives, 1 − false-positive rate. */
  specificity: number;
  /** tp / (tp + fp): precision, positive predictive value. */
  ppv: number;
  /** tn / (tn + fn): negative predictive value. */
  npv: number;
}

const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);

export function operatingPointFromCounts(c: BinaryCounts): OperatingPoint {
  return {
    tp: c.tp, fp: c.fp, fn: c.fn, tn: c.tn,
    sensitivity: ratio(c.tp, c.tp + c.fn),
    specificity: ratio(c.tn, c.tn + c.fp),
    ppv: ratio(c.tp, c.tp + c.fp),
    npv: ratio(c.tn, c.tn + c.fn),
  };
}

/** Image i is positive when `isPositive(i)`; it truly is when labels[i] === positive. */
function count(labels: ArrayLike<number>, positive: number, isPositive: (i: number) => boolean): BinaryCounts {
  const c: BinaryCounts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const truth = labels[i] === positive;
    if (isPositive(i)) { if (truth) c.tp++; else c.fp++; } else if (truth) c.fn++; else c.tn++;
  }
  return c;
}

/** `positive` vs the rest at the argmax prediction: predicted[i] is image i's predicted class. */
export function operatingPointAtPrediction(labels: ArrayLike<number>, predicted: ArrayLike<number>, positive: number): OperatingPoint {
  if (predicted.length !== labels.length) throw new RangeError(`${labels.length} labels but ${predicted.length} predictions`);
  return operatingPointFromCounts(count(labels, positive, (i) => predicted[i] === positive));
}

/** `positive` vs the rest, calling image i positive when probabilities[i][positive] >= threshold. */
export function operatingPointAtThreshold(labels: ArrayLike<number>, probabilities: readonly ArrayLike<number>[], positive: number,
  threshold: number): OperatingPoint {
  if (probabilities.length !== labels.length) throw new RangeError(`${labels.length} labels but ${probabilities.length} probability rows`);
  return operatingPointFromCounts(count(labels, positive, (i) => probabilities[i][positive] >= threshold));
}
