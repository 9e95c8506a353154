/**
 * The one protocol between the extension host and its webviews (training panel, evaluation view, Grad-CAM view, CAM grid).
 * Type-only imports and plain data, so it pulls no runtime into either side. Images travel as webview URIs
 * (webview.asWebviewUri of files in the run folders, which are in localResourceRoots).
 */
import type { EpochRecord, RunStatus, TrainConfig } from './engineProtocol';
import type {
  CamRaw, CamScale, CamScaleMode, CheckpointMeta, CheckpointName, EnsembleMember, EvalFile, Interval, Prediction, RunningElsewhere, SplitName,
} from './runFiles';
import type { AuditFile } from './runFiles/audit';
import type { ComparisonResult } from './compare';
import type { PresetName } from './runFiles/augmentation';
import type { SampleClass, SampleImage } from './samples';

// ---------- training panel ----------
export interface TrainingRunView {
  runDir: string;
  id: string;
  arch: string;
  /** 'running on <host>': trained on another host (its run.lock says which); 'queued': a Slurm job that has not started. */
  status: RunStatus | 'interrupted' | 'queued' | RunningElsewhere;
  epochs: number;
  backend: string;
  classes: string[];
  best?: CheckpointMeta;
  /** Why it failed: run.json's error, or the engine's message when it failed before writing run.json. */
  error?: string;
  /** What the run trains with (run.json); absent until the engine has written it. */
  setup?: TrainingSetup;
}
/** The configuration of a run as the training panel shows it: the recipe, the split counts, the backend. */
export interface TrainingSetup {
  config: TrainConfig;
  split: { train: number; val: number; test: number; groupedBy: 'patient' | 'file' };
  backend: { name: string; threads: number; simd: boolean };
  microBatch: number;
  trainableParams: number;
}
export interface TrainingProgress { phase: string; done: number; total: number; epoch?: number; epochs?: number; etaSeconds?: number; message?: string }

export type TrainingToWebview =
  | { type: 'init'; run: TrainingRunView; history: EpochRecord[]; progress?: TrainingProgress }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'progress'; progress: TrainingProgress }
  | { type: 'status'; status: TrainingRunView['status']; best?: CheckpointMeta; error?: string };
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
  /** The checkpoint evaluated (absent in a view saved by an older version of the page). */
  checkpoint?: EvalFile['checkpoint'];
  /** An external folder's evaluation (`data-<folder>`): the folder holding its images. */
  evaluatedFolder?: string;
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
  /** Images evaluated. (This and the fields below are absent in a summary saved by an older version of the page.) */
  total?: number;
  /** The checkpoint evaluated, best or last, and its epoch (an ensemble's: the first member's; `memberEpochs` all). */
  checkpoint?: { which: CheckpointName; epoch: number };
  memberEpochs?: number[];
  /**
   * Rows with one key evaluated the same images and may be ranked against each other: a split of one dataset made with
   * one seed (`split:test:<dataset hash>:<seed>`), or an external folder by name (`folder:<name>`).
   */
  setKey?: string;
  /** The dataset (folder name) and split seed, to tell apart two groups of the same split. */
  dataset?: { name: string; splitSeed?: number };
}

export type EvaluationToWebview =
  | { type: 'init'; evaluation: EvaluationView; summary: SummaryRow[] }
  | { type: 'summary'; summary: SummaryRow[] }
  /** Webview URIs of image files the page asked for (thumbnails), by file path; files not in the evaluation are left out. */
  | { type: 'images'; uris: Record<string, string> };
export type EvaluationFromWebview =
  | { type: 'ready' }
  /** Open the image's Grad-CAM with runDir's checkpoint: the evaluated one (best unless said). */
  | { type: 'explainImage'; file: string; runDir: string; checkpoint?: CheckpointName }
  /** Thumbnails to show (the top-losses gallery): answered by an 'images' message. */
  | { type: 'requestImages'; files: string[] }
  /** "Explain these images with all runs": the CAM grid of these images (the page sends at most GRID_IMAGES_FROM_EVALUATION). */
  | { type: 'explainWithAllRuns'; files: string[] }
  /** "Export Report": the self-contained HTML report of this run (an ensemble's members), written and opened. */
  | { type: 'exportReport' }
  | { type: 'openEvaluation'; runDir: string; name: string };

