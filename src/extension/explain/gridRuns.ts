/**
 * "Explain these images with all runs" (evaluation view): which runs become the grid's columns, and the images' true
 * classes from the evaluation. Pure: no vscode.
 */
import { GRID_IMAGES_FROM_EVALUATION } from '../../shared/camGrid';
import type { GridRequest } from '../../shared/engineProtocol';
import type { EvaluationView } from '../../shared/webviewProtocol';
import type { RunRecord } from '../runs/runReader';

/** Columns beyond this make cells too small to read. */
export const MAX_GRID_RUNS = 6;

const sameClasses = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((c, i) => c === b[i]);

/**
 * The runs that explain the evaluation's images: its own run (an ensemble's members) first, then every other run with a
 * best checkpoint and the same classes, newest first (`runs` is newest first, as the Runs tree lists them); at most MAX_GRID_RUNS.
 */
export function gridRunDirs(evaluation: Pick<EvaluationView, 'explainRunDir' | 'ensemble' | 'classes'>, runs: readonly RunRecord[]): string[] {
  const own = evaluation.ensemble?.map((m) => m.runDir) ?? [evaluation.explainRunDir];
  const usable = runs.filter((r) => r.checkpoints.some((c) => c.which === 'best') && sameClasses(r.info.dataset.classes, evaluation.classes));
  return [...new Set([...own, ...usable.map((r) => r.dir)])].slice(0, MAX_GRID_RUNS);
}

/** The grid request for these images of the evaluation: its runs as columns, Grad-CAM, true classes from the evaluation. */
export function gridRequestFor(evaluation: Pick<EvaluationView, 'explainRunDir' | 'ensemble' | 'classes' | 'predictions'>, files: readonly string[],
  runs: readonly RunRecord[]): Omit<GridRequest, 'type' | 'id'> | undefined {
  const byFile = new Map(evaluation.predictions.map((p) => [p.file, p]));
  const images = [...new Set(files)].filter((f) => byFile.has(f)).slice(0, GRID_IMAGES_FROM_EVALUATION);
  if (images.length === 0) return undefined;
  const labels: Record<string, string> = {};
  for (const f of images) {
    const label = evaluation.classes[byFile.get(f)!.label];
    if (label !== undefined) labels[f] = label;
  }
  return { runs: gridRunDirs(evaluation, runs), images, labels, checkpoint: 'best' };
}
