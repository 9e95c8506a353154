import { scalarParts, type EvalMetric } from './evalMetric';

/**
 * Balanced accuracy: the mean recall over the classes that occur in the labels, as scikit-learn's
 * balanced_accuracy_score (its confusion matrix covers the labels it sees; a class with no true sample
 * has no recall and is left out of the mean).
 */
function balancedAccuracyOf(confusion: readonly (readonly number[])[]): number {
  const recalls = confusion.flatMap((row, i) => {
    const support = row.reduce((a, b) => a + b, 0);
    return support > 0 ? [row[i] / support] : [];
  });
  return recalls.length ? recalls.reduce((a, b) => a + b, 0) / recalls.length : NaN;
}

export const balancedAccuracy: EvalMetric<number> = {
  id: 'balancedAccuracy',
  label: 'balanced accuracy',
  compute: ({ confusion }) => balancedAccuracyOf(confusion),
  bootstrap: scalarParts(({ confusion }) => balancedAccuracyOf(confusion)),
};
