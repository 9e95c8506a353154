/** The bench's output: a header, a metric | ours | PyTorch | ratio table (text and markdown), and `ratio` lines. */

export interface Row {
  /** Name in the `ratio <metric> <x>` line, e.g. train-resnet18-224. */
  metric: string;
  unit: string;
  ours?: number;
  /** PyTorch's number, or the reference named in `note` (training img/s for the pipeline, the small run for RSS). */
  peer?: number;
  /** >1 means ours is faster (for the pipeline: how many times training's consumption it can feed). */
  ratio?: number;
  note?: string;
}

const fmt = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(3);

function cells(r: Row): string[] {
  return [r.metric, `${fmt(r.ours)} ${r.unit}`, `${fmt(r.peer)} ${r.unit}`, fmt(r.ratio), r.note ?? ''];
}

const HEAD = ['metric', 'ours', 'PyTorch / reference', 'ratio', 'note'];

export function textTable(rows: Row[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((s, i) => (i === 1 || i === 2 || i === 3 ? s.padStart(widths[i]) : s.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export function markdownTable(rows: Row[]): string {
  const line = (c: string[]) => `| ${c.join(' | ')} |`;
  return [line(HEAD), line(HEAD.map((_, i) => (i === 1 || i === 2 || i === 3 ? '---:' : '---'))), ...rows.map((r) => line(cells(r)))].join('\n');
}

/** Machine-readable, one per measured row; rows without a ratio (a side failed) are left out. */
export function ratioLines(rows: Row[]): string[] {
  return rows.filter((r) => r.ratio !== undefined && Number.isFinite(r.ratio)).map((r) => `ratio ${r.metric} ${+r.ratio!.toPrecision(3)}`);
}
