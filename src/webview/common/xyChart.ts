/**
 * A themed uPlot chart of curves in the unit square (ROC, precision–recall, reliability diagram): line or point series
 * that each have their own x values (merged into one x axis by alignCurves), an optional dashed diagonal, bars spanning
 * x intervals with a label above each, and ring markers (an operating point). Colours are read from the VS Code theme
 * when the chart is built and rebuilt when the theme changes; markers move without a rebuild.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { alignCurves } from './alignCurves';
import { withAlpha } from './color';
import { themeVar } from './theme';

export interface Colour { colorVar: string; fallback: string }
export interface XySeries extends Colour {
  label: string;
  x: readonly number[];
  y: readonly (number | null)[];
  /** 'line' (default) joins the points in order; 'points' draws dots only. */
  kind?: 'line' | 'points';
  dash?: number[];
  width?: number;
}
/** A bar over [low, high] on x, from 0 to `value` on y, with `label` above it (e.g. a count). */
export interface XyBar { low: number; high: number; value: number; label?: string }
export interface XyMarker extends Colour { x: number; y: number; label?: string }
export interface XyChartData {
  series: XySeries[];
  bars?: { colour: Colour; label: string; items: XyBar[] };
  markers?: XyMarker[];
}
export interface XyChartOptions {
  label: string;
  height: number;
  xLabel: string;
  yLabel: string;
  /** Dashed y = x line (chance for ROC, perfect calibration for a reliability diagram), named in the legend. */
  diagonal?: string;
}

export class XyChart {
  private plot: uPlot | undefined;
  private data: XyChartData = { series: [] };
  private readonly resizeObserver: ResizeObserver;
  private lastWidth = 0;

  constructor(private readonly container: HTMLElement, private readonly o: XyChartOptions) {
    this.resizeObserver = new ResizeObserver(() => {
      const width = this.width();
      if (width !== this.lastWidth && this.plot) { this.lastWidth = width; this.plot.setSize(this.size()); }
    });
    this.resizeObserver.observe(container);
  }

  setData(data: XyChartData): void {
    this.data = data;
    this.container.dataset.series = String(data.series.length);
    this.build();
  }

  /** Move the markers only (a threshold slider): a redraw, not a rebuild. */
  setMarkers(markers: XyMarker[]): void {
    this.data = { ...this.data, markers };
    this.container.dataset.markers = markers.map((m) => `${m.x.toFixed(4)},${m.y.toFixed(4)}`).join(' ');
    this.plot?.redraw(false, false);
  }

  /** Rebuild with the current theme's colours. */
  rebuild(): void {
    this.build();
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
  }

  private width(): number {
    return Math.max(220, Math.floor(this.container.clientWidth || 400));
  }

  private size(): { width: number; height: number } {
    return { width: this.width(), height: this.o.height };
  }

  private build(): void {
    this.plot?.destroy();
    const fg = themeVar('--vscode-foreground', '#cccccc');
    const font = themeVar('--vscode-font-family', 'sans-serif');
    const grid = { stroke: withAlpha(fg, 0.12), width: 1 };
    const axis = {
      stroke: fg, grid, ticks: { stroke: withAlpha(fg, 0.25), width: 1 }, font: `11px ${font}`, labelFont: `11px ${font}`,
      incrs: [0.1, 0.2, 0.25, 0.5, 1], values: (_u: uPlot, vals: number[]) => vals.map((v) => (v === null || v === undefined ? '' : Number(v.toFixed(2)).toString())),
    };
    const colour = (c: Colour) => themeVar(c.colorVar, c.fallback);
    const { x, ys } = alignCurves(this.data.series);
    const muted = withAlpha(fg, 0.55);
    const legendOnly = (label: string, stroke: string, fill?: string, dash?: number[]): uPlot.Series => ({
      label, stroke, fill, dash, width: 2, paths: () => null, points: { show: false },
    });
    const series: uPlot.Series[] = [
      { label: 'x' },
      ...this.data.series.map((s): uPlot.Series => {
        const c = colour(s);
        return s.kind === 'points'
          ? { label: s.label, stroke: c, fill: c, width: 0, paths: () => null, points: { show: true, size: 7, fill: c, stroke: c } }
          : { label: s.label, stroke: c, width: s.width ?? 2, dash: s.dash, spanGaps: true, points: { show: false } };
      }),
    ];
    // Bars and the diagonal are drawn by the hook; these entries only name them in the legend.
    const extra: (number | null)[][] = [];
    if (this.data.bars) {
      const c = colour(this.data.bars.colour);
      series.push(legendOnly(this.data.bars.label, c, withAlpha(c, 0.35)));
      extra.push(new Array(x.length).fill(null));
    }
    if (this.o.diagonal) {
      series.push(legendOnly(this.o.diagonal, muted, undefined, [5, 4]));
      extra.push(new Array(x.length).fill(null));
    }
    const opts: uPlot.Options = {
      ...this.size(),
      scales: { x: { time: false, range: () => [0, 1] }, y: { range: () => [0, 1] } },
      axes: [
        { ...axis, label: this.o.xLabel, labelSize: 18, size: 32 },
        { ...axis, label: this.o.yLabel, labelSize: 18, size: 40 },
      ],
      series,
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      legend: { show: true, live: false },
      hooks: {
        drawClear: [(u) => this.drawUnder(u, muted)],
        draw: [(u) => this.drawMarkers(u, font)],
      },
    };
    this.container.replaceChildren();
    // An empty x axis still needs one point for uPlot to lay out its axes.
    const data = (x.length ? [x, ...ys, ...extra] : [[0], ...ys.map(() => [null]), ...extra.map(() => [null])]) as uPlot.AlignedData;
    this.plot = new uPlot(opts, data, this.container);
    this.plot.root.setAttribute('aria-label', this.o.label);
    this.plot.root.setAttribute('role', 'img');
    this.lastWidth = this.width();
  }

