/**
 * The one protocol between the extension host and its webviews (training panel, evaluation view, Grad-CAM view, CAM grid).
 * Type-only imports and plain data, so it pulls no runtime into either side. Images travel as webview URIs
 * (webview.asWebviewUri of files in the run folders, which are in localResourceRoots).
 */
import type { EpochRecord, RunStatus } from './engineProtocol';
import type { CheckpointMeta, CheckpointName, EnsembleMember, EvalFile, Interval, Prediction, RunningElsewhere } from './runFiles';
import type { AuditFile } from './runFiles/audit';

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
/**
 * One eval/<name>.json (as parsed by its schema) with the run or ensemble it belongs to. The parts an older file lacks
 * (metrics, intervals, bootstrap, temperature scaling, confounders, subgroups) are absent here too.
 */
export interface EvaluationView
  extends Pick<EvalFile, 'name' | 'classes' | 'confusion' | 'perClass' | 'accuracy' | 'macro' | 'weighted' | 'total' | 'predictions'
    | 'metrics' | 'intervals' | 'bootstrap' | 'temperatureScaling' | 'confounders' | 'subgroups'> {
  /** The folder holding eval/<name>.json: a run's, or an ensemble's (.cxr-lab/ensembles/<id>). */
  runDir: string;
  /** The run's id, or the ensemble's. */
  runId: string;
  /** The run's architecture, or "ensemble of N: arch, arch…". */
  arch: string;
  /** The run whose checkpoint explains an image (Grad-CAM): the run itself, or an ensemble's first member. */
  explainRunDir: string;
  /** An ensemble's members; absent for one run. */
  ensemble?: EnsembleMember[];
}
/** One row per (run or ensemble, evaluation) of the workspace, like the reference study's table of all models. */
export interface SummaryRow {
  runDir: string; runId: string; arch: string; name: string; accuracy: number; macroF1: number; weightedF1: number;
  /** Epochs trained (absent for an ensemble) and the best one. */
  epochs?: number; bestEpoch?: number;
  /** Macro one-vs-rest ROC AUC (null: no class has one); absent in files from before it. */
  auc?: number | null;
  /** 95 % bootstrap intervals; absent in files from before them. */
  intervals?: { accuracy: Interval | null; macroF1: Interval | null; auc: Interval | null };
  /** An ensemble's row: how many members. */
  members?: number;
}

export type EvaluationToWebview =
  | { type: 'init'; evaluation: EvaluationView; summary: SummaryRow[] }
  | { type: 'summary'; summary: SummaryRow[] }
  /** Webview URIs of image files the page asked for (thumbnails), by file path; files not in the evaluation are left out. */
  | { type: 'images'; uris: Record<string, string> };
export type EvaluationFromWebview =
  | { type: 'ready' }
  | { type: 'explainImage'; file: string; runDir: string }
  /** Thumbnails to show (the top-losses gallery): answered by an 'images' message. */
  | { type: 'requestImages'; files: string[] }
  /** "Explain these images with all runs": the CAM grid of these images (the page sends at most GRID_IMAGES_FROM_EVALUATION). */
  | { type: 'explainWithAllRuns'; files: string[] }
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
  /** CAM method id of this map, the methods the engine offers (id, name), and pytorch-grad-cam's smoothing options used. */
  method: string;
  methods: { id: string; label: string }[];
  augSmooth: boolean;
  eigenSmooth: boolean;
}

export type ExplainToWebview =
  | { type: 'busy'; message: string }
  | { type: 'result'; view: ExplainView }
  | { type: 'error'; message: string };
export type ExplainFromWebview =
  | { type: 'ready' }
  | { type: 'selectClass'; classIndex: number }
  | { type: 'selectLayer'; layer: string }
  | { type: 'selectMethod'; method: string; augSmooth: boolean; eigenSmooth: boolean }
  | { type: 'changeCheckpoint' };

// ---------- CAM grid view ----------
/** The grid job's result (src/shared/camGrid.ts) as the page shows it: overlays as webview URIs. cells[row][column]. */
export interface GridView {
  columns: { title: string[]; runDir: string; runId: string; checkpoint: CheckpointName; method: string }[];
  rows: { image: string; name: string; trueLabel: string | null }[];
  cells: { overlayUri: string; caption: string; predicted: string; probability: number; correct: boolean | null }[][];
  /** The PNG the engine composed (what "Export PNG…" copies). */
  png: string;
}
export interface GridProgress { done: number; total: number; message?: string }

export type GridToWebview =
  | { type: 'busy'; message: string; progress?: GridProgress }
  | { type: 'result'; view: GridView }
  | { type: 'error'; message: string }
  | { type: 'exported'; file: string };
export type GridFromWebview =
  | { type: 'ready' }
  | { type: 'exportPng' }
  /** Open the Grad-CAM view of a cell's image with its column's checkpoint. */
  | { type: 'openCell'; row: number; col: number };

// ---------- shortcut audit view ----------
/** One audit/<name>.json of a run, with the gallery's overlays as webview URIs (by image rel). */
export interface AuditView {
  runDir: string;
  runId: string;
  arch: string;
  /** The file's name in audit/ without .json: `test`, `test-scorecam`. */
  name: string;
  audit: AuditFile;
  overlays: Record<string, string>;
}
export type AuditToWebview =
  | { type: 'init'; view: AuditView }
  | { type: 'busy'; message: string }
  | { type: 'error'; message: string };
export type AuditFromWebview =
  | { type: 'ready' }
  /** Open the Grad-CAM view of an image of the audit with the audited run. */
  | { type: 'explainImage'; file: string }
  /** Audit again with lung masks from a folder the user picks (mirroring the class folders). */
  | { type: 'chooseMasks' }
  | { type: 'rerun' };
