/**
 * The one protocol between the extension host (or any parent) and the forked engine process.
 * Plain data only: no runtime imports, so both sides can import it with `import type`.
 */

import type {
  CamScaleMode, CheckpointMeta, CheckpointName, ClassMetrics, EpochRecord, EvalFile, ExplainItem, RunStatus, SamplerName, SchedulerName, SplitName, TrainConfig,
} from './runFiles';
import type { GridResult } from './camGrid';
import type { AuditFile } from './runFiles/audit';
import type { FaithfulnessFile } from './runFiles/faithfulness';
import type { PreflightResult } from './preflight';
import type { LrFindFile, PresetName, TuneCriterion, TuneFile } from './runFiles';
import type { SamplesResult } from './samples';
import type { SbatchOptions } from './slurm/settings';
import type { ComparisonResult, PairingMode, ReportResult } from './compare';

/** The run files' shapes (src/shared/runFiles: zod schemas, types inferred), as the protocol carries them. */
export type { CheckpointName, EpochRecord, ExplainItem, RunStatus, SamplerName, SchedulerName, SplitName, TrainConfig };
export type ClassMetricsData = ClassMetrics;
export type { GridCellInfo, GridColumnInfo, GridResult, GridRowInfo } from './camGrid';
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export type { PreflightResult } from './preflight';

export interface TrainResult { runDir: string; status: RunStatus; epochsDone: number; best?: Pick<CheckpointMeta, 'epoch' | 'valLoss' | 'valAcc'> }

/** The evaluate job's result: where it wrote eval/<name>.json and its PNG, and the file's headline part. */
export interface EvalResult extends Pick<EvalFile, 'name' | 'accuracy' | 'classes' | 'confusion' | 'perClass' | 'confounders' | 'subgroups' | 'intervals' | 'bootstrap' | 'temperatureScaling' | 'tta'> {
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
  size: { minWidth: number; maxWidth: number; minHeight: number; maxHeight: number; meanWidth: number; meanHeight: number }; channels: Record<string, number>; formats: Record<string, number>; excluded: { file: string; reason: string }[]; issues: { severity: string; kind: string; message: string; file?: string }[];
  /** Where the patient ids came from and how many there are; metadata.csv's file when it was read (column: which gave the patients, columns: its other columns). */
  patients?: ScanPatients }
export interface ScanPatients { source: 'metadata.csv' | 'pattern' | 'none'; count: number; metadata?: { file: string; column?: string; columns: string[]; matched: number } }

/** A converted ImageNet weights folder, usable with --pretrained <outDir>. */
export interface ImportWeightsResult { outDir: string; arch: string; format: 'pth' | 'h5'; normalization: string; sourceFile: string; sha256: string; includeTop: boolean; params: number; seconds: number }

/**
 * gpu: what the engine found of NVIDIA GPUs on the native backend (src/engine/native/gpuProbe.ts); native: the folder
 * its TensorFlow libraries came from when not from node_modules ("Install Native Backend").
 */
export interface InfoResult { backend: string; threads: number; simd: boolean; versions: Record<string, string>; tried: { name: string; error: string }[]; models: string[]; gpu?: GpuReport; native?: string }
/** NVIDIA GPUs seen by nvidia-smi, CUDA libraries that do not resolve, and one sentence saying what TensorFlow will use. */
export interface GpuReport { usable: boolean; devices: { name: string; driver: string; memoryMiB: number }[]; missingLibs: string[]; summary: string }

/** Where "Install Native Backend" takes TensorFlow's libraries from: PyPI's pinned wheel, files the user has, or tfjs-node's tarball. */
export type NativeSource = { kind: 'pypi' } | { kind: 'files'; paths: string[] } | { kind: 'tfjs' };
export interface NativeInstallResult { dir: string; variant: 'cpu' | 'gpu'; tensorflow: string; source: string; bytes: number; seconds: number; libDirs: string[] }

// ---- requests (parent -> engine) ----
export interface ScanRequest { type: 'scan'; id: number; root: string; patientPattern?: string }
/** force: take over the run folder's lock when another host holds it (a live process on this host is never overridden). */
export interface TrainRequest { type: 'train'; id: number; dataset: string; config: Partial<TrainConfig>; runDir?: string; resume?: string; force?: boolean }
/**
 * runs: more run directories whose checkpoints join runDir's in a soft-voting ensemble (same classes; runDir's split).
 * calibrate: fit temperature scaling on runDir's validation split and score the calibrated probabilities.
 */
/** tta: average the probabilities over the test-time-augmentation views of each run's preset (flip; the recommended preset's mild rotations and zooms). */
export interface EvaluateRequest { type: 'evaluate'; id: number; runDir: string; runs?: string[]; split?: SplitName; data?: string; checkpoint?: CheckpointName; calibrate?: boolean; tta?: boolean }
/** method: a CAM method id or alias (src/engine/cam/methods; default 'gradcam'); augSmooth / eigenSmooth: pytorch-grad-cam's aug_smooth / eigen_smooth. */
/** scale: 'shared' puts the map on one scale with every class's map of the image (computes them all); colormap: of the PNGs (jet). */
export interface ExplainRequest { type: 'explain'; id: number; runDir: string; images: string[]; classIndex?: number; layer?: string; outDir?: string; checkpoint?: CheckpointName; method?: string; augSmooth?: boolean; eigenSmooth?: boolean; scale?: CamScaleMode; colormap?: string }
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
 * Fetches TensorFlow's C libraries into `dir` (the extension's global storage; src/shared/node/nativeLibs.ts has the
 * layout) for the tfjs-node addon the .vsix carries; variant gpu: the CUDA build and its NVIDIA runtime wheels.
 */
