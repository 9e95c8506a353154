import * as tf from '@tensorflow/tfjs';
import { KernelArgs } from './wasmOps';
import { forEachPoolWindow } from './poolWindows';

/**
 * Routes each dy value to the first maximum of its pooling window (same tie rule as the cpu backend), skipping
 * padding. Stock wasm starts its running max at the smallest positive float, so a window with no positive
 * value sent its gradient to the wrong element. Plain JS over the wasm heap: one pass, channels innermost.
 */
export function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, input } = inputs;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { inWidth: W, inChannels: C } = info;

  const out = backend.makeOutput(input.shape, 'float32');
  // Views are taken after makeOutput: a malloc can grow (and detach) the wasm heap.
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);
  const best = new Float32Array(C);
  const where = new Int32Array(C);
  forEachPoolWindow(info, ({ xBatch, rFrom, rTo, cFrom, cTo, dyBase }) => {
    best.fill(Number.NEGATIVE_INFINITY);
    where.fill(-1);
    for (let r = rFrom; r < rTo; r++) {
      for (let col = cFrom; col < cTo; col++) {
        const base = xBatch + (r * W + col) * C;
        for (let c = 0; c < C; c++) {
          const v = x[base + c];
          if (v > best[c]) { best[c] = v; where[c] = base + c; }
        }
      }
    }
    for (let c = 0; c < C; c++) if (where[c] >= 0) dx[where[c]] += g[dyBase + c];
  });
  return out;
}
