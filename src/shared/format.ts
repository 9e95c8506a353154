/** Number, duration and path formatting for every side: CLI, extension host, webviews, engine. Pure: tested under node. */

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

/** Why a class of an evaluation shows n/a (eval file: `present: false`); the views print it under their tables. */
export const NOT_PRESENT_NOTE = 'n/a: no image of this class in the evaluated set and never predicted; left out of the averages';

/** A 95 % interval's bounds as "0.894–0.963", or "90.0–96.1%" for a percentage; '' when there is none. */
export function formatInterval(iv: { low: number; high: number } | null | undefined, percent = false): string {
  const low = finite(iv?.low), high = finite(iv?.high);
  if (low === null || high === null) return '';
  return percent ? `${(low * 100).toFixed(1)}–${formatPercent(high)}` : `${formatMetric(low)}–${formatMetric(high)}`;
}

/** "0.933 (0.894–0.963)", "93.3% (90.0–96.1%)": a value with its interval when there is one; 'n/a' for no value. */
export function formatWithInterval(value: number | null | undefined, iv: { low: number; high: number } | null | undefined, percent = false): string {
  if (finite(value) === null) return 'n/a';
  const text = percent ? formatPercent(value) : formatMetric(value);
  const range = formatInterval(iv, percent);
  return range ? `${text} (${range})` : text;
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

/** Learning rates span decades: 3 significant digits, scientific below 0.01 ("1e-4", "2.5e-5", "1e-3", "0.0123"). */
export function formatLr(value: number | null | undefined): string {
  const v = finite(value);
  if (v === null) return DASH;
  const rounded = Number(v.toPrecision(3));
  return rounded !== 0 && Math.abs(rounded) < 1e-2 ? rounded.toExponential() : String(rounded);
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

/** Seconds as "45s", "3m05s", "2h07m" where room is short (status bar, tree, terminal progress); "--" when unknown. */
export function formatDurationShort(seconds: number | null | undefined): string {
  const v = finite(seconds);
  if (v === null) return '--';
  const t = Math.max(0, Math.round(v));
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/** The last path segment, for both / and \ separators. */
export function basename(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** Index of the largest value (first on ties; NaN counts as -Infinity), -1 for an empty list: the predicted class of a row. The only argMax. */
export function argMax(values: readonly number[]): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (best < 0 || (finite(values[i]) ?? -Infinity) > (finite(values[best]) ?? -Infinity)) best = i;
  return best;
}

/** Text safe inside HTML elements and quoted attributes (the report, the webviews' shells). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
