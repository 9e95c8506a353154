/** Shape of eval/<name>.json as the engine's evaluate job writes it, and the light summary the tree keeps of it. */
import type { ClassMetricsData } from '../../shared/engineProtocol';
import type { PredictionRow } from '../../shared/webviewProtocol';

export interface Averages { precision: number; recall: number; f1: number }

export interface EvalFile {
  name: string;
  runId: string;
  checkpoint?: { which: 'best' | 'last'; epoch?: number; valLoss?: number };
  createdAt?: string;
  loss?: number;
  classes: string[];
  confusion: number[][];
  perClass: ClassMetricsData[];
  accuracy: number;
  macro: Averages;
  weighted: Averages;
  total: number;
  predictions?: PredictionRow[];
}

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
    name: file.name, path, accuracy: file.accuracy, macroF1: file.macro?.f1 ?? NaN, weightedF1: file.weighted?.f1 ?? NaN,
    total: file.total, perClass: file.perClass ?? [], createdAt: file.createdAt,
  };
}
