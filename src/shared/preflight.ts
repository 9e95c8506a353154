/**
 * The preflight of a training (the engine's `preflight` job, before any run folder is created): what it found — the
 * data and its split, the backend, whether the pretrained weights are here or can be fetched, a few timed training
 * steps — and, pure, what that means for the user: one headline, the details, and the ways out (install the native
 * backend, other weights, a smaller image size). The CLI prints the report, the extension shows it with buttons.
 */
import { formatDuration } from './format';

export type PreflightWeights =
  | { source: 'none' }
  /** torchvision's file for the architecture is in the download cache. */
  | { source: 'imagenet'; state: 'cached'; file: string }
  /** Not cached, and the download answered (a HEAD request within the time limit). */
  | { source: 'imagenet'; state: 'download'; url: string; bytes?: number }
  /**
   * Not cached, and the download did not answer — problem: how ("did not answer within 4 s", "cannot be reached
   * (ECONNREFUSED)") — or there is no ImageNet file for the architecture (unavailable; problem: why).
   */
  | { source: 'imagenet'; state: 'unreachable' | 'unavailable'; problem: string; cacheDir: string; url?: string; fileName?: string }
  /** A file or folder that loaded into the architecture. */
  | { source: 'path'; state: 'ok'; path: string }
  | { source: 'path'; state: 'missing' | 'invalid'; path: string; problem: string };

/** Seconds per image of a training pass (forward, backward, Adam) and of a validation pass, on random inputs. */
export interface PreflightTiming { steps: number; microBatch: number; trainSecondsPerImage: number; inferSecondsPerImage: number }

export interface PreflightResult {
  arch: string;
  imageSize: number;
  batchSize: number;
  epochs: number;
  /** warnings: the split's (a class too small for the asked validation and test counts …). */
  dataset: { root: string; classes: string[]; split: { train: number; val: number; test: number }; groupedBy: 'patient' | 'file'; warnings: string[] };
  /** native: TensorFlow's C library (tfjs-node); nativeProblem: why it is not in use (from the backend's start-up). */
  backend: { name: string; threads: number; simd: boolean; native: boolean; nativeProblem?: string };
  weights: PreflightWeights;
  timing: PreflightTiming;
  /** How long the preflight itself took. */
  seconds: number;
}

export type PreflightFix =
  | { kind: 'install-native' }
  /** Pick weights that are here (the download cache, a file or folder). */
  | { kind: 'choose-weights' }
  | { kind: 'no-weights' }
  | { kind: 'image-size'; imageSize: number; etaSeconds: number };

export interface PreflightReport {
  /** error: training would fail (the weights); warning: it would take longer than `longSeconds`. */
  level: 'ok' | 'warning' | 'error';
  headline: string;
  lines: string[];
  etaSeconds: number;
  fixes: PreflightFix[];
}

/** Above this a training gets a warning and the ways to make it shorter. */
export const LONG_TRAINING_SECONDS = 15 * 60;
/** Image sizes a shorter training may use (the Train Model pick's). */
export const PREFLIGHT_IMAGE_SIZES = [64, 96, 128, 160, 224, 256, 299];

/** Seconds for `epochs` epochs: every training image once (the sampler draws train-size images), then validation. */
export function estimateTrainingSeconds(t: Pick<PreflightTiming, 'trainSecondsPerImage' | 'inferSecondsPerImage'>,
  n: { train: number; val: number; epochs: number }): number {
  return n.epochs * (n.train * t.trainSecondsPerImage + n.val * t.inferSecondsPerImage);
}

/** The time at another image size, scaled by the pixel count (as the micro-batch planner scales memory): a rough guide. */
export function scaleToImageSize(seconds: number, from: number, to: number): number {
  return seconds * (to / from) ** 2;
}

function weightsLine(w: PreflightWeights, arch: string): string {
  switch (w.source) {
    case 'none': return 'Weights: none — training from scratch.';
    case 'path': return w.state === 'ok' ? `Weights: ${w.path}.` : `Weights: ${w.path} — ${w.state === 'missing' ? 'not found' : 'cannot be loaded'}.`;
    case 'imagenet':
      switch (w.state) {
        case 'cached': return `Weights: ImageNet (${arch}), in the download cache: ${w.file}.`;
        case 'download': return `Weights: ImageNet (${arch}), downloaded once${w.bytes ? ` (${(w.bytes / 1e6).toFixed(0)} MB)` : ''} from ${w.url}.`;
        case 'unavailable': return `Weights: ImageNet (${arch}) — none to download.`;
        case 'unreachable': return `Weights: ImageNet (${arch}) — not in the download cache ${w.cacheDir}; to use them offline, put ${w.fileName ?? 'the file'} there (or set CXR_LAB_WEIGHTS_MIRROR to a mirror).`;
      }
  }
}

/** What goes wrong with the weights, or undefined when training can start with them. */
export function weightsProblem(w: PreflightWeights, arch: string): string | undefined {
  if (w.source === 'imagenet' && (w.state === 'unreachable' || w.state === 'unavailable')) {
    return w.state === 'unavailable'
      ? `There are no ImageNet weights for ${arch} to download: ${w.problem}`
      : `The ImageNet weights for ${arch} are not in the download cache and cannot be downloaded: ${w.url ?? 'the download'} ${w.problem}.`;
  }
  if (w.source === 'path' && w.state !== 'ok') return `The pretrained weights ${w.path} cannot be used: ${w.problem}`;
  return undefined;
}

