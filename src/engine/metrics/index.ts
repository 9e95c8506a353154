/**
 * The metrics every evaluation reports beside the confusion matrix and per-class precision/recall/F1 (metrics.ts).
 * Adding one is a new file in this folder exporting an EvalMetric, plus its line in EVAL_METRICS.
 */
import { balancedAccuracy } from './balancedAccuracy';
import type { EvalInput, EvalMetric } from './evalMetric';
import { matthews } from './matthews';

export const EVAL_METRICS: readonly EvalMetric[] = [
  balancedAccuracy,
  matthews,
];

export interface MetricValue { id: string; label: string; value: unknown }

/** Every listed metric's value on one evaluation, in list order. */
export function computeEvalMetrics(input: EvalInput): MetricValue[] {
  return EVAL_METRICS.map((m) => ({ id: m.id, label: m.label, value: m.compute(input) }));
}

export type { EvalInput, EvalMetric } from './evalMetric';
