import { operatingPointFromCounts } from '../../shared/operatingPoint';
import type { OperatingPointsValue } from '../../shared/runFiles';
import type { EvalMetric } from './evalMetric';

/**
 * Sensitivity, specificity, PPV and NPV at the argmax prediction with each class in turn as the positive class
 * (one-vs-rest), from the confusion matrix; the same function as the evaluation view's threshold slider
 * (src/shared/operatingPoint.ts), which gives them at any threshold. Checked against sklearn's recall_score and
 * precision_score with pos_label 1 and 0 (zero_division=0).
 */
export const operatingPoints: EvalMetric<OperatingPointsValue> = {
  id: 'operatingPoints',
  label: 'operating points at argmax',
  compute: ({ confusion, classes }) => {
    const total = confusion.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
    return classes.map((className, c) => {
      const tp = confusion[c][c];
      const row = confusion[c].reduce((a, b) => a + b, 0);
      const col = confusion.reduce((s, r) => s + r[c], 0);
      return { className, ...operatingPointFromCounts({ tp, fp: col - tp, fn: row - tp, tn: total - row - col + tp }) };
    });
  },
};
