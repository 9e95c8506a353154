import * as tf from '@tensorflow/tfjs';
import { WasmBackend } from './wasmOps';

/**
 * w [KH,KW,A,B] -> [KH,KW,B,A] flipped in both spatial axes (or [KH,KW,A,B] flipped when swap is false): the
 * filter of the transposed convolution. Done in JS over the wasm heap because stock wasm Reverse runs at
 * ~60 ns/element (140 ms for a 3x3x512x512 filter); this is one pass.
 */
export function flipFilter(backend: WasmBackend, w: tf.TensorInfo, swap: boolean): tf.TensorInfo {
  const [kh, kw, a, b] = w.shape;
  const out = backend.makeOutput(swap ? [kh, kw, b, a] : [kh, kw, a, b], 'float32');
  // Views are taken after makeOutput: a malloc can grow (and detach) the wasm heap.
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const src = backend.typedArrayFromHeap(w) as Float32Array;
  const taps = kh * kw;
  const block = a * b;
  for (let t = 0; t < taps; t++) {
    const from = (taps - 1 - t) * block;
    const to = t * block;
    if (!swap) {
      dst.set(src.subarray(from, from + block), to);
      continue;
    }
    for (let i = 0; i < a; i++) {
      const row = from + i * b;
      for (let j = 0; j < b; j++) dst[to + j * a + i] = src[row + j];
    }
  }
  return out;
}