  /** The diagonal and the bars, under the curves. */
  private drawUnder(u: uPlot, muted: string): void {
    const ctx = u.ctx;
    const dpr = uPlot.pxRatio;
    const X = (v: number) => u.valToPos(v, 'x', true);
    const Y = (v: number) => u.valToPos(v, 'y', true);
    ctx.save();
    if (this.data.bars) {
      const c = themeVar(this.data.bars.colour.colorVar, this.data.bars.colour.fallback);
      ctx.fillStyle = withAlpha(c, 0.35);
      ctx.strokeStyle = c;
      ctx.lineWidth = dpr;
      for (const b of this.data.bars.items) {
        const left = X(b.low) + dpr, right = X(b.high) - dpr, top = Y(b.value), base = Y(0);
        if (right <= left) continue;
        ctx.fillRect(left, top, right - left, base - top);
        ctx.strokeRect(left + 0.5, top + 0.5, right - left - 1, base - top - 1);
      }
    }
    if (this.o.diagonal) {
      ctx.strokeStyle = muted;
      ctx.lineWidth = dpr;
      ctx.setLineDash([5 * dpr, 4 * dpr]);
      ctx.beginPath();
      ctx.moveTo(X(0), Y(0));
      ctx.lineTo(X(1), Y(1));
      ctx.stroke();
    }
    ctx.restore();
  }

  /** Bar labels and markers, over the curves. */
  private drawMarkers(u: uPlot, font: string): void {
    const ctx = u.ctx;
    const dpr = uPlot.pxRatio;
    const fg = themeVar('--vscode-foreground', '#cccccc');
    const X = (v: number) => u.valToPos(v, 'x', true);
    const Y = (v: number) => u.valToPos(v, 'y', true);
    ctx.save();
    ctx.font = `${10 * dpr}px ${font}`;
    ctx.textAlign = 'center';
    ctx.fillStyle = fg;
    const { top } = u.bbox;
    for (const b of this.data.bars?.items ?? []) {
      if (!b.label) continue;
      const cx = (X(b.low) + X(b.high)) / 2;
      // Above the bar; inside its top when there is no room above.
      const y = Y(b.value) - 3 * dpr;
      ctx.textBaseline = y - 10 * dpr < top ? 'top' : 'bottom';
      ctx.fillText(b.label, cx, y - 10 * dpr < top ? Y(b.value) + 3 * dpr : y);
    }
    for (const m of this.data.markers ?? []) {
      const c = themeVar(m.colorVar, m.fallback);
      const x = X(m.x), y = Y(m.y);
      ctx.strokeStyle = c;
      ctx.fillStyle = withAlpha(c, 0.25);
      ctx.lineWidth = 2 * dpr;
      ctx.beginPath();
      ctx.arc(x, y, 6 * dpr, 0, Math.PI * 2);
      ctx.fill();
      ctx.stroke();
      if (m.label) {
        ctx.fillStyle = fg;
        const right = x + 10 * dpr + ctx.measureText(m.label).width < u.bbox.left + u.bbox.width;
        ctx.textAlign = right ? 'left' : 'right';
        // Above the ring, clear of the x axis and the curve it sits on.
        ctx.textBaseline = 'bottom';
        ctx.fillText(m.label, right ? x + 8 * dpr : x - 8 * dpr, Math.max(top + 12 * dpr, y - 6 * dpr));
      }
    }
    ctx.restore();
  }
}
