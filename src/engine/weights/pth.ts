import { promises as fs } from 'node:fs';
import { unzipSync } from 'fflate';
import type { RawTensor } from './assign';
import { ForbiddenGlobalError, unpickle, type PickleHost } from './pickle';
import { torchPickleHost } from './torchGlobals';
import { tensorValues, TensorRef, type StorageRef } from './torchStorage';

/**
 * Reads a PyTorch state dict (`torch.save(model.state_dict())`, torchvision's ImageNet weights) without
 * executing anything: the pickle is interpreted by our restricted unpickler, whose only callables are
 * OrderedDict and torch's tensor-rebuild functions, implemented here. Both of torch's file formats:
 *  - zip (torch >= 1.6): `<archive>/data.pkl` plus one `<archive>/data/<key>` entry per storage;
 *  - legacy (torch < 1.6): magic number, protocol, sys_info and main pickles, the storage key list,
 *    then each storage as an int64 element count and its bytes.
 * Values come back as float32, C-contiguous, in torch's layout; keys in file order.
 */
export async function readTorchStateDict(file: string): Promise<Map<string, RawTensor>> {
  const bytes = await fs.readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`Cannot open weights file ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}.`);
  });
  return readTorchStateDictBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
}

/** As readTorchStateDict, from bytes in memory; `name` is what errors call the file. */
export function readTorchStateDictBytes(bytes: Uint8Array, name = 'the .pth data'): Map<string, RawTensor> {
  try {
    const root = isZip(bytes) ? readZip(bytes) : readLegacy(bytes);
    return materialise(stateDictOf(root), name);
  } catch (err) {
    if (err instanceof ForbiddenGlobalError) {
      throw new Error(`Refusing to load ${name}: its pickle references '${err.qualifiedName}', which a state dict never needs (only tensors and OrderedDict are allowed).`, { cause: err });
    }
    const message = (err as Error).message;
    throw new Error(message.startsWith(name) ? message : `Cannot read ${name} as a PyTorch state dict: ${message}.`, { cause: err });
  }
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Deflate expands at most ~1032:1; a header claiming more is corrupt or a zip bomb, not torch's (which stores). */
function checkEntrySize(entry: { name: string; size: number; originalSize: number; compression: number }): boolean {
  if (entry.compression !== 0 && entry.originalSize > 1032 * entry.size + 65536) {
    throw new Error(`entry ${entry.name} claims ${entry.originalSize} bytes from ${entry.size} compressed`);
  }
  return true;
}

function readZip(bytes: Uint8Array): unknown {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: checkEntrySize });
  } catch (err) {
    throw new Error(`it starts like a zip archive but cannot be unpacked (${(err as Error).message}; truncated file?)`, { cause: err });
  }
  // The archive folder is named after the file torch.save wrote: `resnet18-f37072fd/data.pkl`.
  const pickles = Object.keys(entries).filter((n) => n === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    throw new Error(pickles.length === 0 ? 'the zip archive has no data.pkl, so it is not a torch.save file' : `the zip archive has ${pickles.length} data.pkl files`);
  }
  const prefix = pickles[0].slice(0, -'data.pkl'.length);
  const byteorder = entries[`${prefix}byteorder`];
  if (byteorder && Buffer.from(byteorder).toString('latin1') !== 'little') {
    throw new Error(`its storages are ${Buffer.from(byteorder).toString('latin1')}-endian; only little-endian files are supported`);
  }
  const storages = new Map<string, StorageRef>();
  const root = unpickle(entries[pickles[0]], torchPickleHost(storages)).value;
  for (const ref of storages.values()) ref.bytes = entries[`${prefix}data/${ref.key}`];
  return root;
}

function readLegacy(bytes: Uint8Array): unknown {
  if (bytes.length < 2 || bytes[0] !== 0x80) throw new Error('it is neither a zip archive nor a pickle');
  const plain: PickleHost = {
    findGlobal: (module, name) => { throw new ForbiddenGlobalError(`${module}.${name}`); },
    persistentLoad: () => { throw new Error('a persistent id outside the main pickle'); },
  };
  const magic = unpickle(bytes, plain, 0);
  if (magic.value !== LEGACY_MAGIC) throw new Error('it is a pickle without torch\'s magic number, so not a torch.save file');
  const protocol = unpickle(bytes, plain, magic.end);
  if (protocol.value !== LEGACY_PROTOCOL) throw new Error(`legacy torch protocol ${String(protocol.value)}, expected ${LEGACY_PROTOCOL}`);
  const sysInfo = unpickle(bytes, plain, protocol.end);
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) {
    throw new Error('its storages are big-endian; only little-endian files are supported');
  }
  const storages = new Map<string, StorageRef>();
  const main = unpickle(bytes, torchPickleHost(storages), sysInfo.end);
  const keys = unpickle(bytes, plain, main.end);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw new Error('the storage key list after the main pickle is not a list of strings');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keys.end;
  for (const key of keys.value as string[]) {
    const ref = storages.get(key);
    if (!ref) throw new Error(`storage '${key}' is listed but no tensor uses it`);
    if (pos + 8 > bytes.length) throw new Error(`the file ends before storage '${key}' (truncated file?)`);
    const numel = Number(view.getBigInt64(pos, true));
    const end = pos + 8 + numel * ref.dtype.size;
    if (numel < 0 || end > bytes.length) throw new Error(`the file ends inside storage '${key}' (truncated file?)`);
    ref.bytes = bytes.subarray(pos + 8, end);
    pos = end;
  }
  return main.value;
}

function isTensorDict(v: unknown): v is Map<unknown, TensorRef> {
  return v instanceof Map && v.size > 0 && [...v.values()].every((t) => t instanceof TensorRef);
}

/** The dict of tensors itself, or the one under `state_dict` / `model` of a training checkpoint. */
function stateDictOf(root: unknown): Map<unknown, TensorRef> {
  if (!(root instanceof Map)) throw new Error(`it holds ${Array.isArray(root) ? 'a list' : typeof root}, not a dict of tensors`);
  if (isTensorDict(root)) return root;
  const inner = ['state_dict', 'model'].filter((k) => isTensorDict(root.get(k)));
  if (inner.length === 1) return root.get(inner[0]) as Map<unknown, TensorRef>;
  if (inner.length > 1) throw new Error("it holds both 'state_dict' and 'model' dicts of tensors; which one to load is ambiguous");
  const notTensor = [...root.entries()].find(([, v]) => !(v instanceof TensorRef));
  const keys = [...root.keys()].slice(0, 5).map((k) => `'${String(k)}'`).join(', ');
  throw new Error(root.size === 0
    ? 'it holds an empty dict'
    : `it is not a state dict: '${String(notTensor?.[0])}' is not a tensor, and no 'state_dict' or 'model' entry is a dict of tensors (keys: ${keys}${root.size > 5 ? ', ...' : ''})`);
}

function materialise(dict: Map<unknown, TensorRef>, name: string): Map<string, RawTensor> {
  const out = new Map<string, RawTensor>();
  for (const [key, t] of dict) {
    if (typeof key !== 'string') throw new Error(`${name}: state dict key ${String(key)} is not a string`);
    out.set(key, { shape: [...t.shape], values: tensorValues(t, `${name}: tensor '${key}'`) });
  }
  return out;
}
