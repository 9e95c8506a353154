/** Axis and layout helpers for the charts. Pure: tested under node. */

/** Powers of ten within [min, max] (at least one), for log-axis grid lines. */
export function decades(min: number, max: number): number[] {
  if (!(min > 0) || !(max > 0) || min > max) return [];
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(min) - 1e-9); e <= Math.floor(Math.log10(max) + 1e-9); e++) out.push(Number(`1e${e}`)); // exact, unlike 10 ** -4
  return out.length ? out : [Number(`1e${Math.round(Math.log10(Math.sqrt(min * max)))}`)];
}

/** A round step ≥ v: 1, 2, 2.5 or 5 × 10^k. */
export function niceStep(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const exp = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= v * (1 - 1e-9)) return m * exp;
  return 10 * exp;
}

/**
 * A linear axis fitted to the data: [min, max] (at least 5% of its magnitude wide) widened by `pad` of its span
 * on each side, then out to round steps (about five per axis), never below `floor`. Fitting matters for losses that
 * move between 1.05 and 1.15: an axis from 0 would draw them as a flat line.
 */
export function fittedRange(min: number, max: number, o: { pad?: number; floor?: number } = {}): [number, number] {
  const pad = o.pad ?? 0.05;
  // Below 5% of the magnitude differences are noise (a loss stuck at ln 3): don't blow them up to full height.
  const minSpan = Math.max(Math.abs(max), Math.abs(min)) * 0.05 || 1e-6;
  const mid = (min + max) / 2;
  const span = Math.max(max - min, minSpan);
  let lo = mid - span * (0.5 + pad);
  const hi = mid + span * (0.5 + pad);
  if (o.floor !== undefined) lo = Math.max(o.floor, lo);
  const step = niceStep((hi - lo) / 5);
  const round = (v: number) => Number(v.toPrecision(12)); // 1.2000000000000002 -> 1.2
  const rlo = round(Math.floor(lo / step + 1e-9) * step);
  return [o.floor !== undefined ? Math.max(o.floor, rlo) : rlo, round(Math.ceil(hi / step - 1e-9) * step)];
}

export interface Point { x: number; y: number }
export interface Box { left: number; top: number; width: number; height: number }

/** Distance from a point to a box (0 inside it). */
export function distanceToBox(p: Point, b: Box): number {
  const dx = Math.max(b.left - p.x, 0, p.x - (b.left + b.width));
  const dy = Math.max(b.top - p.y, 0, p.y - (b.top + b.height));
  return Math.hypot(dx, dy);
}

/** Smallest distance from the box to any polyline (consecutive points joined) or ring (point with radius). */
export function clearance(b: Box, lines: Point[][], rings: (Point & { r: number })[] = []): number {
  let best = Infinity;
  for (const line of lines) {
    for (let i = 0; i < line.length; i++) {
      const a = line[i];
      const c = line[i + 1] ?? a;
      const n = Math.max(1, Math.ceil(Math.hypot(c.x - a.x, c.y - a.y) / 2)); // sample every ~2 px
      for (let k = 0; k <= n; k++) best = Math.min(best, distanceToBox({ x: a.x + ((c.x - a.x) * k) / n, y: a.y + ((c.y - a.y) * k) / n }, b));
    }
  }
  for (const r of rings) best = Math.min(best, Math.max(0, distanceToBox(r, b) - r.r));
  return best;
}

export interface MarkerLabelInput {
  /** Marker line x and the plot area, in canvas pixels. */
  x: number;
  plot: Box;
  textWidth: number;
  textHeight: number;
  /** Gap between the line or the frame and the text. */
  gap: number;
  /** Room to keep from curve centres and rings (line width and point radius included); default `gap`. */
  clear?: number;
  /** Where the label goes when nothing is in the way there. */
  prefer: 'top' | 'bottom';
  lines: Point[][];
  rings?: (Point & { r: number })[];
}
export interface MarkerLabelPlacement { x: number; y: number; align: 'left' | 'right'; box: Box }

/**
 * Where to write "best N" beside the marker line: right of it (left of it near the right edge), at the preferred
 * end of the plot if the curves leave room there, else at the height with the most room from curves and rings.
 * `y` is the top of the text (draw with textBaseline 'top').
 */
export function placeMarkerLabel(o: MarkerLabelInput): MarkerLabelPlacement {
  const { plot, textWidth: w, textHeight: h, gap } = o;
  const right = o.x + gap + w <= plot.left + plot.width;
  const left = right ? o.x + gap : o.x - gap - w;
  const topY = plot.top + gap;
  const bottomY = plot.top + plot.height - gap - h;
  const steps = Math.max(1, Math.floor((bottomY - topY) / (h / 2)));
  const candidates = [o.prefer === 'top' ? topY : bottomY, o.prefer === 'top' ? bottomY : topY];
  for (let i = 1; i < steps; i++) candidates.push(topY + ((bottomY - topY) * i) / steps);
  let chosen = candidates[0];
  let room = -1;
  for (const top of candidates) {
    const c = clearance({ left, top, width: w, height: h }, o.lines, o.rings);
    if (c >= (o.clear ?? gap)) { chosen = top; break; } // first roomy spot: the preferred end wins when free
    if (c > room) { chosen = top; room = c; }
  }
  const box = { left, top: chosen, width: w, height: h };
  return { x: right ? left : left + w, y: chosen, align: right ? 'left' : 'right', box };
}
