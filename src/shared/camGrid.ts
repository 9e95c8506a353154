/**
 * The CAM grid (the reference study's figure): rows = images, columns = runs × CAM methods, each cell an overlay with
 * the image's true class, the prediction and its probability. The grid job's result and the words every side prints
 * (engine PNG, CLI, webview), so the three say the same thing. Plain data and pure functions: no imports but format.
 */
import { formatPercent } from './format';
import type { CheckpointName } from './runFiles/layout';

/** One column: a run's checkpoint explained with one CAM method. `title`: the header lines (run id, arch · checkpoint, method). */
export interface GridColumnInfo {
  runDir: string;
  runId: string;
  arch: string;
  checkpoint: CheckpointName;
  /** The checkpoint's epoch when the run says it. */
  epoch?: number;
  method: string;
  methodLabel: string;
  title: string[];
}

/** One row: an image and its true class (null: unknown — "true ?"). */
export interface GridRowInfo { image: string; name: string; trueLabel: string | null }

/**
 * One cell: the files explain wrote (overlay, heatmap, CAM json), the predicted class and its probability, the class
 * the map explains, whether the prediction is right (null: the true class is unknown) and the caption.
 */
export interface GridCellInfo {
  overlay: string;
  heatmap: string;
  json: string;
  predicted: string;
  probability: number;
  explained: string;
  correct: boolean | null;
  caption: string;
}

/** The grid job's result: the PNG it wrote (pixels), and the grid as data — cells[row][column]. */
export interface GridResult {
  png: string;
  width: number;
  height: number;
  columns: GridColumnInfo[];
  rows: GridRowInfo[];
  cells: GridCellInfo[][];
}

/** Most images a grid takes: beyond this it is no longer a figure one can read. */
export const MAX_GRID_IMAGES = 32;
/** Images "Explain these images with all runs" sends from the evaluation view. */
export const GRID_IMAGES_FROM_EVALUATION = 8;

/** "true COVID · pred Normal 97.3%" ("true ?" when the true class is unknown). */
export function gridCaption(trueLabel: string | null, predicted: string, probability: number): string {
  return `true ${trueLabel ?? '?'} · pred ${predicted} ${formatPercent(probability)}`;
}

/** Right, wrong, or unknown (no true class). */
export function isCorrect(trueLabel: string | null, predicted: string): boolean | null {
  return trueLabel === null ? null : trueLabel === predicted;
}

/** The header lines of a column: run id; arch · checkpoint (epoch); method (and the explained class when one is forced). */
export function gridColumnTitle(c: { runId: string; arch: string; checkpoint: CheckpointName; epoch?: number; methodLabel: string; className?: string }): string[] {
  return [
    c.runId,
    `${c.arch} · ${c.checkpoint}${c.epoch !== undefined ? ` (epoch ${c.epoch})` : ''}`,
    `${c.methodLabel}${c.className ? ` of ${c.className}` : ''}`,
  ];
}

/** Folders above an image looked at for its class: `<class>/x.png`, `<class>/images/x.png`, `<split>/<class>/x.png`. */
const LABEL_DEPTH = 3;

/**
 * The true class of an image from its folders: the nearest of its parent folders (up to three levels) named like one
 * of `classes` (exactly, else ignoring case) — the class-folder layout every dataset here has. Null when none is.
 */
export function trueLabelFromPath(file: string, classes: readonly string[]): string | null {
  const parents = file.split(/[\\/]+/).slice(0, -1).reverse().slice(0, LABEL_DEPTH);
  for (const dir of parents) if (classes.includes(dir)) return dir;
  for (const dir of parents) {
    const match = classes.find((c) => c.toLowerCase() === dir.toLowerCase());
    if (match) return match;
  }
  return null;
}
