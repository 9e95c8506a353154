import { scalarParts, type EvalMetric } from './evalMetric';

/**
 * Matthews correlation coefficient, multiclass (Gorodkin's R_K), as scikit-learn's matthews_corrcoef computes it
 * from the confusion matrix C: with t = row sums (true counts), p = column sums (predicted counts), c = trace and
 * s = total, MCC = (c·s − t·p) / sqrt((s² − p·p)(s² − t·t)); 0 when the denominator is 0 (one class predicted or true).
 */
function matthewsOf(confusion: readonly (readonly number[])[]): number {
  const k = confusion.length;
  const t = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const p = Array.from({ length: k }, (_, j) => confusion.reduce((a, row) => a + row[j], 0));
  const c = confusion.reduce((a, row, i) => a + row[i], 0);
  const s = t.reduce((a, b) => a + b, 0);
  const dot = (x: number[], y: number[]) => x.reduce((a, v, i) => a + v * y[i], 0);
  const covTP = c * s - dot(t, p);
  const covPP = s * s - dot(p, p);
  const covTT = s * s - dot(t, t);
  return covPP * covTT === 0 ? 0 : covTP / Math.sqrt(covTT * covPP);
}

export const matthews: EvalMetric<number> = {
  id: 'matthews',
  label: 'Matthews correlation',
  compute: ({ confusion }) => matthewsOf(confusion),
  bootstrap: scalarParts(({ confusion }) => matthewsOf(confusion)),
};
