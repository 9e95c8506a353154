/**
 * evalMetricValue of src/shared/runFiles without its runtime import: that module builds the zod schemas, which the
 * webview bundle must not carry (the host already parsed the file). Types only from there.
 */
import type { EvalMetricValues, KnownEvalMetricId } from '../../shared/runFiles';

/** The typed value of metric `id` in an evaluation's `metrics`, or undefined (an older file, or a metric not computed). */
export function metricValue<K extends KnownEvalMetricId>(metrics: readonly { id: string; value: unknown }[] | undefined, id: K): EvalMetricValues[K] | undefined {
  return metrics?.find((m) => m.id === id)?.value as EvalMetricValues[K] | undefined;
}
