import * as tf from '@tensorflow/tfjs';
import { useFusedBatchNorm } from './native/fusedBatchNorm';
import { registerFastStep } from './native/stepKernel';
import { nativeLoadReason } from './native/loadError';
import { secondTfjsReason } from './native/oneTfjs';
import { tensorflowBuild } from './native/tensorflowBuild';
import { probeGpu, type TensorflowBuild } from './native/gpuProbe';
import type { GpuReport } from '../shared/engineProtocol';
import { NATIVE_DIR_ENV } from '../shared/node/nativeLibs';
import { availableParallelism } from 'node:os';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

export interface BackendInfo {
  name: BackendName;
  threads: number;
  simd: boolean;
  versions: Record<string, string>;
  /** Candidates that were tried before `name` and failed, best first, each with a one-line reason. */
  tried: { name: string; error: string }[];
  /** Hard cap on tensor memory where the backend has one (the wasm heap). */
  memoryLimitBytes?: number;
  /** tensorflow: which TensorFlow build the addon loaded (gpu: the CUDA one), and the folder it came from when not node_modules. */
  build?: TensorflowBuild;
  native?: string;
  /** tensorflow with a CUDA build: the GPU probe's answer (its summary says what runs where). */
  gpu?: GpuReport;
}

/** emscripten's getHeapMax() in tfjs-backend-wasm 4.22 (32-bit wasm): ~4 GB of tensors at most. */
const WASM_HEAP_MAX_BYTES = 4294901760;

type Attempt = { ok: true; info: Omit<BackendInfo, 'tried'> } | { ok: false; error: string };
interface Candidate { name: string; backend: BackendName; load: () => Promise<Attempt> }

let current: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

/**
 * Picks and initialises the tfjs backend. 'auto' tries, best first: tfjs-node-gpu, tfjs-node (optional
 * dependencies, usually absent), wasm with our training kernels, cpu. An explicit preference that cannot
 * be set up throws a one-line Error. Idempotent: a later call with 'auto' or the same name returns the same info.
 */
export function initBackend(pref: BackendPreference = 'auto'): Promise<BackendInfo> {
  if (current && (pref === 'auto' || pref === current.name)) return Promise.resolve(current);
  if (!pending) {
    pending = select(pref).then(
      (info) => { current = info; pending = undefined; return info; },
      (err: unknown) => { pending = undefined; throw err; },
    );
    return pending;
  }
  // Another init is in flight: wait for it, then re-check against this preference.
  return pending.catch(() => undefined).then(() => initBackend(pref));
}

/** The backend chosen by initBackend, or undefined before it has run. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

async function select(pref: BackendPreference): Promise<BackendInfo> {
  const candidates = CANDIDATES.filter((c) => pref === 'auto' || c.backend === pref);
  const tried: BackendInfo['tried'] = [];
  for (const c of candidates) {
    const attempt = await c.load().catch((err: unknown): Attempt => ({ ok: false, error: oneLine(err) }));
    if (attempt.ok) return { ...attempt.info, tried };
    tried.push({ name: c.name, error: attempt.error });
  }
  const reasons = tried.map((t) => `${t.name}: ${t.error}`).join('; ');
  throw new Error(`Backend '${pref}' is not available (${reasons}). Choose one of: auto, wasm, cpu.`);
}

const CANDIDATES: Candidate[] = [
  { name: 'tfjs-node-gpu', backend: 'tensorflow', load: () => loadNode('@tensorflow/tfjs-node-gpu') },
  { name: 'tfjs-node', backend: 'tensorflow', load: () => loadNode('@tensorflow/tfjs-node') },
  { name: 'wasm', backend: 'wasm', load: loadWasm },
  { name: 'cpu', backend: 'cpu', load: loadCpu },
];

/** Requires an optional native package by literal name, so esbuild leaves it an external runtime require. */
function requireNodeBackend(pkg: string): { version?: Record<string, string> } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return pkg === '@tensorflow/tfjs-node-gpu' ? require('@tensorflow/tfjs-node-gpu') : require('@tensorflow/tfjs-node');
}

