/**
 * Line charts as SVG for the report (training curves, ROC curves): drawn here so the report needs no script or
 * network, and sharp turns the same SVG into a PNG for Markdown. White background, the confusion matrix's font.
 */
import type { Figure } from './document';

export interface ChartSeries {
  label: string;
  color: string;
  points: readonly (readonly [number, number])[];
  dashed?: boolean;
  /** A point drawn as a ring (the best epoch). */
  mark?: readonly [number, number];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  width?: number;
  height?: number;
  xRange?: [number, number];
  yRange?: [number, number];
  /** Integer x ticks only (epochs). */
  integerX?: boolean;
  /** The y = x diagonal, dashed (chance on a ROC plot). */
  diagonal?: boolean;
}

const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/** Tableau 10: distinguishable, and the matplotlib default the reference's figures use. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** "Nice" tick values covering [lo, hi] (1, 2, 5 × 10^k steps), about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5, integer = false): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

const tickText = (v: number) => (Math.abs(v) >= 1000 ? v.toFixed(0) : String(Number(v.toPrecision(4))));

function extent(values: number[], pad: number): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = Math.min(...values), hi = Math.max(...values);
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

/** Legend items laid out in rows under the plot: each item's position, and the rows they take. */
function legendLayout(labels: readonly string[], width: number, left: number): { x: number; row: number }[] {
  const out: { x: number; row: number }[] = [];
  let x = left, row = 0;
  for (const label of labels) {
    const w = 36 + 6.6 * Math.min(34, label.length);
    if (x > left && x + w > width - 8) { x = left; row++; }
    out.push({ x, row });
    x += w + 12;
  }
  return out;
}

/** The chart as an SVG document, legend under the plot (two charts fit side by side in the report). */
export function lineChartSvg(o: LineChartOptions): Figure {
  const width = o.width ?? 540;
  const left = 64, top = 40, right = 16;
  const legend = legendLayout(o.series.map((s) => s.label), width, left);
  const legendRows = legend.length ? legend[legend.length - 1].row + 1 : 0;
  const plotHeight = o.height ?? 300;
  const bottom = 50 + legendRows * 18, height = plotHeight + legendRows * 18;
  const plotW = width - left - right, plotH = height - top - bottom;
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]).filter(Number.isFinite));
  const ys = o.series.flatMap((s) => s.points.map((p) => p[1]).filter(Number.isFinite));
  const [x0, x1] = o.xRange ?? extent(xs, 0);
  const [y0, y1] = o.yRange ?? extent(ys, 0.05);
  const sx = (x: number) => left + ((x - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (y: number) => top + plotH - ((y - y0) / (y1 - y0 || 1)) * plotH;
  const parts: string[] = [`<rect width="${width}" height="${height}" fill="white"/>`];
  const text = (x: number, y: number, content: string, attrs = '') => parts.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`);

  text(left + plotW / 2, 24, o.title, 'font-size="16" font-weight="bold" text-anchor="middle"');
  for (const t of niceTicks(y0, y1, 5)) {
    const y = sy(t);
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
    text(left - 6, y + 4, tickText(t), 'font-size="11" text-anchor="end" fill="#333"');
  }
  for (const t of niceTicks(x0, x1, o.integerX ? Math.min(10, Math.max(1, x1 - x0)) : 5, o.integerX)) {
    const x = sx(t);
    parts.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${top}" y2="${top + plotH}" stroke="#f0f0f0"/>`);
    text(x, top + plotH + 16, tickText(t), 'font-size="11" text-anchor="middle" fill="#333"');
  }
  parts.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#666"/>`);
  text(left + plotW / 2, top + plotH + 34, o.xLabel, 'font-size="13" text-anchor="middle"');
  text(16, top + plotH / 2, o.yLabel, `font-size="13" text-anchor="middle" transform="rotate(-90 16 ${(top + plotH / 2).toFixed(1)})"`);
  if (o.diagonal) parts.push(`<line x1="${sx(Math.max(x0, y0))}" y1="${sy(Math.max(x0, y0))}" x2="${sx(Math.min(x1, y1))}" y2="${sy(Math.min(x1, y1))}" stroke="#999" stroke-dasharray="4 4"/>`);

  for (const s of o.series) {
    // Broken at missing values, as the webview's uPlot draws them.
    const segments: string[][] = [[]];
    for (const [x, y] of s.points) {
      if (Number.isFinite(x) && Number.isFinite(y)) segments[segments.length - 1].push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
      else if (segments[segments.length - 1].length) segments.push([]);
    }
    for (const seg of segments.filter((g) => g.length > 0)) {
      parts.push(`<polyline points="${seg.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} stroke-linejoin="round"/>`);
      if (seg.length === 1) parts.push(`<circle cx="${seg[0].split(',')[0]}" cy="${seg[0].split(',')[1]}" r="2.5" fill="${s.color}"/>`);
    }
    if (s.mark && Number.isFinite(s.mark[1])) parts.push(`<circle cx="${sx(s.mark[0]).toFixed(1)}" cy="${sy(s.mark[1]).toFixed(1)}" r="5" fill="none" stroke="${s.color}" stroke-width="2"/>`);
  }
  o.series.forEach((s, i) => {
    const { x: lx, row } = legend[i];
    const y = top + plotH + 50 + row * 18;
    parts.push(`<line x1="${lx}" x2="${lx + 22}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    text(lx + 28, y + 4, s.label.length > 34 ? `${s.label.slice(0, 33)}…` : s.label, 'font-size="11"');
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">${parts.join('')}</svg>`;
  return { kind: 'svg', svg, width, height };
}
