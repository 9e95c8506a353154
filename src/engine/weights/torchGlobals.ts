import { ForbiddenGlobalError, PickleCallable, type PickleHost } from './pickle';
import { STORAGE_DTYPES, TensorRef, type StorageRef, type TorchDType } from './torchStorage';

/**
 * The allow-list of a state-dict pickle: OrderedDict, torch's tensor-rebuild functions and storage classes,
 * each implemented here in TypeScript. Every other global (os.system, builtins.eval, a model class,
 * torch.storage._load_from_bytes, ...) is a ForbiddenGlobalError before anything is applied.
 */

/** `torch.FloatStorage` and friends as a pickle names them: only ever a tag inside a persistent id. */
class StorageType {
  constructor(readonly dtype: TorchDType) {}
}

/** What a persistent id resolves to: wrapped so that only the rebuild functions can accept it. */
class StorageHandle {
  constructor(readonly ref: StorageRef) {}
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isIndexList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every(isIndex);
}

const orderedDict = new PickleCallable('collections.OrderedDict', (args) => {
  const dict = new Map<unknown, unknown>();
  if (args.length === 0) return dict;
  const [pairs] = args;
  if (args.length > 1 || !Array.isArray(pairs)) throw new Error('OrderedDict called with something other than a list of pairs');
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new Error('OrderedDict called with something other than a list of pairs');
    dict.set(pair[0], pair[1]);
  }
  return dict;
});

/** `_rebuild_tensor(storage, offset, size, stride)`; v2 adds requires_grad, hooks and metadata, all ignored. */
function rebuildTensor(name: string, minArgs: number, maxArgs: number): PickleCallable {
  return new PickleCallable(`torch._utils.${name}`, (args) => {
    const [storage, offset, size, stride] = args;
    if (args.length < minArgs || args.length > maxArgs || !(storage instanceof StorageHandle) || !isIndex(offset)
      || !isIndexList(size) || !isIndexList(stride) || size.length !== stride.length) {
      throw new Error(`${name} called with arguments that do not describe a tensor`);
    }
    return new TensorRef(storage.ref, offset, size, stride);
  });
}

/** `_rebuild_parameter(data, requires_grad, backward_hooks)`: an nn.Parameter is its tensor here. */
const rebuildParameter = new PickleCallable('torch._utils._rebuild_parameter', (args) => {
  if (args.length !== 3 || !(args[0] instanceof TensorRef)) throw new Error('_rebuild_parameter called without a tensor');
  return args[0];
});

const REBUILDERS: Record<string, PickleCallable> = {
  _rebuild_tensor: rebuildTensor('_rebuild_tensor', 4, 4),
  _rebuild_tensor_v2: rebuildTensor('_rebuild_tensor_v2', 6, 7),
  _rebuild_parameter: rebuildParameter,
};

/**
 * The pickle host for torch's main pickle. Storages named by persistent ids are recorded in `storages`
 * (by key, in first-use order) for the container to fill with bytes.
 */
export function torchPickleHost(storages: Map<string, StorageRef>): PickleHost {
  return {
    findGlobal(module, name) {
      if (module === 'collections' && name === 'OrderedDict') return orderedDict;
      if (module === 'torch._utils' && Object.hasOwn(REBUILDERS, name)) return REBUILDERS[name];
      if (module === 'torch' && Object.hasOwn(STORAGE_DTYPES, name)) return new StorageType(STORAGE_DTYPES[name]);
      throw new ForbiddenGlobalError(`${module}.${name}`);
    },
    // ('storage', storage_type, key, location, numel) in zip files; legacy ones add view_metadata (None).
    persistentLoad(pid) {
      if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5 || pid.length > 6) {
        throw new Error('a persistent id that is not a torch storage reference');
      }
      const [, type, key, , numel, viewMetadata] = pid;
      if (!(type instanceof StorageType) || typeof key !== 'string' || !isIndex(numel)) {
        throw new Error('a malformed torch storage reference');
      }
      if (viewMetadata !== undefined && viewMetadata !== null) throw new Error(`storage '${key}' is a storage view (torch < 0.4), which is not supported`);
      const known = storages.get(key);
      if (known && known.dtype !== type.dtype) throw new Error(`storage '${key}' is used both as ${known.dtype.name} and ${type.dtype.name}`);
      const ref = known ?? { key, dtype: type.dtype, numel };
      storages.set(key, ref);
      return new StorageHandle(ref);
    },
  };
}
