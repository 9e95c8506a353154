/** Number, duration and path formatting shared by the webviews. Pure: tested under node. */

/** A finite number, or null for NaN/Infinity/null/undefined (NaN arrives as null after a JSON round trip). */
export function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

const DASH = '—';

/** 0.9345 -> "93.5%". */
export function formatPercent(value: number | null | undefined, digits = 1): string {
  const v = finite(value);
  return v === null ? DASH : `${(v * 100).toFixed(digits)}%`;
}

/** Metrics in [0, 1] printed as in a classification report: 0.935. */
export function formatMetric(value: number | null | undefined, digits = 3): string {
  const v = finite(value);
  return v === null ? DASH : v.toFixed(digits);
}

export function formatLoss(value: number | null | undefined): string {
  const v = finite(value);
  return v === null ? DASH : v.toFixed(4);
}

/** Learning rates span decades: scientific notation below 0.001. */
export function formatLr(value: number | null | undefined): string {
  const v = finite(value);
  if (v === null) return DASH;
  if (v === 0) return '0';
  return Math.abs(v) < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

/** Seconds as "45 s", "3 min 05 s", "2 h 07 min"; a dash when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  const v = finite(seconds);
  if (v === null || v < 0) return DASH;
  const s = Math.round(v);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  const minutes = Math.round(s / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** The last path segment, for both / and \ separators. */
export function basename(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** Index of the largest value (first on ties), -1 for an empty list. */
export function argMax(values: readonly number[]): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (best < 0 || (finite(values[i]) ?? -Infinity) > (finite(values[best]) ?? -Infinity)) best = i;
  return best;
}
