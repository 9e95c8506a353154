/** One row of the comparison table from a run's files: run.json, history.jsonl and its test evaluation. Pure. */
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

export function comparisonRow(o: { runDir: string; info: RunInfo; history: readonly EpochRecord[]; evaluation: EvalFile; label: string; notes: string[] }): ComparisonRow {
  const { info, evaluation: e } = o;
  const backend = info.backend.name;
  return {
    runDir: o.runDir, runId: info.id, label: o.label, arch: info.config.arch, seed: info.config.seed, status: info.status,
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
