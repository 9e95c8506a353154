/** Short human formats shared by the tree, the status bar and notifications. */

export function formatSeconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '--';
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export const percent = (x: number, digits = 1): string => Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : '--';
export const fixed = (x: number, digits = 3): string => Number.isFinite(x) ? x.toFixed(digits) : '--';
