/** The light summary the tree keeps of eval/<name>.json (its shape: EvalFile in src/shared/runFiles). */
import type { ClassMetricsData } from '../../shared/engineProtocol';
import { evalMetricValue, type EvalFile, type Interval } from '../../shared/runFiles';

export type { EvalFile };

/** What the Runs tree and the summary table need: no predictions. */
export interface EvalSummary {
  name: string;
  path: string;
  accuracy: number;
  macroF1: number;
  weightedF1: number;
  total: number;
  perClass: ClassMetricsData[];
  createdAt?: string;
  /** Macro one-vs-rest ROC AUC (null: no class has one); absent in files from before it. */
  auc?: number | null;
  /** Each class's AUC in perClass order (null: n/a, `aucReason` says why); absent with `auc`. */
  perClassAuc?: (number | null)[];
  aucReason?: (string | undefined)[];
  /** 95 % bootstrap intervals of accuracy, macro-F1 and macro AUC; absent in files from before them. */
  intervals?: { accuracy: Interval | null; macroF1: Interval | null; auc: Interval | null };
  /** The checkpoint evaluated: best or last, and its epoch. */
  checkpoint: { which: EvalFile['checkpoint']['which']; epoch: number };
}

export function summarizeEval(file: EvalFile, path: string): EvalSummary {
  const roc = evalMetricValue(file.metrics, 'rocAuc');
  const iv = file.intervals;
  return {
    name: file.name, path, accuracy: file.accuracy, macroF1: file.macro.f1, weightedF1: file.weighted.f1,
    total: file.total, perClass: file.perClass, createdAt: file.createdAt, checkpoint: { which: file.checkpoint.which, epoch: file.checkpoint.epoch },
    ...(roc ? {
      auc: roc.macro,
      perClassAuc: file.perClass.map((c) => roc.perClass.find((r) => r.className === c.className)?.auc ?? null),
      aucReason: file.perClass.map((c) => roc.perClass.find((r) => r.className === c.className)?.reason),
    } : {}),
    ...(iv ? { intervals: { accuracy: iv.accuracy, macroF1: iv.macroF1, auc: iv.metrics.rocAuc?.macro ?? null } } : {}),
  };
}
