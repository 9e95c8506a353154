import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Dataset, File as H5File, Group } from 'h5wasm';
import type { RawTensor } from './assign';

/**
 * Keras .h5 weights reader (h5wasm). Two layouts carry the same per-layer groups:
 * - weights-only, as Keras Applications ship them (`model.save_weights('x.h5')`): the root has the
 *   attribute `layer_names`;
 * - full model (`model.save('x.h5')`): the same below the `model_weights` group.
 * Each layer group has `weight_names` (paths relative to the group, `conv1/conv/kernel:0`), in the order
 * of `layer.get_weights()`. Layer names may contain '/' (`conv1/conv`), which HDF5 stores as nested
 * groups; looking them up by path resolves that.
 */

/** A tensor of a Keras layer with its Keras weight name (`conv1/conv/kernel:0`, `block_1_expand/kernel`). */
export interface KerasTensor extends RawTensor {
  name: string;
}

/** Per Keras layer name, its tensors in `weight_names` order; layers without weights are left out. */
export type KerasWeights = Map<string, KerasTensor[]>;

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

type H5Module = typeof import('h5wasm/node');

let h5wasmModule: Promise<H5Module> | undefined;

/** h5wasm is ESM-only with an async wasm start-up: a dynamic import keeps our CJS bundles working. */
function loadH5wasm(): Promise<H5Module> {
  h5wasmModule ??= import('h5wasm/node').then(async (m) => {
    const mod = ((m as unknown as { default?: H5Module }).default ?? m) as H5Module;
    await mod.ready;
    return mod;
  });
  return h5wasmModule;
}

/**
 * HDF5's signature sits at byte 0, or after a user block at 512, 1024, 2048, ... Checked here because
 * h5wasm does not throw on a non-HDF5 file: it returns an invalid handle and prints a C stack trace.
 */
export async function hasHdf5Signature(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`Cannot open weights file ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}.`);
  });
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(8);
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      await handle.read(head, 0, 8, offset);
      if (head.equals(HDF5_SIGNATURE)) return true;
      if (offset >= 1 << 20) break;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/** A string-array attribute, also when Keras split it into `name0`, `name1`, ... (over HDF5's 64 KB header limit). */
function stringListAttribute(group: Group, name: string): string[] | undefined {
  const attrs = group.attrs;
  const parts = name in attrs ? [attrs[name]] : [];
  if (parts.length === 0) for (let i = 0; `${name}${i}` in attrs; i++) parts.push(attrs[`${name}${i}`]);
  if (parts.length === 0) return undefined;
  return parts.flatMap((attr) => {
    const v = attr.value;
    // h5py stores an empty list as a 0-length float64 array (Keras 3 does so for layers without weights)
    if (ArrayBuffer.isView(v) && (v as ArrayLike<number>).length === 0) return [];
    return (Array.isArray(v) ? v : [v]).map((item) => {
      if (typeof item === 'string') return item;
      if (item instanceof Uint8Array) return Buffer.from(item).toString('utf8');
      throw new Error(`attribute '${name}' holds ${typeof item} values, not strings`);
    });
  });
}

function readTensor(group: Group, layer: string, weightName: string): KerasTensor {
  const entity = group.get(weightName);
  if (!entity || !('shape' in entity) || !('dtype' in entity)) {
    throw new Error(`layer '${layer}' lists weight '${weightName}' but the file has no such dataset`);
  }
  const dataset = entity as Dataset;
  const shape = dataset.shape ?? [];
  const value = dataset.value;
  let values: Float32Array;
  if (value instanceof Float32Array) values = value;
  else if (value instanceof Float64Array) values = Float32Array.from(value);
  else throw new Error(`weight '${weightName}' of layer '${layer}' has dtype ${String(dataset.dtype)}, expected float32`);
  return { name: weightName, shape, values };
}

/** The group holding the layer groups and `layer_names`: the root (weights-only file) or `model_weights`. */
function weightsRoot(f: H5File): Group | undefined {
  if (stringListAttribute(f, 'layer_names')) return f;
  const inner = f.get('model_weights');
  if (inner && 'keys' in inner && stringListAttribute(inner as Group, 'layer_names')) return inner as Group;
  return undefined;
}

/** Reads every layer's weights of a Keras .h5 (weights-only or full model file). */
export async function readKerasH5(file: string): Promise<KerasWeights> {
  if (!(await hasHdf5Signature(file))) throw new Error(`${file} is not an HDF5 file (expected a Keras .h5 weights file).`);
  const h5 = await loadH5wasm();
  const f = new h5.File(path.resolve(file), 'r');
  if (f.file_id < 0n) throw new Error(`${file}: the HDF5 library could not open it (damaged or truncated file?).`);
  try {
    const root = weightsRoot(f);
    if (!root) {
      throw new Error(`${file} is an HDF5 file but not a Keras weights file (no 'layer_names' attribute at the root or in 'model_weights').`);
    }
    const weights: KerasWeights = new Map();
    for (const layer of stringListAttribute(root, 'layer_names')!) {
      const group = root.get(layer);
      if (!group || !('keys' in group)) throw new Error(`layer '${layer}' is listed in layer_names but has no group`);
      const names = stringListAttribute(group as Group, 'weight_names') ?? [];
      if (names.length === 0) continue;
      weights.set(layer, names.map((n) => readTensor(group as Group, layer, n)));
    }
    return weights;
  } catch (err) {
    const msg = (err as Error).message;
    throw msg.includes(file) ? err : new Error(`${file}: ${msg}.`);
  } finally {
    f.close();
  }
}
