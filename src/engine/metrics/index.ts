/**
 * The metrics every evaluation reports beside the confusion matrix and per-class precision/recall/F1 (metrics.ts).
 * Adding one is a new file in this folder exporting an EvalMetric, plus its line in EVAL_METRICS.
 */
import { averagePrecision } from './averagePrecision';
import { balancedAccuracy } from './balancedAccuracy';
import { brier } from './brier';
import { calibration } from './calibration';
import { cohenKappa } from './cohenKappa';
import type { EvalInput, EvalMetric } from './evalMetric';
import { logLoss } from './logLoss';
import { matthews } from './matthews';
import { operatingPoints } from './operatingPoints';
import { rocAuc } from './rocAuc';

export const EVAL_METRICS: readonly EvalMetric[] = [
  balancedAccuracy,
  matthews,
  cohenKappa,
  logLoss,
  brier,
  rocAuc,
  averagePrecision,
  operatingPoints,
  calibration,
];

export interface MetricValue { id: string; label: string; value: unknown }

/** Every listed metric's value on one evaluation, in list order. */
export function computeEvalMetrics(input: EvalInput): MetricValue[] {
  return EVAL_METRICS.map((m) => ({ id: m.id, label: m.label, value: m.compute(input) }));
}

export type { EvalInput, EvalMetric } from './evalMetric';
