/**
 * The training panel's view state: init/epoch/progress/status messages folded into one value (also what
 * vscode.setState keeps), and the view models the DOM code renders. Pure: tested under node.
 */
import type { EpochRecord } from '../../shared/engineProtocol';
import type { TrainingProgress, TrainingRunView, TrainingToWebview } from '../../shared/webviewProtocol';
import { basename, finite, formatDuration, formatLoss, formatLr, formatPercent } from '../../shared/format';
import { fittedRange } from '../common/scales';

export interface TrainingState {
  run?: TrainingRunView;
  history: EpochRecord[];
  progress?: TrainingProgress;
  /** The user pressed Cancel and the run has not stopped yet. */
  cancelRequested: boolean;
  /** The accuracy axis: fitted to the curves (default), or the full 0–100 %. */
  accAxis?: AccAxisMode;
}

export type AccAxisMode = 'fit' | 'full';
export const initialTrainingState: TrainingState = { history: [], cancelRequested: false, accAxis: 'fit' };

/** History with `record` replacing any row of the same epoch, ordered by epoch. */
export function upsertEpoch(history: readonly EpochRecord[], record: EpochRecord): EpochRecord[] {
  return [...history.filter((r) => r.epoch !== record.epoch), record].sort((a, b) => a.epoch - b.epoch);
}

export function reduceTraining(state: TrainingState, message: TrainingToWebview): TrainingState {
  switch (message.type) {
    case 'init':
      return {
        run: message.run,
        history: [...message.history].sort((a, b) => a.epoch - b.epoch),
        progress: message.run.status === 'running' ? message.progress : undefined,
        cancelRequested: false,
        accAxis: state.accAxis ?? 'fit',
      };
    case 'epoch':
      return { ...state, history: upsertEpoch(state.history, message.record) };
    case 'progress':
      return { ...state, progress: message.progress };
    case 'status': {
      if (!state.run) return state;
      const running = message.status === 'running';
      const { error: _previous, ...run } = state.run;
      const error = message.status === 'failed' ? message.error ?? state.run.error : undefined;
      return {
        ...state,
        run: { ...run, status: message.status, best: message.best ?? state.run.best, ...(error ? { error } : {}) },
        progress: running ? state.progress : undefined,
        cancelRequested: running ? state.cancelRequested : false,
      };
    }
    default:
      return state;
  }
}

/** The epoch of the best checkpoint: the latest epoch flagged best, or the run's saved best, whichever is later. */
export function bestEpoch(state: TrainingState): number | undefined {
  let best = state.run?.best?.epoch;
  for (const r of state.history) if (r.best && (best === undefined || r.epoch > best)) best = r.epoch;
  return best;
}

export function isRunning(state: TrainingState): boolean {
  return state.run?.status === 'running';
}

/** Evaluate makes sense once training stopped and a checkpoint exists. */
export function canEvaluate(state: TrainingState): boolean {
  return !!state.run && state.run.status !== 'running' && (bestEpoch(state) !== undefined || state.history.length > 0);
}

export function statusLabel(status: TrainingRunView['status'] | undefined): string {
  switch (status) {
    case 'running': return 'Running';
    case 'completed': return 'Completed';
    case 'cancelled': return 'Cancelled';
    case 'failed': return 'Failed';
    case 'interrupted': return 'Interrupted';
    case 'queued': return 'Queued (Slurm)';
    case undefined: return 'Waiting';
    default: return status.startsWith('running on ') ? `Running on ${status.slice('running on '.length)}` : 'Waiting';
  }
}

/**
 * The line under the run id. A run that was just started has no run.json yet (the engine scans the dataset
 * first), so its classes are unknown: say so rather than "0 classes".
 */
export function runMeta(state: TrainingState): string {
  const run = state.run;
  if (!run) return 'Waiting for the run…';
  const parts = [run.arch];
  if (run.backend) parts.push(`backend ${run.backend}`); // the placeholder's is empty until the engine picked one
  if (run.classes.length > 0) parts.push(`${run.classes.length} ${run.classes.length === 1 ? 'class' : 'classes'}: ${run.classes.join(', ')}`);
  else if (run.status === 'running') parts.push('scanning dataset…');
  return parts.join(' · ');
}

export function phaseLabel(phase: string): string {
  switch (phase) {
    case 'train': return 'Training';
    case 'validate': return 'Validating';
    case 'scan': return 'Scanning dataset';
    default: return phase ? phase[0].toUpperCase() + phase.slice(1) : 'Working';
  }
}

/** Fraction of the current epoch done: training takes most of an epoch, validation the rest. */
export function epochPartDone(progress: TrainingProgress): number {
  const f = progress.total > 0 ? Math.min(1, Math.max(0, progress.done / progress.total)) : 0;
  if (progress.phase === 'train') return 0.9 * f;
  if (progress.phase === 'validate') return 0.9 + 0.1 * f;
  return 0;
}

