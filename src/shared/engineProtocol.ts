/**
 * The one protocol between the extension host (or any parent) and the forked engine process.
 * Plain data only: no runtime imports, so both sides can import it with `import type`.
 */

import type {
  CheckpointMeta, CheckpointName, ClassMetrics, EpochRecord, EvalFile, ExplainItem, RunStatus, SamplerName, SchedulerName, SplitName, TrainConfig,
} from './runFiles';
import type { GridResult } from './camGrid';
import type { AuditFile } from './runFiles/audit';
import type { FaithfulnessFile } from './runFiles/faithfulness';

/** The run files' shapes (src/shared/runFiles: zod schemas, types inferred), as the protocol carries them. */
export type { CheckpointName, EpochRecord, ExplainItem, RunStatus, SamplerName, SchedulerName, SplitName, TrainConfig };
export type ClassMetricsData = ClassMetrics;
export type { GridCellInfo, GridColumnInfo, GridResult, GridRowInfo } from './camGrid';
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface TrainResult { runDir: string; status: RunStatus; epochsDone: number; best?: Pick<CheckpointMeta, 'epoch' | 'valLoss' | 'valAcc'> }

/** The evaluate job's result: where it wrote eval/<name>.json and its PNG, and the file's headline part. */
export interface EvalResult extends Pick<EvalFile, 'name' | 'accuracy' | 'classes' | 'confusion' | 'perClass' | 'confounders' | 'subgroups' | 'intervals' | 'bootstrap' | 'temperatureScaling'> {
  jsonPath: string;
  pngPath: string;
  macroF1: number;
  metrics: NonNullable<EvalFile['metrics']>;
}

/** candidateLayers: layers with a spatial (4-D) output, deepest first — valid --layer values. methods: the CAM methods the engine offers (id, name). */
export interface ExplainResult { items: ExplainItem[]; candidateLayers: string[]; methods: CamMethodInfo[] }
export interface CamMethodInfo { id: string; label: string; usesGradients: boolean }

/** perSplit: the folders' own split, or the default seeded split training would make. */
export interface ScanSummary { root: string; layout: string; classes: string[]; perClass: Record<string, number>; perSplit: Record<SplitName, Record<string, number>>;
  size: { minWidth: number; maxWidth: number; minHeight: number; maxHeight: number; meanWidth: number; meanHeight: number }; channels: Record<string, number>; formats: Record<string, number>; excluded: { file: string; reason: string }[]; issues: { severity: string; kind: string; message: string; file?: string }[] }

/** A converted ImageNet weights folder, usable with --pretrained <outDir>. */
export interface ImportWeightsResult { outDir: string; arch: string; format: 'pth' | 'h5'; normalization: string; sourceFile: string; sha256: string; includeTop: boolean; params: number; seconds: number }

export interface InfoResult { backend: string; threads: number; simd: boolean; versions: Record<string, string>; tried: { name: string; error: string }[]; models: string[] }

// ---- requests (parent -> engine) ----
export interface ScanRequest { type: 'scan'; id: number; root: string; patientPattern?: string }
/** force: take over the run folder's lock when another host holds it (a live process on this host is never overridden). */
export interface TrainRequest { type: 'train'; id: number; dataset: string; config: Partial<TrainConfig>; runDir?: string; resume?: string; force?: boolean }
/**
 * runs: more run directories whose checkpoints join runDir's in a soft-voting ensemble (same classes; runDir's split).
 * calibrate: fit temperature scaling on runDir's validation split and score the calibrated probabilities.
 */
export interface EvaluateRequest { type: 'evaluate'; id: number; runDir: string; runs?: string[]; split?: SplitName; data?: string; checkpoint?: CheckpointName; calibrate?: boolean }
/** method: a CAM method id or alias (src/engine/cam/methods; default 'gradcam'); augSmooth / eigenSmooth: pytorch-grad-cam's aug_smooth / eigen_smooth. */
export interface ExplainRequest { type: 'explain'; id: number; runDir: string; images: string[]; classIndex?: number; layer?: string; outDir?: string; checkpoint?: CheckpointName; method?: string; augSmooth?: boolean; eigenSmooth?: boolean }
/**
 * The CAM grid (src/shared/camGrid.ts): `images` explained by each of `runs` with each of `methods` (columns: runs × methods,
 * run-major), composed into `png` (default `.cxr-lab/grids/grid-<key>.png` beside the first run). className: explain this
 * class (name or index) instead of each prediction; labels: true class by image path (default: the image's class folder).
 */
