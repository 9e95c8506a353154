/** `cxr-lab explain … --grid <file.png> [--methods a,b]`: the --grid check and help, and the printed result of the CAM grid. */
import type { GridResult } from '../shared/engineProtocol';
import { MAX_GRID_IMAGES } from '../shared/camGrid';
import { UsageError } from './checks';

export const GRID_HELP = 'compose one PNG: rows = the images, columns = the positional run, then --runs (× --methods); '
  + 'each cell the overlay with its true class, prediction and probability, wrong predictions marked';

/** What `--grid` needs before any job starts: a .png file and a readable number of images. */
export function checkGrid(file: string, images: number): void {
  if (!/\.png$/i.test(file)) throw new UsageError(`--grid must name a .png file, not ${file}.`);
  if (images > MAX_GRID_IMAGES) throw new UsageError(`--grid takes at most ${MAX_GRID_IMAGES} images; ${images} were given.`);
}

/** The grid as a table: one line per image (true class, then each column's prediction, ✗ when wrong), then the PNG. */
export function formatGrid(r: GridResult): string {
  const names = r.rows.map((row) => row.name);
  const w = Math.min(32, Math.max(5, ...names.map((n) => n.length)));
  const truths = r.rows.map((row) => row.trueLabel ?? '?');
  const tw = Math.max(4, ...truths.map((t) => t.length));
  const cellText = r.cells.map((row) => row.map((c) => `${c.correct === false ? '✗ ' : ''}${c.predicted} ${(c.probability * 100).toFixed(1)}%`));
  const cw = r.columns.map((_, j) => Math.max(12, ...cellText.map((row) => row[j].length)));
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const lines = [
    `grid: ${r.rows.length} image${r.rows.length === 1 ? '' : 's'} × ${r.columns.length} column${r.columns.length === 1 ? '' : 's'}`,
    ...r.columns.map((c, j) => `  column ${j + 1}: ${c.title.join(' · ')}`),
    `  ${'image'.padEnd(w)} ${'true'.padEnd(tw)} ${r.columns.map((_, j) => `column ${j + 1}`.padEnd(cw[j])).join(' ')}`.trimEnd(),
    ...r.rows.map((row, i) => `  ${cut(names[i], w).padEnd(w)} ${truths[i].padEnd(tw)} ${cellText[i].map((t, j) => t.padEnd(cw[j])).join(' ')}`.trimEnd()),
  ];
  const wrong = r.cells.flat().filter((c) => c.correct === false).length;
  const unknown = r.rows.filter((row) => row.trueLabel === null).length;
  lines.push(`  ${wrong} wrong prediction${wrong === 1 ? '' : 's'} (✗)${unknown ? `; ${unknown} image${unknown === 1 ? '' : 's'} without a known true class (true ?)` : ''}`);
  lines.push(`  ${r.png} (${r.width}×${r.height} px)`);
  return lines.join('\n');
}