function backendLine(b: PreflightResult['backend']): string {
  const what = `Backend: ${b.name} (${b.threads} thread${b.threads === 1 ? '' : 's'}${b.simd ? ', SIMD' : ''})`;
  if (b.native) return `${what}.`;
  const why = b.nativeProblem?.trim().replace(/\.$/, '');
  return `${what}. The native backend (TensorFlow) would train several times faster; it is not in use${why ? `: ${why}` : ''}.`;
}

/** A smaller image size that brings the training under `longSeconds`, else the smallest offered one below the current. */
function smallerSize(r: PreflightResult, eta: number, longSeconds: number, sizes: readonly number[]): { imageSize: number; etaSeconds: number } | undefined {
  const smaller = sizes.filter((s) => s < r.imageSize).sort((a, b) => b - a);
  if (smaller.length === 0) return undefined;
  const at = (s: number) => ({ imageSize: s, etaSeconds: scaleToImageSize(eta, r.imageSize, s) });
  return at(smaller.find((s) => scaleToImageSize(eta, r.imageSize, s) <= longSeconds) ?? smaller[smaller.length - 1]);
}

export function preflightReport(r: PreflightResult, o: { longSeconds?: number; sizes?: readonly number[] } = {}): PreflightReport {
  const longSeconds = o.longSeconds ?? LONG_TRAINING_SECONDS;
  const { split } = r.dataset;
  const eta = estimateTrainingSeconds(r.timing, { train: split.train, val: split.val, epochs: r.epochs });
  const ms = (s: number) => `${s < 0.01 ? (1000 * s).toFixed(1) : (1000 * s).toFixed(0)} ms`;
  const what = `${r.arch} at ${r.imageSize} px for ${r.epochs} epoch${r.epochs === 1 ? '' : 's'}`;
  const t = r.timing;
  const lines = [
    `Data: ${split.train} / ${split.val} / ${split.test} train / val / test images, ${r.dataset.classes.length} classes, split by ${r.dataset.groupedBy}.`,
    ...r.dataset.warnings.map((w) => `Split: ${w}`),
    weightsLine(r.weights, r.arch),
    backendLine(r.backend),
    `Time: about ${formatEstimate(eta)} for ${r.epochs} epoch${r.epochs === 1 ? '' : 's'} (${formatEstimate(eta / Math.max(1, r.epochs))} each: ${ms(t.trainSecondsPerImage)} per training image, ` +
      `${ms(t.inferSecondsPerImage)} per validation image, timed on ${t.steps} step${t.steps === 1 ? '' : 's'} of ${t.microBatch} image${t.microBatch === 1 ? '' : 's'}).`,
  ];
  const long = eta > longSeconds;
  const faster: PreflightFix[] = [];
  if (long && !r.backend.native) faster.push({ kind: 'install-native' });
  const size = long ? smallerSize(r, eta, longSeconds, o.sizes ?? PREFLIGHT_IMAGE_SIZES) : undefined;
  if (size) faster.push({ kind: 'image-size', ...size });
  const duration = `about ${formatEstimate(eta)} on ${r.backend.name}`;
  const problem = weightsProblem(r.weights, r.arch);
  if (problem) {
    return { level: 'error', headline: `${problem}${long ? ` Training ${what} would also take ${duration}.` : ''}`, lines, etaSeconds: eta,
      fixes: [{ kind: 'choose-weights' }, { kind: 'no-weights' }, ...faster] };
  }
  if (long) return { level: 'warning', headline: `Training ${what} will take ${duration}.`, lines, etaSeconds: eta, fixes: faster };
  // The duration first: a notification shows its beginning.
  return { level: 'ok', headline: `About ${formatEstimate(eta)} on ${r.backend.name}: training ${what}.`, lines, etaSeconds: eta, fixes: [] };
}

/** An estimate's duration, no more precise than it is: "40 s", "about 12 min", "2 h 57 min". */
export function formatEstimate(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return formatDuration(seconds);
  if (seconds < 90) return `${Math.max(5, Math.round(seconds / 5) * 5)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return formatDuration(Math.round(seconds / 60) * 60);
}

/** The report as text lines (the CLI's output, the training log). */
export function formatPreflight(report: PreflightReport): string {
  const fix = (f: PreflightFix): string => {
    switch (f.kind) {
      case 'install-native': return 'install the native backend (npm run install:native)';
      case 'choose-weights': return 'use weights that are here (--pretrained <file.pth|file.h5|folder>)';
      case 'no-weights': return 'train from scratch (no --pretrained)';
      case 'image-size': return `--image-size ${f.imageSize} (about ${formatEstimate(f.etaSeconds)})`;
    }
  };
  const mark = report.level === 'error' ? 'error: ' : report.level === 'warning' ? 'warning: ' : '';
  return [
    `preflight: ${mark}${report.headline}`,
    ...report.lines.map((l) => `  ${l}`),
    ...(report.fixes.length ? [`  ways out: ${report.fixes.map(fix).join('; ')}`] : []),
  ].join('\n');
}
