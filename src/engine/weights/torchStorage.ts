/**
 * Torch storages as raw little-endian bytes, and the tensors viewing them (offset, sizes, strides) copied
 * out C-contiguous as float32, which is what every consumer of a state dict here wants.
 */

export interface TorchDType {
  /** torch's name: float32, float16, int64, ... */
  name: string;
  /** Bytes per element. */
  size: number;
  /** Element i of a storage whose bytes start aligned to `size` (typed arrays read host order: little-endian). */
  reader(bytes: Uint8Array): (i: number) => number;
}

/** Every 16-bit pattern's float value, built on first use: a lookup beats decoding 25M halves one by one. */
function table16(decode: (h: number) => number): () => Float32Array {
  let table: Float32Array | undefined;
  return () => (table ??= Float32Array.from({ length: 65536 }, (_, h) => decode(h)));
}

/** IEEE half → float (exact: every half is a float32). */
const halfTable = table16((h) => {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
});

/** bfloat16 is the top half of a float32. */
const bfloat16Table = table16((h) => new Float32Array(new Uint32Array([h << 16]).buffer)[0]);

function view<T>(Typed: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number }, bytes: Uint8Array): T {
  return new Typed(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / Typed.BYTES_PER_ELEMENT));
}

function dtype(name: string, size: number, reader: TorchDType['reader']): TorchDType {
  return { name, size, reader };
}

/** By the storage class a torch pickle names (`torch.FloatStorage`). */
export const STORAGE_DTYPES: Record<string, TorchDType> = {
  FloatStorage: dtype('float32', 4, (b) => { const a = view(Float32Array, b); return (i) => a[i]; }),
  DoubleStorage: dtype('float64', 8, (b) => { const a = view(Float64Array, b); return (i) => a[i]; }),
  HalfStorage: dtype('float16', 2, (b) => { const a = view(Uint16Array, b); const t = halfTable(); return (i) => t[a[i]]; }),
  BFloat16Storage: dtype('bfloat16', 2, (b) => { const a = view(Uint16Array, b); const t = bfloat16Table(); return (i) => t[a[i]]; }),
  LongStorage: dtype('int64', 8, (b) => { const a = view(BigInt64Array, b); return (i) => Number(a[i]); }),
  IntStorage: dtype('int32', 4, (b) => { const a = view(Int32Array, b); return (i) => a[i]; }),
  ShortStorage: dtype('int16', 2, (b) => { const a = view(Int16Array, b); return (i) => a[i]; }),
  CharStorage: dtype('int8', 1, (b) => { const a = view(Int8Array, b); return (i) => a[i]; }),
  ByteStorage: dtype('uint8', 1, (b) => (i) => b[i]),
  BoolStorage: dtype('bool', 1, (b) => (i) => (b[i] ? 1 : 0)),
};

/** One storage of the file: filled with its bytes once the container has found them. */
export interface StorageRef {
  key: string;
  dtype: TorchDType;
  /** Element count the pickle declares. */
  numel: number;
  bytes?: Uint8Array;
}

/** What `_rebuild_tensor_v2` describes: a view into a storage, not yet read. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** Past this, a tensor larger than its storage (an expanded view) is refused rather than allocated. */
const MAX_EXPANDED_ELEMENTS = 2 ** 28;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/** The tensor's values in C order as float32; `label` names it in errors ("<file>: tensor 'fc.weight'"). */
export function tensorValues(t: TensorRef, label: string): Float32Array {
  const { storage, offset, shape, stride } = t;
  const { dtype, bytes } = storage;
  if (!bytes) throw new Error(`${label}: storage '${storage.key}' is missing from the file`);
  const available = Math.floor(bytes.length / dtype.size);
  if (available < storage.numel) {
    throw new Error(`${label}: storage '${storage.key}' holds ${available} ${dtype.name} values, the file declares ${storage.numel} (truncated file?)`);
  }
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel === 0) return new Float32Array(0);
  let last = offset;
  shape.forEach((n, d) => { last += (n - 1) * stride[d]; });
  if (last >= available) {
    throw new Error(`${label}: its view (offset ${offset}, shape [${shape.join(', ')}], stride [${stride.join(', ')}]) reaches element ${last} of a ${available}-element storage`);
  }
  if (numel > available && numel > MAX_EXPANDED_ELEMENTS) {
    throw new Error(`${label}: ${numel} elements from a ${available}-element storage is more than this reader expands`);
  }

  if (!LITTLE_ENDIAN_HOST) throw new Error(`${label}: reading .pth files needs a little-endian machine`);
  if (dtype.name === 'float32' && isContiguous(shape, stride)) {
    const start = bytes.byteOffset + offset * 4;
    // slice() copies into a fresh, aligned buffer.
    return new Float32Array(bytes.buffer.slice(start, start + numel * 4));
  }
  // Typed arrays need aligned offsets; legacy files pack storages at any byte.
  const read = dtype.reader(bytes.byteOffset % dtype.size === 0 ? bytes : bytes.slice());
  const out = new Float32Array(numel);
  if (isContiguous(shape, stride)) {
    for (let i = 0; i < numel; i++) out[i] = read(offset + i);
    return out;
  }
  const index = new Array<number>(shape.length).fill(0);
  let src = offset;
  for (let i = 0; i < numel; i++) {
    out[i] = read(src);
    // Odometer over the C-order index, moving `src` by the strides.
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] += 1;
      src += stride[d];
      if (index[d] < shape[d]) break;
      src -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}