async function loadNode(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<Attempt> {
  // libtensorflow logs INFO lines (oneDNN, CPU features) to stderr on first use; keep its warnings and errors.
  process.env['TF_CPP_MIN_LOG_LEVEL'] ??= '1';
  let second: string | undefined;
  try {
    second = secondTfjsReason(pkg);
  } catch {
    // Not installed: the require below says so in Node's words.
  }
  if (second) return { ok: false, error: second };
  let mod: ReturnType<typeof requireNodeBackend>;
  try {
    mod = requireNodeBackend(pkg);
  } catch (err) {
    return { ok: false, error: nativeLoadReason(pkg, err) };
  }
  // The one-tfjs check, after the fact: tfjs-node's backend must be registered in the engine's own tfjs-core.
  if (!tf.findBackendFactory('tensorflow')) return { ok: false, error: `${pkg} loaded but registered its backend in another copy of tfjs-core than the engine's` };
  if (!(await tf.setBackend('tensorflow'))) return { ok: false, error: `${pkg} loaded but the 'tensorflow' backend failed to initialise` };
  registerFastStep();
  useFusedBatchNorm();
  const short = pkg.replace('@tensorflow/', '');
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
  return {
    ok: true,
    info: {
      name: 'tensorflow',
      // TensorFlow's intra-op pool: TF_NUM_INTRAOP_THREADS, else one thread per schedulable CPU.
      threads: Number(process.env['TF_NUM_INTRAOP_THREADS']) || availableParallelism(),
      simd: true,
      versions: {
        ...baseVersions(),
        [short]: mod.version?.[short] ?? mod.version?.['tfjs-node'] ?? 'unknown',
        tensorflow: binding?.TF_Version ?? 'unknown',
      },
      ...(await nativeBuildInfo(pkg)),
    },
  };
}

/** Which TensorFlow build the addon runs on and, for the CUDA one, whether a GPU is usable (logged once: why not). */
async function nativeBuildInfo(pkg: string): Promise<Pick<BackendInfo, 'build' | 'native' | 'gpu'>> {
  const build = tensorflowBuild(pkg);
  const native = process.env[NATIVE_DIR_ENV] || undefined;
  if (build !== 'gpu') return { build, native };
  const gpu = await probeGpu({ build });
  if (!gpu.usable) console.error(`cxr-lab: ${gpu.summary}`);
  return { build, native, gpu };
}

async function loadWasm(): Promise<Attempt> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { registerWasmTrainingKernels } = await import('./wasm');
  registerWasmTrainingKernels();
  const ok = await withoutEmscriptenProcessHandlers(() => tf.setBackend('wasm'));
  if (!ok) return { ok: false, error: 'tf.setBackend(\'wasm\') failed (are the .wasm files beside tfjs-backend-wasm?)' };
  return {
    ok: true,
    info: {
      name: 'wasm',
      // Stock tfjs-backend-wasm never starts threads under Node (its worker comes from a blob: URL).
      threads: Math.max(1, wasm.getThreadsCount()),
      simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
      versions: { ...baseVersions(), 'tfjs-backend-wasm': wasm.version_wasm },
      memoryLimitBytes: WASM_HEAP_MAX_BYTES,
    },
  };
}

async function loadCpu(): Promise<Attempt> {
  if (!(await tf.setBackend('cpu'))) return { ok: false, error: 'tf.setBackend(\'cpu\') failed' };
  silenceCpuBanner();
  return {
    ok: true,
    info: { name: 'cpu', threads: 1, simd: false, versions: { ...baseVersions(), 'tfjs-backend-cpu': tf.version_cpu } },
  };
}

/**
 * The emscripten glue in tfjs-backend-wasm adds process 'uncaughtException'/'unhandledRejection' handlers that
 * rethrow from inside its minified file, so every crash prints a multi-kilobyte source line and overrides the
 * application's own handlers. Node's defaults already crash on both, so the added handlers are removed.
 */
async function withoutEmscriptenProcessHandlers<T>(init: () => Promise<T>): Promise<T> {
  const events = ['uncaughtException', 'unhandledRejection'];
  const emitter: NodeJS.EventEmitter = process;
  const before = events.map((e) => new Set(emitter.listeners(e)));
  try {
    return await init();
  } finally {
    events.forEach((e, i) => {
      for (const l of emitter.listeners(e)) {
        if (!before[i]!.has(l)) emitter.removeListener(e, l as (...args: unknown[]) => void);
      }
    });
  }
}

/**
 * tfjs-backend-cpu prints a "Hi, looks like you are running TensorFlow.js in Node.js" banner (console.warn,
 * stderr) on its first tensor write, guarded by the instance's `firstUse` flag. Clearing that flag silences
 * only this banner; tf.enableProdMode() would hide every other tfjs warning too.
 */
function silenceCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | undefined;
  if (cpu && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
}

function baseVersions(): Record<string, string> {
  return { 'tfjs-core': tf.version_core, tfjs: tf.version.tfjs, node: process.versions.node };
}

function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.trim();
}
