/** Axis helpers for the charts. Pure: tested under node. */

/** Powers of ten within [min, max] (at least one), for log-axis grid lines. */
export function decades(min: number, max: number): number[] {
  if (!(min > 0) || !(max > 0) || min > max) return [];
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(min) - 1e-9); e <= Math.floor(Math.log10(max) + 1e-9); e++) out.push(Number(`1e${e}`)); // exact, unlike 10 ** -4
  return out.length ? out : [Number(`1e${Math.round(Math.log10(Math.sqrt(min * max)))}`)];
}
