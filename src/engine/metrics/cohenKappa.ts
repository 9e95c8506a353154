import { scalarParts, type EvalMetric } from './evalMetric';

/**
 * Cohen's kappa between the true and the predicted labels, unweighted, as scikit-learn's cohen_kappa_score computes
 * it from the confusion matrix C: with E = outer(column sums, row sums) / total, kappa = 1 − Σ_{i≠j} C / Σ_{i≠j} E;
 * NaN (n/a) where sklearn's is undefined (replace_undefined_by=np.nan): no image, or a zero denominator.
 */
export function kappaFromConfusion(confusion: readonly (readonly number[])[]): number {
  const k = confusion.length;
  const sum0 = Array.from({ length: k }, (_, j) => confusion.reduce((s, row) => s + row[j], 0));
  const sum1 = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const total = sum0.reduce((a, b) => a + b, 0);
  if (total === 0) return NaN;
  let observed = 0, expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (i === j) continue;
      observed += confusion[i][j];
      expected += (sum0[i] * sum1[j]) / total;
    }
  }
  return expected === 0 ? NaN : 1 - observed / expected;
}

export const cohenKappa: EvalMetric<number> = {
  id: 'cohenKappa',
  label: "Cohen's kappa",
  compute: ({ confusion }) => kappaFromConfusion(confusion),
  bootstrap: scalarParts(({ confusion }) => kappaFromConfusion(confusion)),
};
