/**
 * The CAM grid job: the same images explained by each run (and each CAM method), composed into one PNG
 * (src/engine/cam/grid.ts) and returned as data — rows = images, columns = runs × methods, run-major.
 * Each column is an ordinary explain (src/engine/jobs/explain.ts): its overlays and CAM files land where explain puts
 * them, so the grid is built from the per-run explain results.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { GridRequest, JobEventSink } from '../../shared/engineProtocol';
import {
  gridCaption, gridColumnTitle, isCorrect, MAX_GRID_IMAGES, trueLabelFromPath, type GridCellInfo, type GridColumnInfo, type GridResult, type GridRowInfo,
} from '../../shared/camGrid';
import { argMax } from '../../shared/format';
import { getCamMethod, type CamMethod } from '../cam/methods';
import { gridLayout, renderGridPng } from '../cam/grid';
import { CancelledError, ConfigError } from '../errors';
import { RunStore } from '../run/runStore';
import { ensembleLabDir } from '../run/ensembleStore';
import { explainImages } from './explain';

export type GridOptions = Omit<GridRequest, 'type' | 'id'> & { signal?: AbortSignal; emit: JobEventSink };

/** Where a grid goes when the request names no file: `.cxr-lab/grids/` beside the first run (as ensembles), named by its content. */
export const GRIDS_DIR = 'grids';

export async function explainGrid(o: GridOptions): Promise<GridResult> {
  if (o.runs.length === 0) throw new ConfigError('A grid needs at least one run.');
  if (o.images.length === 0) throw new ConfigError('A grid needs at least one image.');
  if (o.images.length > MAX_GRID_IMAGES) throw new ConfigError(`A grid takes at most ${MAX_GRID_IMAGES} images; ${o.images.length} were given.`);
  const methods = uniqueMethods(o.methods?.length ? o.methods : [undefined]);
  const runs: RunStore[] = [];
  for (const dir of o.runs) runs.push(await RunStore.open(dir));
  const images = o.images.map((f) => path.resolve(f));
  const labels = new Map(Object.entries(o.labels ?? {}).map(([f, c]) => [path.resolve(f), c]));
  const rows: GridRowInfo[] = images.map((image) => ({
    image, name: path.basename(image),
    trueLabel: labels.get(image) ?? runs.map((r) => trueLabelFromPath(image, r.info.dataset.classes)).find((c) => c !== null) ?? null,
  }));

  const columns: GridColumnInfo[] = [];
  const cells: GridCellInfo[][] = rows.map(() => []);
  const total = runs.length * methods.length * images.length;
  let done = 0;
  for (const run of runs) {
    const { classes } = run.info.dataset;
    const classIndex = o.className === undefined ? undefined : resolveClass(run, o.className);
    const checkpoint = o.checkpoint ?? 'best';
    const epoch = checkpoint === 'best' ? run.info.best?.epoch : run.info.epochsDone || undefined;
    for (const method of methods) {
      if (o.signal?.aborted) throw new CancelledError('The grid was cancelled.');
      const column = { runDir: run.dir, runId: run.info.id, arch: run.info.config.arch, checkpoint, ...(epoch !== undefined ? { epoch } : {}), method: method.id, methodLabel: method.label };
      const label = `${column.runId} · ${method.label}`;
      const result = await explainImages({
        runDir: run.dir, images, classIndex, layer: o.layer, checkpoint, method: method.id, augSmooth: o.augSmooth, eigenSmooth: o.eigenSmooth,
        outDir: o.outDir && runs.length > 1 ? path.join(o.outDir, path.basename(run.dir)) : o.outDir,
        signal: o.signal,
        emit: (e) => {
          if (e.type !== 'progress') return o.emit(e);
          o.emit({ type: 'progress', phase: 'grid', done: Math.min(total, done + e.done), total, message: `${label}${e.message ? `: ${e.message}` : ''}` });
        },
      });
      if (result.items.length < images.length) throw new CancelledError('The grid was cancelled.');
      done += images.length;
      columns.push({ ...column, title: gridColumnTitle({ ...column, className: classIndex === undefined ? undefined : classes[classIndex] }) });
      result.items.forEach((item, r) => {
        const top = argMax(item.probabilities);
        const predicted = classes[top] ?? String(top);
        const probability = item.probabilities[top] ?? 0;
        cells[r].push({
          overlay: item.overlay, heatmap: item.heatmap, json: item.json, predicted, probability, explained: item.className,
          correct: isCorrect(rows[r].trueLabel, predicted), caption: gridCaption(rows[r].trueLabel, predicted, probability),
        });
      });
    }
  }

  const layout = gridLayout({
    columns: columns.map((c) => ({ title: c.title })),
    rows: rows.map((r) => ({ label: [r.name, `true ${r.trueLabel ?? '?'}`] })),
    cells,
  });
  const key = [columns.map((c) => [c.runDir, c.checkpoint, c.method]), images, o.className, o.layer, o.augSmooth === true, o.eigenSmooth === true];
  const png = path.resolve(o.png ?? defaultGridPath(runs[0].dir, key));
  await renderGridPng(layout, cells.map((r) => r.map((c) => c.overlay)), png);
  return { png, width: layout.width, height: layout.height, columns, rows, cells };
}

/** `<lab>/grids/grid-<12 hex>.png`: the same columns, images and options always give the same file. */
export function defaultGridPath(firstRunDir: string, key: unknown): string {
  const hash = createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 12);
  return path.join(ensembleLabDir(firstRunDir), GRIDS_DIR, `grid-${hash}.png`);
}

function uniqueMethods(ids: (string | undefined)[]): CamMethod[] {
  const out: CamMethod[] = [];
  for (const id of ids) {
    const m = getCamMethod(id);
    if (!out.includes(m)) out.push(m);
  }
  return out;
}

/** A class name (or index) in this run's classes. */
function resolveClass(run: RunStore, value: string): number {
  const classes = run.info.dataset.classes;
  const byName = classes.indexOf(value);
  if (byName >= 0) return byName;
  const n = Number(value);
  if (value.trim() !== '' && Number.isInteger(n) && n >= 0 && n < classes.length) return n;
  throw new ConfigError(`Unknown class "${value}" for run ${run.info.id}; its classes are: ${classes.map((c, i) => `${i}=${c}`).join(', ')}.`);
}