export interface GridRequest { type: 'grid'; id: number; runs: string[]; images: string[]; methods?: string[]; checkpoint?: CheckpointName; className?: string; layer?: string; augSmooth?: boolean; eigenSmooth?: boolean; labels?: Record<string, string>; outDir?: string; png?: string }
/** file: a .pth/.h5 the user has, or 'imagenet' to download the official file into the cache first. */
export interface ImportWeightsRequest { type: 'import-weights'; id: number; file: string; arch: string; outDir: string; includeTop?: boolean; widthMultiplier?: number }
export interface InfoRequest { type: 'info'; id: number; backend?: BackendChoice }
/**
 * The shortcut audit (src/engine/jobs/audit.ts): where each image's CAM mass lies (lungs, border band, markers) on a split.
 * masks: a folder mirroring the class folders with lung masks (default: <Class>/masks/ beside <Class>/images/, if any);
 * limit: audit this many images, spread over the classes; method: CAM method id (default 'gradcam').
 */
export interface AuditRequest { type: 'audit'; id: number; runDir: string; split?: SplitName; masks?: string; method?: string; layer?: string; limit?: number; checkpoint?: CheckpointName }
/** The audit file as written, and where. */
export type AuditResult = AuditFile & { jsonPath: string };
/**
 * How faithful each CAM method is on a run's split (src/engine/jobs/explainEval.ts): a seeded sample of `limit` images
 * (default 30, stratified by class), each method's map of the predicted class, scored by ROAD and Average Drop /
 * Increase in Confidence. methods: CAM method ids (default all); noise: the ROAD imputer's (default 0.01); target: ROAD's
 * score, 'probability' (default) or 'logit'; seed: of the sample and the noise (default the run's).
 */
export interface ExplainEvalRequest { type: 'explain-eval'; id: number; runDir: string; split?: SplitName; methods?: string[]; limit?: number; seed?: number; checkpoint?: CheckpointName; layer?: string; noise?: number; target?: 'probability' | 'logit' }
/** The faithfulness file as written, where, and the run's classes. */
export type ExplainEvalResult = FaithfulnessFile & { jsonPath: string; classes: string[] };
export interface CancelRequest { type: 'cancel'; id: number; target: number }
export type EngineRequest = ScanRequest | TrainRequest | EvaluateRequest | ExplainRequest | GridRequest | ImportWeightsRequest | InfoRequest | AuditRequest | ExplainEvalRequest | CancelRequest;

export interface ResultByRequest { scan: ScanSummary; train: TrainResult; evaluate: EvalResult; explain: ExplainResult; grid: GridResult; 'import-weights': ImportWeightsResult; info: InfoResult; audit: AuditResult; 'explain-eval': ExplainEvalResult; cancel: { cancelled: boolean } }

// ---- events (engine -> parent) ----
/** Progress of a phase: done/total units (batches, images, files), with an ETA when one can be estimated. */
export interface ProgressEvent { type: 'progress'; id: number; phase: string; done: number; total: number; etaSeconds?: number; message?: string; epoch?: number; epochs?: number }
export interface EpochEndEvent { type: 'epoch-end'; id: number; runDir: string; record: EpochRecord }
export interface LogEvent { type: 'log'; id?: number; level: 'info' | 'warn' | 'error'; message: string }
/**
 * What failed, so the parent can react without parsing the message: the dataset, an option, a weights file,
 * a run directory, the file system (io), a cancelled job, or anything else (internal). See src/engine/errors.ts.
 */
export type ErrorKind = 'dataset' | 'config' | 'weights' | 'run' | 'cancelled' | 'io' | 'internal';
export interface ErrorEvent { type: 'error'; id: number; kind: ErrorKind; message: string; stack?: string }
export interface ResultEvent<K extends keyof ResultByRequest = keyof ResultByRequest> { type: 'result'; id: number; request: K; result: ResultByRequest[K] }
export interface ReadyEvent { type: 'ready'; backend: string }
export type EngineEvent = ProgressEvent | EpochEndEvent | LogEvent | ErrorEvent | ResultEvent | ReadyEvent;

/** Events a job reports while it runs; the host adds the request id. */
export type JobEvent =
  | Omit<ProgressEvent, 'id'>
  | Omit<EpochEndEvent, 'id'>
  | Omit<LogEvent, 'id'>;
export type JobEventSink = (event: JobEvent) => void;
