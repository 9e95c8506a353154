/**
 * The sample grid (`cxr-lab samples`, the Dataset view's "Show Samples"): N random images per class, the same images as a
 * training preset augments them, each class's intensity histogram and image sizes. Plain data, shared by the engine (which
 * computes it: src/engine/jobs/samples.ts), the extension and the samples webview.
 */
import type { PresetName } from './runFiles/augmentation';

export const DEFAULT_SAMPLES_PER_CLASS = 6;
export const MAX_SAMPLES_PER_CLASS = 16;
/** Images per class whose intensities make the histogram (a seeded sample; all of them when fewer). */
export const DEFAULT_HISTOGRAM_IMAGES = 100;
/** Bins of the intensity histograms over 0–255. */
export const HISTOGRAM_BINS = 64;

export interface SampleImage {
  file: string;
  /** Relative to the dataset root. */
  rel: string;
  /** As stored. */
  width: number;
  height: number;
  /** Thumbnails (PNG files) as the network sees the image (square, resized) and augmented; absent when not written. */
  original?: string;
  augmented?: string;
  /** What the preset drew for it: "flip, rotate 4.2°, zoom 1.08" or "none". */
  augmentation: string;
}

export interface SizeSummary { images: number; minWidth: number; medianWidth: number; maxWidth: number; minHeight: number; medianHeight: number; maxHeight: number }

export interface SampleClass {
  className: string;
  /** Usable images of the class. */
  images: number;
  samples: SampleImage[];
  /** Share of the pixels in each of HISTOGRAM_BINS equal bins of 0–255 (summing to 1), over `images` images; mean and standard deviation of the intensity. */
  histogram: { bins: number[]; images: number; mean: number; std: number };
  /** Stored sizes of all the class's images. */
  size: SizeSummary;
}

export interface SamplesResult {
  root: string;
  preset: PresetName;
  seed: number;
  perClass: number;
  /** Side of the thumbnails, pixels. */
  thumbnail: number;
  classes: SampleClass[];
  /** The grid PNG, when one was asked for. */
  png?: string;
  seconds: number;
}
