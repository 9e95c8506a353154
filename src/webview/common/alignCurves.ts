/** Curves with their own x values as one uPlot data set. Pure: tested under node. */

/**
 * Several curves, each with its own x values, as one uPlot data set: the union of their points sorted by x (ties
 * keep each curve's own order, so vertical steps survive), each curve null where the others have points. Drawn with
 * spanGaps, every curve then joins its own points in its own order.
 */
export function alignCurves(curves: readonly { x: readonly number[]; y: readonly (number | null)[] }[]): { x: number[]; ys: (number | null)[][] } {
  const points: { x: number; curve: number; i: number }[] = [];
  curves.forEach((c, curve) => c.x.forEach((x, i) => { if (Number.isFinite(x)) points.push({ x, curve, i }); }));
  points.sort((a, b) => a.x - b.x || a.curve - b.curve || a.i - b.i);
  const ys = curves.map(() => new Array<number | null>(points.length).fill(null));
  points.forEach((p, k) => {
    const y = curves[p.curve].y[p.i];
    ys[p.curve][k] = y === null || y === undefined || !Number.isFinite(y) ? null : y;
  });
  return { x: points.map((p) => p.x), ys };
}
