/**
 * Classification metrics computed by their definitions, matching scikit-learn
 * (confusion_matrix, precision_recall_fscore_support with zero_division=0, accuracy_score); per-class values for every
 * class (sklearn with `labels`), averages over the classes in the true or predicted labels (sklearn's default);
 * checked against sklearn on fixtures in test/fixtures/metrics.
 */

import type { Averages, ClassMetrics, MetricsReport } from '../../shared/runFiles';

/** The shapes are eval/<name>.json's (src/shared/runFiles/evaluation.ts), which holds a report whole. */
export type { Averages, ClassMetrics, MetricsReport };

/** sklearn's zero_division=0: an undefined ratio counts as 0. */
function safeDiv(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

function checkLabel(label: number, k: number, what: string, index: number): void {
  if (!Number.isInteger(label) || label < 0 || label >= k) {
    throw new RangeError(`${what}[${index}] = ${label} is not a class index in [0, ${k})`);
  }
}

export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): number[][] {
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`yTrue has ${yTrue.length} labels but yPred has ${yPred.length}`);
  }
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let n = 0; n < yTrue.length; n++) {
    checkLabel(yTrue[n], k, 'yTrue', n);
    checkLabel(yPred[n], k, 'yPred', n);
    confusion[yTrue[n]][yPred[n]]++;
  }
  return confusion;
}

export function computeMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classes: string[]): MetricsReport {
  if (classes.length === 0) throw new RangeError('computeMetrics needs at least one class');
  return reportFromConfusion(confusionMatrix(yTrue, yPred, classes.length), classes);
}

/**
 * The report of a confusion matrix (confusion[true][predicted]); its counts may be weighted (a bootstrap resample
 * counts an image as often as it was drawn).
 */
export function reportFromConfusion(confusion: number[][], classes: readonly string[]): MetricsReport {
  const k = classes.length;
  let total = 0;
  for (const row of confusion) for (const v of row) total += v;

  const perClass: ClassMetrics[] = classes.map((className, i) => {
    const tp = confusion[i][i];
    let rowSum = 0; // every sample whose true class is i
    let colSum = 0; // every sample predicted as i
    for (let j = 0; j < k; j++) {
      rowSum += confusion[i][j];
      colSum += confusion[j][i];
    }
    const fp = colSum - tp;
    const fn = rowSum - tp;
    const tn = total - tp - fp - fn;
    return {
      className, tp, fp, fn, tn,
      accuracy: safeDiv(tp + tn, total),
      precision: safeDiv(tp, tp + fp),
      recall: safeDiv(tp, tp + fn),
      // sklearn's F-beta form (beta = 1): equals 2PR/(P+R) but is defined when P or R is undefined.
      f1: safeDiv(2 * tp, 2 * tp + fp + fn),
      support: rowSum,
      // Neither a true nor a predicted label: n/a, not an F1 of 0 (sklearn's default labels leave it out).
      ...(rowSum === 0 && colSum === 0 ? { present: false as const } : {}),
    };
  });

  let correct = 0;
  for (let i = 0; i < k; i++) correct += confusion[i][i];

  // Averages over the classes in yTrue or yPred, as sklearn does when `labels` is not passed.
  const present = perClass.filter((c) => c.present !== false);
  const mean = (pick: (c: ClassMetrics) => number): number =>
    safeDiv(present.reduce((s, c) => s + pick(c), 0), present.length);
  const weightedMean = (pick: (c: ClassMetrics) => number): number =>
    safeDiv(present.reduce((s, c) => s + pick(c) * c.support, 0), total);

  return {
    classes: [...classes],
    confusion,
    perClass,
    accuracy: safeDiv(correct, total),
    macro: { precision: mean((c) => c.precision), recall: mean((c) => c.recall), f1: mean((c) => c.f1) },
    weighted: {
      precision: weightedMean((c) => c.precision),
      recall: weightedMean((c) => c.recall),
      f1: weightedMean((c) => c.f1),
    },
    total,
  };
}