export interface ProgressModel {
  epochLabel: string;
  epochFraction: number;
  /** null: nothing to show (not running). */
  batch: { label: string; fraction: number | null } | null;
  eta: string;
  message?: string;
}

export function lastEpoch(history: readonly EpochRecord[]): number {
  return history.reduce((m, r) => Math.max(m, r.epoch), 0);
}

export function totalSeconds(history: readonly EpochRecord[]): number {
  return history.reduce((s, r) => s + (finite(r.seconds) ?? 0), 0);
}

export function progressModel(state: TrainingState): ProgressModel {
  const p = state.progress;
  const planned = Math.max(1, p?.epochs ?? state.run?.epochs ?? 1);
  const done = lastEpoch(state.history);
  if (isRunning(state) && p) {
    const unit = p.phase === 'train' ? 'batch' : p.phase === 'validate' ? 'image' : 'item';
    const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : null;
    const epoch = p.epoch;
    return {
      epochLabel: epoch !== undefined ? `Epoch ${epoch} / ${planned}` : `${done} / ${planned} epochs`,
      epochFraction: epoch !== undefined ? Math.min(1, (epoch - 1 + epochPartDone(p)) / planned) : done / planned,
      batch: { label: `${phaseLabel(p.phase)} — ${unit} ${p.done} / ${p.total}`, fraction },
      eta: finite(p.etaSeconds) !== null ? `ETA ${formatDuration(p.etaSeconds)}` : 'ETA —',
      message: p.message,
    };
  }
  if (isRunning(state)) {
    return { epochLabel: `${done} / ${planned} epochs`, epochFraction: done / planned, batch: { label: 'Starting…', fraction: null }, eta: 'ETA —' };
  }
  const elapsed = totalSeconds(state.history);
  return {
    epochLabel: `${done} / ${planned} epochs`,
    epochFraction: Math.min(1, done / planned),
    batch: null,
    eta: state.run ? `${statusLabel(state.run.status)}${elapsed > 0 ? ` after ${formatDuration(elapsed)}` : ''}` : '',
  };
}

/** Data for the curves: x = epochs, with null where a value is missing (NaN becomes null through JSON). */
export interface CurveData {
  epochs: number[];
  trainLoss: (number | null)[];
  valLoss: (number | null)[];
  trainAcc: (number | null)[];
  valAcc: (number | null)[];
  lr: (number | null)[];
  xRange: [number, number];
}

export function curveData(state: TrainingState): CurveData {
  const h = state.history;
  return {
    epochs: h.map((r) => r.epoch),
    trainLoss: h.map((r) => finite(r.trainLoss)),
    valLoss: h.map((r) => finite(r.valLoss)),
    trainAcc: h.map((r) => finite(r.trainAcc)),
    valAcc: h.map((r) => finite(r.valAcc)),
    lr: h.map((r) => finite(r.lr)),
    xRange: epochAxisRange(state.run?.epochs ?? 0, lastEpoch(h)),
  };
}

/** The x axis spans the planned epochs, so live curves grow from left to right. */
export function epochAxisRange(planned: number, last: number): [number, number] {
  const n = Math.max(planned, last, 1);
  return n < 2 ? [0.5, 1.5] : [1, n];
}

/** Loss axis fitted to the losses with a little room (losses are ≥ 0), so small changes stay visible. */
export function lossAxisRange(min: number | null, max: number | null): [number, number] {
  const lo = finite(min);
  const hi = finite(max);
  if (lo === null || hi === null) return [0, 1];
  return fittedRange(Math.min(lo, hi), Math.max(lo, hi), { pad: 0.05, floor: 0 });
}

/**
 * Why the run failed, said where the best checkpoint would be: "Failed before its first epoch: …" (no checkpoint), or
 * "Failed after epoch N: …". Undefined when the run did not fail.
 */
export function failureSummary(state: TrainingState): string | undefined {
  const run = state.run;
  if (run?.status !== 'failed') return undefined;
  const done = lastEpoch(state.history);
  const when = done === 0 ? 'before its first epoch' : `after epoch ${done}`;
  return `Training failed ${when}: ${run.error ?? 'the reason is in the CXR Lab output channel ("CXR Lab: Show Log").'}`;
}

export function bestSummary(state: TrainingState): string {
  const epoch = bestEpoch(state);
  if (epoch === undefined) return state.run?.status === 'running' ? 'No checkpoint yet' : 'No checkpoint';
  const record = state.history.find((r) => r.epoch === epoch);
  const valLoss = record?.valLoss ?? (state.run?.best?.epoch === epoch ? state.run.best.valLoss : undefined);
  const valAcc = record?.valAcc ?? (state.run?.best?.epoch === epoch ? state.run.best.valAcc : undefined);
  return `Best checkpoint: epoch ${epoch} — val loss ${formatLoss(valLoss)}, val acc ${formatPercent(valAcc)}`;
}

