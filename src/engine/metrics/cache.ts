/**
 * Precomputations a metric's bootstrap function reuses across the resamples of one evaluation (score orders, per-image
 * losses): they depend on the labels and probability arrays, which every resample shares, and not on the weights.
 * Keyed weakly by those two arrays, so they go when the evaluation does.
 */
import type { EvalInput } from './evalMetric';

const store = new WeakMap<object, WeakMap<object, Map<string, unknown>>>();

export function perInput<T>(input: Pick<EvalInput, 'labels' | 'probabilities'>, key: string, make: () => T): T {
  let byLabels = store.get(input.probabilities);
  if (!byLabels) store.set(input.probabilities, (byLabels = new WeakMap()));
  let values = byLabels.get(input.labels);
  if (!values) byLabels.set(input.labels, (values = new Map()));
  if (!values.has(key)) values.set(key, make());
  return values.get(key) as T;
}
