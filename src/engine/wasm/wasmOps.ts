import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm our kernels use (kept structural so no type import is needed). */
export interface WasmBackend {
  disposeData(dataId: object, force?: boolean): boolean;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** What tfjs passes a kernel, with the inputs a kernel declares assumed present (tfjs validates them). */
export interface KernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: WasmBackend;
  attrs: Record<string, unknown>;
}

export type Pair = [number, number];
export type ExplicitPad = [[0, 0], Pair, Pair, [0, 0]];

/**
 * Runs stock wasm kernels at the backend level (no tf.Tensor objects, no engine bookkeeping) and frees every
 * intermediate it produced, so a composed kernel leaves only its own output behind.
 */
export class WasmScratch {
  private readonly owned: tf.TensorInfo[] = [];

  constructor(readonly backend: WasmBackend) {}

  run(kernelName: string, inputs: Record<string, tf.TensorInfo>, attrs: object = {}): tf.TensorInfo {
    const kernel = tf.getKernel(kernelName, 'wasm');
    if (!kernel) throw new Error(`wasm kernel ${kernelName} is not registered`);
    const out = kernel.kernelFunc({ inputs, backend: this.backend as unknown as tf.KernelBackend, attrs: attrs as tf.NamedAttrMap });
    if (Array.isArray(out)) throw new Error(`wasm kernel ${kernelName} returned several outputs`);
    this.owned.push(out);
    return out;
  }

  /** Adopts a tensor made outside `run` (e.g. by a JS kernel) so dispose() frees it too. */
  track(t: tf.TensorInfo): tf.TensorInfo {
    this.owned.push(t);
    return t;
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  slice(x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  sum(x: tf.TensorInfo, axis: number): tf.TensorInfo {
    return this.run('Sum', { x }, { axis: [axis], keepDims: false });
  }

  /** Takes `t` out of the scratch list: it becomes the caller's (the kernel's output). */
  keep(t: tf.TensorInfo): tf.TensorInfo {
    const i = this.owned.lastIndexOf(t);
    if (i >= 0) this.owned.splice(i, 1);
    return t;
  }

  /** Frees all intermediates. Reshape outputs share their input's data and only drop a reference. */
  dispose(): void {
    for (const t of this.owned) this.backend.disposeData(t.dataId);
    this.owned.length = 0;
  }
}

/** Runs `body` with a scratch and always frees its intermediates, keeping only the returned tensor. */
export function withScratch(backend: WasmBackend, body: (s: WasmScratch) => tf.TensorInfo): tf.TensorInfo {
  const scratch = new WasmScratch(backend);
  try {
    return scratch.keep(body(scratch));
  } finally {
    scratch.dispose();
  }
}

export function pair(v: number | number[] | undefined, fallback = 1): Pair {
  if (v == null) return [fallback, fallback];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

export function explicitPad(top: number, bottom: number, left: number, right: number): ExplicitPad {
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}

export function assertNoDilation(kernelName: string, dilations: number | number[] | undefined): void {
  const [dh, dw] = pair(dilations);
  if (dh !== 1 || dw !== 1) throw new Error(`${kernelName} on wasm: dilations ${dh}x${dw} are not supported (tfjs gradients require 1)`);
}

export function assertChannelsLast(kernelName: string, dataFormat: string | undefined): void {
  if (dataFormat != null && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernelName} on wasm supports NHWC only, got ${dataFormat}`);
  }
}