export interface NativeInstallRequest { type: 'native-install'; id: number; dir: string; variant: 'cpu' | 'gpu'; source: NativeSource }
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
/**
 * What a training with `config` on `dataset` would do, before any run folder is created: the split, the backend, whether the
 * pretrained weights are here or reachable (a download is only asked for its headers, within timeoutMs, default 4 s),
 * and seconds per image from `steps` timed training steps (default 3, after one warm-up) at the chosen size.
 */
export interface PreflightRequest { type: 'preflight'; id: number; dataset: string; config: Partial<TrainConfig>; steps?: number; timeoutMs?: number }
/** reason: kept as a cancelled run's note ("cancelled by SIGTERM"), as a signal's is. */
/**
 * Runs (or a sweep folder) side by side on their test split with paired tests (src/engine/jobs/compare.ts); runs without a
 * current test evaluation are evaluated first unless evaluate is false. pairing: every pair, or each against the best.
 */
export interface CompareRequest { type: 'compare'; id: number; runs: string[]; pairing?: PairingMode; evaluate?: boolean; resamples?: number }
/**
 * The comparison as one self-contained HTML file (or Markdown with PNGs beside it): dataset, recipe, curves, tables, paired
 * tests, confusion matrices, ROC curves, a Grad-CAM grid of camImages test images (default 4), audit verdicts, environment,
 * model card and CLAIM checklist (src/engine/jobs/report.ts). out: default `.cxr-lab/reports/<name>.html` beside the first run.
 */
export interface ReportRequest { type: 'report'; id: number; runs: string[]; out?: string; format?: 'html' | 'markdown'; camImages?: number; pairing?: PairingMode; evaluate?: boolean }
export type { ComparisonResult, ReportResult } from './compare';
/**
 * fastai's learning-rate range test on the training split of `dataset` with `config` (src/engine/jobs/lrFind.ts): rates from
 * startLr (1e-7) to endLr (10) over at most numIt (100) batches; writes lr-find.json and lr-find.png into outDir
 * (default `.cxr-lab/lr-find/<time>-<arch>`).
 */
export interface LrFindRequest { type: 'lr-find'; id: number; dataset: string; config: Partial<TrainConfig>; outDir?: string; startLr?: number; endLr?: number; numIt?: number }
export type LrFindResult = LrFindFile & { jsonPath: string; pngPath: string };
/**
 * The sample grid of a dataset (src/engine/jobs/samples.ts): perClass random images per class (default 6; seeded), the same
 * images augmented by `preset` (default 'recommended'), intensity histograms and image sizes. png: write the grid there;
 * thumbnailsDir: write each thumbnail there (the samples view shows them).
 */
export interface SamplesRequest { type: 'samples'; id: number; root: string; preset?: PresetName; perClass?: number; seed?: number; thumbnail?: number; histogramImages?: number; png?: string; thumbnailsDir?: string }
export type { SamplesResult } from './samples';
/**
 * Model selection on the validation split (src/engine/jobs/tune.ts): one run per preset × learning rate with `config`, all on
 * one split; the best by `criterion` on validation is evaluated on the test split, once. outDir: default `.cxr-lab/tune/<time>-<arch>`.
 */
export interface TuneRequest { type: 'tune'; id: number; dataset: string; config: Partial<TrainConfig>; presets: PresetName[]; lrs: number[]; criterion?: TuneCriterion; tta?: boolean; seeds?: number[]; outDir?: string }
export type TuneResult = TuneFile & { tuneDir: string; jsonPath: string };
/**
 * The Slurm executor (src/engine/slurm/): `submit` a training — one run, or a queue of archs × seeds, each an sbatch job
 * (`out`: the run or queue folder) — with the workspace's `.cxr-lab/slurm.json` and `sbatch` over it; `resubmit` a run
 * or queue (`runDir`); `cancel` a run's job (scancel).
 */
export interface SlurmRequest {
  type: 'slurm'; id: number; action: 'submit' | 'resubmit' | 'cancel'; workspace: string;
  dataset?: string; config?: Partial<TrainConfig>; archs?: string[]; seeds?: number[]; out?: string; runDir?: string; sbatch?: SbatchOptions; backend?: string;
}
/** The jobs submitted (or cancelled): each run folder, its Slurm job id and log; sweepDir: the queue's folder. */
export interface SlurmResult { sweepDir?: string; runs: { runDir: string; jobId: string; log: string }[] }
export interface CancelRequest { type: 'cancel'; id: number; target: number; reason?: string }
export type EngineRequest = PreflightRequest | ScanRequest | TrainRequest | EvaluateRequest | ExplainRequest | GridRequest | ImportWeightsRequest | InfoRequest | AuditRequest | ExplainEvalRequest | NativeInstallRequest | CompareRequest | ReportRequest | LrFindRequest | SamplesRequest | TuneRequest | SlurmRequest | CancelRequest;

export interface ResultByRequest { preflight: PreflightResult; scan: ScanSummary; train: TrainResult; evaluate: EvalResult; explain: ExplainResult; grid: GridResult; 'import-weights': ImportWeightsResult; info: InfoResult; audit: AuditResult; 'explain-eval': ExplainEvalResult; 'native-install': NativeInstallResult; compare: ComparisonResult; report: ReportResult; 'lr-find': LrFindResult; samples: SamplesResult; tune: TuneResult; slurm: SlurmResult; cancel: { cancelled: boolean } }

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