// ---------- Grad-CAM view ----------
/**
 * The image in the explaining run: its true class (from its class folder; null when it lies in none) and which of the
 * run's splits holds it ('outside': not in the run's dataset; 'unsplit': in it, but not in its split). rel: in the dataset.
 */
export interface ImageFacts { trueClass: string | null; split: SplitName | 'outside' | 'unsplit'; rel?: string }

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
  /** True class and split of the image in the explaining run (the header). */
  facts?: ImageFacts;
  /** The CAM's raw values and the scale of its colours (the page draws the overlay from them); absent: PNGs only. */
  raw?: CamRaw;
  scale?: CamScale;
  /** The scale asked for: the map's own range or one shared by the classes of the image. */
  scaleMode: CamScaleMode;
}

export type ExplainToWebview =
  | { type: 'busy'; message: string }
  | { type: 'result'; view: ExplainView }
  | { type: 'error'; message: string }
  /** A reusable view (the preview) or one the user pinned to its image; never sent to the Grad-CAM editor. */
  | { type: 'pin'; pinned: boolean };
export type ExplainFromWebview =
  | { type: 'ready' }
  | { type: 'selectClass'; classIndex: number }
  | { type: 'selectLayer'; layer: string }
  | { type: 'selectMethod'; method: string; augSmooth: boolean; eigenSmooth: boolean }
  | { type: 'selectScale'; scale: CamScaleMode }
  /** The colormap the page draws with, for the PNGs the next explanation writes (no new computation). */
  | { type: 'setColormap'; colormap: string }
  | { type: 'pin' }
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

// ---------- compare view ----------
/** One run's validation curves for the compare view: index i is epoch i + 1 (null: not recorded). */
export interface CompareCurve { runId: string; label: string; valLoss: (number | null)[]; valAcc: (number | null)[]; bestEpoch?: number }
/** The CAM grid of a few shared test images, as the engine composed it (one PNG), with what it shows. */
export interface CompareGridView {
  pngUri: string;
  width: number;
  height: number;
  rows: { name: string; trueLabel: string | null }[];
  columns: string[];
  wrong: number;
}
/** A report being written or written (Export Report). */
export interface CompareExport { state: 'running' | 'done' | 'failed'; message: string; file?: string; progress?: GridProgress }
export interface CompareView {
  /** "sweep 20261130-…" or "3 runs". */
  title: string;
  comparison: ComparisonResult;
  curves: CompareCurve[];
}
export type CompareToWebview =
  | { type: 'busy'; message: string; progress?: GridProgress }
  | { type: 'result'; view: CompareView }
  /** The Grad-CAM grid: being made (busy), made (grid), or why there is none (note). */
  | { type: 'grid'; grid?: CompareGridView; busy?: string; progress?: GridProgress; note?: string }
  | { type: 'export'; export: CompareExport }
  | { type: 'error'; message: string };
export type CompareFromWebview =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'exportReport' }
  /** Open a row's evaluation view. */
  | { type: 'openRun'; runDir: string };

// ---------- sample grid view (Dataset view: Show Samples) ----------
/** The samples job's result as the page shows it: thumbnails as webview URIs, and the presets it can switch to. */
export interface SamplesView {
  root: string;
  preset: PresetName;
  seed: number;
  perClass: number;
  presets: { name: PresetName; description: string }[];
  classes: (Omit<SampleClass, 'samples'> & { samples: (Omit<SampleImage, 'original' | 'augmented'> & { originalUri: string; augmentedUri: string })[] })[];
}
export type SamplesToWebview =
  | { type: 'busy'; message: string; progress?: GridProgress }
  | { type: 'result'; view: SamplesView }
  | { type: 'error'; message: string };
export type SamplesFromWebview =
  | { type: 'ready' }
  /** Draw again: other images and augmentations (a new seed), with this preset and number per class. */
  | { type: 'regenerate'; preset: PresetName; perClass: number }
  /** Open an image file in the editor. */
  | { type: 'openImage'; file: string };
