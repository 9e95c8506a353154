/**
 * A themed uPlot line chart over epochs, with an optional "best epoch" marker. Colours are read from the VS Code
 * theme variables when the chart is built (canvas needs concrete colours) and rebuilt when the theme changes.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { withAlpha } from './color';
import { decades, placeMarkerLabel, type Point } from './scales';
import { themeVar } from './theme';

export interface SeriesSpec { label: string; colorVar: string; fallback: string; dash?: number[]; format?: (v: number) => string }
export interface LineChartOptions {
  label: string;
  height: number;
  series: SeriesSpec[];
  yTick: (v: number) => string;
  yRange: (min: number | null, max: number | null) => [number, number];
  /** Series indices (0-based into `series`) whose value at the marked epoch gets a ring. */
  ringSeries?: number[];
  /** Log-scaled y axis with one grid line per decade (learning rates). */
  yLog?: boolean;
  /** Where the "best" label prefers to sit (top for losses, bottom for accuracies); it moves if a curve is there. */
  markerLabel?: 'top' | 'bottom';
}
export interface ChartData { x: number[]; ys: (number | null)[][]; xRange: [number, number]; marker?: number }

export class LineChart {
  private plot: uPlot | undefined;
  private data: ChartData = { x: [], ys: [], xRange: [0, 1] };
  private readonly resizeObserver: ResizeObserver;
  private lastWidth = 0;

  constructor(private readonly container: HTMLElement, private readonly o: LineChartOptions) {
    this.resizeObserver = new ResizeObserver(() => {
      const width = this.width();
      if (width !== this.lastWidth) { this.lastWidth = width; this.plot?.setSize({ width, height: o.height }); }
    });
    this.resizeObserver.observe(container);
  }

  setData(data: ChartData): void {
    this.data = data;
    this.container.dataset.points = String(data.x.length);
    if (data.marker !== undefined) this.container.dataset.bestEpoch = String(data.marker);
    else delete this.container.dataset.bestEpoch;
    if (!this.plot) this.build();
    else this.plot.setData(this.aligned());
  }

  /** Rebuild with the current theme's colours. */
  rebuild(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.build();
  }

  private width(): number {
    return Math.max(200, Math.floor(this.container.clientWidth || 400));
  }

  private aligned(): uPlot.AlignedData {
    return [this.data.x, ...this.data.ys] as uPlot.AlignedData;
  }

  private build(): void {
    const fg = themeVar('--vscode-foreground', '#cccccc');
    const font = themeVar('--vscode-font-family', 'sans-serif');
    const markerColor = themeVar('--vscode-charts-green', '#89d185');
    const grid = { stroke: withAlpha(fg, 0.12), width: 1 };
    const axis = { stroke: fg, grid, ticks: { stroke: withAlpha(fg, 0.25), width: 1 }, font: `11px ${font}`, labelFont: `11px ${font}` };
    const colors = this.o.series.map((s) => themeVar(s.colorVar, s.fallback));
    const opts: uPlot.Options = {
      width: this.width(),
      height: this.o.height,
      scales: {
        x: { time: false, range: () => this.data.xRange },
        y: { distr: this.o.yLog ? 3 : 1, range: (_u, min, max) => this.o.yRange(min, max) },
      },
      axes: [
        { ...axis, label: 'epoch', labelSize: 16, size: 30, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500], values: (_u, vals) => vals.map((v) => (Number.isInteger(v) ? String(v) : '')) },
        {
          ...axis, size: 56, values: (_u, vals) => vals.map((v) => (v === null || v === undefined ? '' : this.o.yTick(v))),
          ...(this.o.yLog ? { space: 14, splits: (_u: uPlot, _i: number, min: number, max: number) => decades(min, max) } : {}),
        },
      ],
      series: [
        { label: 'epoch' },
        ...this.o.series.map((s, i): uPlot.Series => ({
          label: s.label, stroke: colors[i], width: 2, dash: s.dash, spanGaps: false,
          points: { show: true, size: 6, fill: colors[i], stroke: colors[i] },
          value: (_u, v) => (v === null || v === undefined ? '—' : (s.format ?? this.o.yTick)(v)),
        })),
      ],
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      hooks: { draw: [(u) => this.drawMarker(u, markerColor, font, colors)] },
    };
    this.container.replaceChildren();
    this.plot = new uPlot(opts, this.aligned(), this.container);
    this.plot.root.setAttribute('aria-label', this.o.label);
    this.lastWidth = this.width();
  }

  /** Each series as polylines in canvas pixels, broken at missing values (as drawn: spanGaps is off). */
  private curvePixels(u: uPlot): Point[][] {
    const lines: Point[][] = [];
    for (const ys of this.data.ys) {
      let line: Point[] = [];
      ys.forEach((v, i) => {
        if (v === null || v === undefined) { if (line.length) lines.push(line); line = []; return; }
        line.push({ x: u.valToPos(this.data.x[i], 'x', true), y: u.valToPos(v, 'y', true) });
      });
      if (line.length) lines.push(line);
    }
    return lines;
  }

  private drawMarker(u: uPlot, color: string, font: string, colors: string[]): void {
    const epoch = this.data.marker;
    if (epoch === undefined) return;
    const index = this.data.x.indexOf(epoch);
    const dpr = uPlot.pxRatio;
    const { left, top, width, height } = u.bbox;
    const x = Math.round(u.valToPos(epoch, 'x', true));
    if (x < left - 1 || x > left + width + 1) return;
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = dpr;
    ctx.setLineDash([4 * dpr, 3 * dpr]);
    ctx.beginPath();
    ctx.moveTo(x + 0.5, top);
    ctx.lineTo(x + 0.5, top + height);
    ctx.stroke();
    ctx.setLineDash([]);
    const rings: (Point & { r: number })[] = [];
    for (const s of this.o.ringSeries ?? []) {
      const value = index >= 0 ? this.data.ys[s]?.[index] : null;
      if (value === null || value === undefined) continue;
      const ring = { x, y: u.valToPos(value, 'y', true), r: 7 * dpr };
      rings.push(ring);
      ctx.strokeStyle = colors[s];
      ctx.lineWidth = 2 * dpr;
      ctx.beginPath();
      ctx.arc(ring.x, ring.y, ring.r, 0, Math.PI * 2);
      ctx.stroke();
    }
    // The label goes where no curve, point or ring is (the best epoch is often the first, where losses are high).
    ctx.font = `${11 * dpr}px ${font}`;
    ctx.fillStyle = color;
    const text = `best ${epoch}`;
    const place = placeMarkerLabel({
      x, plot: { left, top, width, height }, textWidth: ctx.measureText(text).width, textHeight: 11 * dpr, gap: 4 * dpr, clear: 6 * dpr,
      prefer: this.o.markerLabel ?? 'top', lines: this.curvePixels(u), rings,
    });
    ctx.textAlign = place.align;
    ctx.textBaseline = 'top';
    ctx.fillText(text, place.x, place.y);
    ctx.restore();
  }
}
