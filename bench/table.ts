/** The bench's output: a header, a metric | ours | PyTorch | ratio table (text and markdown), and `ratio` lines. */

export interface Row {
  /** Name in the `ratio <metric> <x>` line, e.g. train-resnet18-224. */
  metric: string;
  unit: string;
  ours?: number;
  /** PyTorch's number, or the reference named in `note` (training img/s for the pipeline, the small run for RSS). */
  peer?: number;
  /** >1 means ours is faster (for the pipeline: how many times training's consumption it can feed). Rounds: the median of the per-round ratios. */
  ratio?: number;
  /** The smallest and largest per-round ratio, when the row ran in rounds (ours, PyTorch, ours, PyTorch …). */
  ratioRange?: [number, number];
  /** Achieved GFLOP/s (FLOPs counted from the model's layers, ×3 for a training step) and its share of the measured sgemm peak. */
  gflops?: { ours?: number; peer?: number; peak?: number };
  note?: string;
}

const fmt = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(3);

const pct = (x: number | undefined, peak: number | undefined): string => (x === undefined || !peak ? '—' : `${((100 * x) / peak).toFixed(0)} %`);

function cells(r: Row): string[] {
  const g = r.gflops;
  return [
    r.metric, `${fmt(r.ours)} ${r.unit}`, `${fmt(r.peer)} ${r.unit}`, fmt(r.ratio), r.ratioRange ? `${fmt(r.ratioRange[0])}–${fmt(r.ratioRange[1])}` : '',
    g ? `${fmt(g.ours)} / ${fmt(g.peer)}` : '', g ? `${pct(g.ours, g.peak)} / ${pct(g.peer, g.peak)}` : '', r.note ?? '',
  ];
}

const HEAD = ['metric', 'ours', 'PyTorch / reference', 'ratio', 'min–max', 'GFLOP/s ours / PyTorch', 'of peak', 'note'];
/** Columns right-aligned (numbers). */
const NUMERIC = new Set([1, 2, 3, 4, 5, 6]);

export function textTable(rows: Row[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((s, i) => (NUMERIC.has(i) ? s.padStart(widths[i]) : s.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export function markdownTable(rows: Row[]): string {
  const line = (c: string[]) => `| ${c.join(' | ')} |`;
  return [line(HEAD), line(HEAD.map((_, i) => (NUMERIC.has(i) ? '---:' : '---'))), ...rows.map((r) => line(cells(r)))].join('\n');
}

/** Machine-readable, one per measured row; rows without a ratio (a side failed) are left out. */
export function ratioLines(rows: Row[]): string[] {
  return rows.filter((r) => r.ratio !== undefined && Number.isFinite(r.ratio)).map((r) => `ratio ${r.metric} ${+r.ratio!.toPrecision(3)}`);
}
