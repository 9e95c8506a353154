/**
 * The binary view: one class as positive, the rest negative — sensitivity, specificity, PPV and NPV at the argmax and
 * at a threshold on that class's stored probability, computed here (src/shared/operatingPoint.ts), no engine call.
 * Pure: tested under node.
 */
import type { EvaluationView } from '../../shared/webviewProtocol';
import { operatingPointAtPrediction, operatingPointAtThreshold, type OperatingPoint } from '../../shared/operatingPoint';

export const DEFAULT_THRESHOLD = 0.5;

export interface OperatingRow extends OperatingPoint {
  kind: 'argmax' | 'threshold';
  /** "predicted class (argmax)", "p(COVID) ≥ 0.50". */
  label: string;
}

/** A threshold in [0, 1] with two decimals (the slider's step), or the default for anything else. */
export function clampThreshold(t: unknown): number {
  const v = typeof t === 'number' ? t : Number(t);
  if (!Number.isFinite(v)) return DEFAULT_THRESHOLD;
  return Math.round(Math.min(1, Math.max(0, v)) * 100) / 100;
}

/** A valid positive class index for `view` (the first class otherwise). */
export function clampPositive(view: Pick<EvaluationView, 'classes'>, positive: unknown): number {
  return typeof positive === 'number' && Number.isInteger(positive) && positive >= 0 && positive < view.classes.length ? positive : 0;
}

/** The two rows of the operating-point table; empty when the evaluation stored no per-image predictions. */
export function operatingRows(view: Pick<EvaluationView, 'classes' | 'predictions'>, positive: number, threshold: number): OperatingRow[] {
  if (view.predictions.length === 0) return [];
  const labels = view.predictions.map((p) => p.label);
  const name = view.classes[positive] ?? `class ${positive}`;
  return [
    { kind: 'argmax', label: 'predicted class (argmax)', ...operatingPointAtPrediction(labels, view.predictions.map((p) => p.predicted), positive) },
    { kind: 'threshold', label: `p(${name}) ≥ ${threshold.toFixed(2)}`, ...operatingPointAtThreshold(labels, view.predictions.map((p) => p.probabilities), positive, threshold) },
  ];
}

/** Where the threshold's operating point sits on the ROC (x 1 − specificity, y sensitivity) and PR (x recall, y precision) curves. */
export function operatingMarkers(row: OperatingPoint): { roc: { x: number; y: number }; pr: { x: number; y: number } | undefined } {
  return {
    roc: { x: 1 - row.specificity, y: row.sensitivity },
    // No image called positive: precision undefined, no point on the PR curve.
    pr: row.tp + row.fp > 0 ? { x: row.sensitivity, y: row.ppv } : undefined,
  };
}

/** "12 of 40 images called positive" under the table. */
export function calledPositive(row: OperatingPoint): string {
  const n = row.tp + row.fp + row.fn + row.tn;
  return `${row.tp + row.fp} of ${n} image${n === 1 ? '' : 's'} called positive (${row.tp} truly)`;
}
