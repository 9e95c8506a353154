/**
 * ROAD's pixel ordering, exactly as pytorch-grad-cam's RemoveMostRelevantFirst / RemoveLeastRelevantFirst make it:
 * `threshold = np.percentile(mask, p)` over the float32 map, then a pixel is kept where `mask < threshold` (float32
 * comparison) and imputed elsewhere; least-relevant-first applies the same to `1 − map`. So percentile p keeps the p %
 * least relevant pixels (most-relevant-first) — pixels tied at the threshold are removed — and p = 10 removes about 90 %.
 */

/**
 * numpy 2.x `np.percentile(a, q)` (method 'linear') for a float32 array `a` and a Python number q: the virtual index
 * (n − 1)·(q / 100) in float64, then numpy's _lerp in float32 (a + d·γ below γ = 0.5, b − d·(1 − γ) from it on, with
 * d = b − a and the weight rounded to float32). Returns a float32 value.
 */
export function float32Percentile(sortedAscending: Float32Array, q: number): number {
  const n = sortedAscending.length;
  if (n === 0) throw new RangeError('percentile of an empty array');
  if (!(q >= 0 && q <= 100)) throw new RangeError(`Percentiles must be in the range [0, 100], got ${q}`);
  const f = Math.fround;
  const virtual = (n - 1) * (q / 100);
  const lo = Math.min(Math.max(Math.floor(virtual), 0), n - 1);
  const hi = Math.min(lo + 1, n - 1);
  const gamma = virtual - lo;
  const a = sortedAscending[lo], b = sortedAscending[hi];
  const d = f(b - a);
  return gamma >= 0.5 ? f(b - f(d * f(1 - gamma))) : f(a + f(d * f(gamma)));
}

export type RemovalOrder = 'most-relevant-first' | 'least-relevant-first';

/**
 * The kept pixels (1) for one percentile: most-relevant-first keeps `map < percentile(map, p)`, least-relevant-first
 * keeps `1 − map < percentile(1 − map, p)`. `prepared`: rankedValues(cam, order), when several percentiles share it.
 */
export function keptPixels(cam: Float32Array, percentile: number, order: RemovalOrder, prepared?: { values: Float32Array; sorted: Float32Array }): Uint8Array {
  const { values, sorted } = prepared ?? rankedValues(cam, order);
  const threshold = float32Percentile(sorted, percentile);
  const keep = new Uint8Array(values.length);
  for (let p = 0; p < values.length; p++) keep[p] = values[p] < threshold ? 1 : 0;
  return keep;
}

/** The values an order thresholds (the map, or 1 − map) and their ascending copy, for several percentiles at once. */
export function rankedValues(cam: Float32Array, order: RemovalOrder): { values: Float32Array; sorted: Float32Array } {
  const values = order === 'most-relevant-first' ? cam : invert(cam);
  return { values, sorted: Float32Array.from(values).sort() };
}

/** 1 − map in float32, as torch computes `1 - mask`. */
export function invert(cam: Float32Array): Float32Array {
  const out = new Float32Array(cam.length);
  for (let p = 0; p < cam.length; p++) out[p] = 1 - cam[p];
  return out;
}
