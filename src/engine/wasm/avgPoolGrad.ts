import * as tf from '@tensorflow/tfjs';
import { KernelArgs } from './wasmOps';
import { forEachPoolWindow } from './poolWindows';

/**
 * Spreads each dy value evenly over the in-bounds cells of its window. The forward AvgPool (wasm and cpu alike)
 * averages over in-bounds cells only, but the stock gradients (wasm and cpu) always divide by kH*kW, which is
 * wrong wherever a 'same' window overlaps the padding. Plain JS over the wasm heap, channels innermost.
 */
export function avgPoolGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, input } = inputs;
  const { filterSize, strides, pad } = attrs as unknown as tf.AvgPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], filterSize, strides, 1, pad);
  const { inWidth: W, inChannels: C } = info;

  const out = backend.makeOutput(input.shape, 'float32');
  // Views are taken after makeOutput: a malloc can grow (and detach) the wasm heap.
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);
  forEachPoolWindow(info, ({ xBatch, rFrom, rTo, cFrom, cTo, dyBase }) => {
    const count = (rTo - rFrom) * (cTo - cFrom);
    if (count <= 0) return;
    const scale = 1 / count;
    for (let r = rFrom; r < rTo; r++) {
      for (let col = cFrom; col < cTo; col++) {
        const base = xBatch + (r * W + col) * C;
        for (let c = 0; c < C; c++) dx[base + c] += g[dyBase + c] * scale;
      }
    }
  });
  return out;
}
