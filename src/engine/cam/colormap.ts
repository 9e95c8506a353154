/**
 * The "jet" colormap (blue -> cyan -> yellow -> red), the one pytorch-grad-cam applies through
 * OpenCV's COLORMAP_JET, as the usual piecewise-linear formula.
 */
export function jet(value: number): [number, number, number] {
  const v = Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0));
  const channel = (centre: number) => Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * v - centre))));
  return [channel(3), channel(2), channel(1)];
}

/** Map values in [0,1] to interleaved RGB bytes. */
export function applyJet(values: ArrayLike<number>): Uint8Array {
  const rgb = new Uint8Array(values.length * 3);
  for (let i = 0; i < values.length; i++) rgb.set(jet(values[i]), i * 3);
  return rgb;
}