/** Log-scale learning-rate axis: a factor of 2 of headroom each side, so points never sit on the frame. */
export function lrAxisRange(min: number | null, max: number | null): [number, number] {
  const lo = finite(min);
  const hi = finite(max);
  if (lo === null || hi === null || lo <= 0 || hi <= 0) return [1e-5, 1e-1];
  return [lo / 2, hi * 2];
}

/**
 * The accuracy axis: fitted to the curves with a little room (85–95 % is not a flat line at the top of 0–100 %), kept
 * within 0–100 %; or the full 0–100 % when the user asks for it.
 */
export function accAxisRange(min: number | null, max: number | null, mode: AccAxisMode = 'fit'): [number, number] {
  const lo = finite(min);
  const hi = finite(max);
  if (mode === 'full' || lo === null || hi === null) return [0, 1];
  const [a, b] = fittedRange(Math.max(0, Math.min(lo, hi)), Math.min(1, Math.max(lo, hi)), { pad: 0.1, floor: 0 });
  return [a, Math.min(1, b)];
}

export interface SetupRow { label: string; value: string; title?: string }

const SCHEDULE_TEXT: Record<string, (c: { stepSize: number; gamma: number; epochs: number }) => string> = {
  step: (c) => `step: ×${c.gamma} every ${c.stepSize} epoch${c.stepSize === 1 ? '' : 's'}`,
  cosine: (c) => `cosine to 0 over ${c.epochs} epochs`,
  plateau: (c) => `plateau: ×${c.gamma} after ${c.stepSize} epoch${c.stepSize === 1 ? '' : 's'} without a lower val loss`,
  none: () => 'constant',
  onecycle: () => 'one-cycle: warm-up to the rate, then cosine decay',
};

/** "1.23 M", "412 k". */
function count(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${Math.round(n / 1e3)} k` : String(n);
}

/** What the run trains with, row by row (the panel's Configuration card); empty until run.json is read. */
export function setupRows(run: TrainingRunView | undefined): SetupRow[] {
  const s = run?.setup;
  if (!s) return [];
  const c = s.config;
  const weights = !c.pretrained ? 'none (from scratch)'
    : c.pretrained === 'imagenet' ? 'ImageNet (torchvision, download cache)' : basename(c.pretrained.replace(/[\\/]+$/, ''));
  const b = s.backend;
  return [
    { label: 'Architecture', value: `${c.arch}${c.widthMultiplier ? ` ×${c.widthMultiplier}` : ''} · ${count(s.trainableParams)} trainable parameters` },
    { label: 'Pretrained weights', value: `${weights}${c.freezeBackbone ? ' · backbone frozen' : ''}`, ...(c.pretrained && c.pretrained !== 'imagenet' ? { title: c.pretrained } : {}) },
    { label: 'Optimiser', value: `${c.weightDecay ? `AdamW (weight decay ${c.weightDecay})` : 'Adam'}, lr ${formatLr(c.lr)}${c.labelSmoothing ? ` · label smoothing ${c.labelSmoothing}` : ''}${c.emaDecay ? ` · weight EMA ${c.emaDecay}` : ''}` },
    { label: 'Batch', value: s.microBatch < c.batchSize ? `${c.batchSize} (micro-batches of ${s.microBatch})` : String(c.batchSize) },
    { label: 'Sampler', value: c.sampler === 'weighted' ? 'weighted (1 / class count)' : 'shuffle (each image once)' },
    { label: 'Schedule', value: (SCHEDULE_TEXT[c.scheduler] ?? (() => c.scheduler))(c) },
    { label: 'Epochs', value: `${c.epochs}${c.earlyStop ? ` (early stop after ${c.earlyStop} without improvement)` : ''}` },
    { label: 'Image size', value: `${c.imageSize} px` },
    ...(c.preset ? [{ label: 'Preset', value: c.preset }] : []),
    { label: 'Seed', value: c.splitSeed !== undefined && c.splitSeed !== c.seed ? `${c.seed} (split seed ${c.splitSeed})` : String(c.seed) },
    { label: 'Backend', value: `${b.name} (${b.threads} thread${b.threads === 1 ? '' : 's'}${b.simd ? ', SIMD' : ''})` },
  ];
}

/** "903 / 180 / 180" train / val / test, and how the split was made. */
export function splitSummary(run: TrainingRunView | undefined): { counts: string; how: string } | undefined {
  const sp = run?.setup?.split;
  if (!sp) return undefined;
  return { counts: `${sp.train} / ${sp.val} / ${sp.test}`, how: `train / val / test images, ${sp.groupedBy === 'patient' ? 'grouped by patient' : 'by image (patients unknown)'}` };
}
