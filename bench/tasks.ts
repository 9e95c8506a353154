/** What the bench asks one child process to measure, and what every child answers (one JSON line, last on stdout). */
import type { BackendPreference } from '../src/engine/backend';

export interface ModelTask { kind: 'train' | 'infer'; arch: string; size: number; batch: number; warmup: number; steps: number }
export interface CamTask { kind: 'gradcam'; arch: string; size: number; warmup: number; steps: number; image?: string }
/** Grad-CAM over `images` inputs (the files, or random ones) in batches of `chunk`: computeBatch / pytorch-grad-cam's batch call. */
export interface CamBatchTask { kind: 'gradcam-batch'; arch: string; size: number; images: number; chunk: number; warmup: number; files?: string[] }
/** preset: the training preset whose augmentations the decode path applies (default 'reference': flips only). */
/** cached: through the decoded-image cache, filled by an untimed first pass (training's epochs after the first). */
export interface PipelineTask { kind: 'pipeline'; files: string[]; size: number; batch: number; preset?: 'reference' | 'recommended'; cached?: boolean }
export interface RssTask { kind: 'rss'; images: number; arch: string; size: number; source: string }
/** Only initialise the backend: checked first so a missing one fails the bench at once. */
export interface BackendTask { kind: 'backend' }
/** The machine's fp32 peak as this side reaches it: an n×n sgemm (tf.matMul / torch.mm), the fastest of `reps` after a warm-up; value GFLOP/s. */
export interface PeakTask { kind: 'peak'; n: number; reps: number }
export type Task = ModelTask | CamTask | CamBatchTask | PipelineTask | RssTask | BackendTask | PeakTask;
export type OurTask = Task & { backend: BackendPreference };

export interface Measured {
  /** img/s for train, infer, gradcam-batch and pipeline; ms per image for gradcam; MB of peak RSS for rss; GFLOP/s for peak. */
  value: number;
  /** Per-step seconds (or ms for gradcam) that `value` is the median of (gradcam-batch: per-chunk seconds, value = images / their sum). */
  samples: number[];
  maxRssMB: number;
  /** Side facts for the header: backend, threads, versions, micro-batch, seconds spent. */
  info: Record<string, unknown>;
}

export const NUM_CLASSES = 3; // ../shared/data/cxr: COVID, Normal, Viral_Pneumonia

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
