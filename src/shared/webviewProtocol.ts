/**
 * The one protocol between the extension host and its webviews (training panel, evaluation view, Grad-CAM view).
 * Type-only imports and plain data, so it pulls no runtime into either side. Images travel as webview URIs
 * (webview.asWebviewUri of files in the run folders, which are in localResourceRoots).
 */
import type { EpochRecord, RunStatus } from './engineProtocol';
import type { CheckpointMeta, CheckpointName, EvalFile, Prediction, RunningElsewhere } from './runFiles';

// ---------- training panel ----------
export interface TrainingRunView {
  runDir: string;
  id: string;
  arch: string;
  /** 'running on <host>': trained on another host (its run.lock says which). */
  status: RunStatus | 'interrupted' | RunningElsewhere;
  epochs: number;
  backend: string;
  classes: string[];
  best?: CheckpointMeta;
}
export interface TrainingProgress { phase: string; done: number; total: number; epoch?: number; epochs?: number; etaSeconds?: number; message?: string }

export type TrainingToWebview =
  | { type: 'init'; run: TrainingRunView; history: EpochRecord[]; progress?: TrainingProgress }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'progress'; progress: TrainingProgress }
  | { type: 'status'; status: TrainingRunView['status']; best?: CheckpointMeta };
export type TrainingFromWebview =
  | { type: 'ready' }
  | { type: 'cancel' }
  | { type: 'evaluate' };

// ---------- evaluation view ----------
export type PredictionRow = Prediction;
/** One eval/<name>.json (as parsed by its schema) with the run it belongs to. */
export interface EvaluationView
  extends Pick<EvalFile, 'name' | 'classes' | 'confusion' | 'perClass' | 'accuracy' | 'macro' | 'weighted' | 'total' | 'predictions'> {
  runDir: string;
  runId: string;
  arch: string;
}
/** One row per (run, evaluation) of the workspace, like the reference study's table of all models. */
export interface SummaryRow { runDir: string; runId: string; arch: string; name: string; accuracy: number; macroF1: number; weightedF1: number; epochs: number; bestEpoch?: number }

export type EvaluationToWebview =
  | { type: 'init'; evaluation: EvaluationView; summary: SummaryRow[] }
  | { type: 'summary'; summary: SummaryRow[] };
export type EvaluationFromWebview =
  | { type: 'ready' }
  | { type: 'explainImage'; file: string; runDir: string }
  | { type: 'openEvaluation'; runDir: string; name: string };

// ---------- Grad-CAM view ----------
export interface ExplainView {
  image: { path: string; uri: string; name: string };
  heatmapUri: string;
  overlayUri: string;
  classes: string[];
  probabilities: number[];
  classIndex: number;
  layer: string;
  layers: string[]; // candidate target layers (4-D outputs), last first
  checkpoint: { runDir: string; runId: string; arch: string; which: CheckpointName; epoch?: number };
}

export type ExplainToWebview =
  | { type: 'busy'; message: string }
  | { type: 'result'; view: ExplainView }
  | { type: 'error'; message: string };
export type ExplainFromWebview =
  | { type: 'ready' }
  | { type: 'selectClass'; classIndex: number }
  | { type: 'selectLayer'; layer: string }
  | { type: 'changeCheckpoint' };
