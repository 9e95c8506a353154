/** The light summary the tree keeps of eval/<name>.json (its shape: EvalFile in src/shared/runFiles). */
import type { ClassMetricsData } from '../../shared/engineProtocol';
import type { EvalFile } from '../../shared/runFiles';

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
}

export function summarizeEval(file: EvalFile, path: string): EvalSummary {
  return {
    name: file.name, path, accuracy: file.accuracy, macroF1: file.macro.f1, weightedF1: file.weighted.f1,
    total: file.total, perClass: file.perClass, createdAt: file.createdAt,
  };
}
