/** One row of the comparison table from a run's files: run.json, history.jsonl and its test evaluation. Pure. */
import * as path from 'node:path';
import type { ComparisonRow, ValueWithInterval } from '../../shared/compare';
import { evalMetricValue, type EpochRecord, type EvalFile, type Interval, type RunInfo } from '../../shared/runFiles';

const withInterval = (value: number | null | undefined, iv: Interval | null | undefined): ValueWithInterval => ({
  value: value ?? null, interval: iv ? { low: iv.low, high: iv.high } : null,
});

/** An evaluation's headline numbers with their intervals: accuracy, macro-F1, macro AUC and the per-class ones. */
export function evaluationNumbers(e: Pick<EvalFile, 'accuracy' | 'macro' | 'perClass' | 'metrics' | 'intervals'>): Pick<ComparisonRow, 'accuracy' | 'macroF1' | 'macroAuc' | 'perClass'> {
  const iv = e.intervals;
  const roc = evalMetricValue(e.metrics, 'rocAuc');
  return {
    accuracy: withInterval(e.accuracy, iv?.accuracy),
    macroF1: withInterval(e.macro.f1, iv?.macroF1),
    macroAuc: withInterval(roc?.macro, iv?.metrics.rocAuc?.macro),
    perClass: e.perClass.map((c, i) => ({
      className: c.className, precision: c.precision, recall: c.recall, support: c.support, present: c.present !== false,
      f1: withInterval(c.present === false ? null : c.f1, iv?.perClass[i]?.f1),
      auc: withInterval(roc?.perClass[i]?.auc, iv?.metrics.rocAuc?.[c.className]),
    })),
  };
}

export function comparisonRow(o: { runDir: string; runId: string; info: RunInfo; history: readonly EpochRecord[]; evaluation: EvalFile; label: string; notes: string[] }): ComparisonRow {
  const { info, evaluation: e } = o;
  const backend = info.backend.name;
  return {
    runDir: o.runDir, runId: o.runId, label: o.label, arch: info.config.arch, seed: info.config.seed, status: info.status,
    checkpoint: { which: e.checkpoint.which, epoch: e.checkpoint.epoch, evaluatedAt: e.createdAt },
    images: e.total,
    ...evaluationNumbers(e),
    params: info.model.trainableParams,
    trainingSeconds: o.history.reduce((s, r) => s + r.seconds, 0),
    epochs: o.history.length,
    inferenceMsPerImage: e.timing?.msPerImage ?? null,
    backend,
    ...(e.timing && e.timing.backend !== backend ? { inferenceBackend: e.timing.backend } : {}),
    notes: o.notes,
  };
}

/**
 * One id per row: the run's id, or `<parent folder>/<id>` where two runs share an id (members of two sweeps are both
 * "mobilenetv2-seed1"), or the run folder itself where even that repeats. Rows, pairs and the best run are keyed by it.
 */
export function uniqueRunIds(runs: readonly { runDir: string; id: string }[]): string[] {
  const counts = (ids: string[]) => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());
  const plain = counts(runs.map((r) => r.id));
  const withParent = runs.map((r) => (plain.get(r.id)! > 1 ? `${path.basename(path.dirname(path.resolve(r.runDir)))}/${r.id}` : r.id));
  const again = counts(withParent);
  return runs.map((r, i) => (again.get(withParent[i])! > 1 ? path.resolve(r.runDir) : withParent[i]));
}
