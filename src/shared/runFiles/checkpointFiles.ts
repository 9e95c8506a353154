/**
 * Which folder holds a run's best or last checkpoint, whether a copy of one is complete, whether its weights files
 * have the size model.json says, and which temporaries of a run are stale. Pure decisions over an injected file
 * system (no node imports, like readers.ts): the engine (src/engine/run/runFiles.ts) and the extension
 * (src/extension/runs/runFiles.ts) bind it to node:fs; only the engine ever renames or removes anything.
 *
 * How a checkpoint is written (src/engine/run/checkpoint.ts, src/engine/io/atomic.ts): every file into
 * `checkpoints/<name>.tmp-<pid>-<ms>`, meta.json last; then `<name>` → `<name>.old-<pid>-<ms>`, the temp folder →
 * `<name>`, and the old one removed. So a copy (`.tmp-*` or `.old-*`) is complete when meta.json is there and every
 * other file it needs is whole — a crash between the two renames leaves no `<name>` but one or two complete copies,
 * and the newest complete one (highest epoch) stands in for it.
 * A single file is written as `<file>.<pid>.<ms>.tmp` and renamed over `<file>`.
 */
import type { CheckpointMeta } from './checkpoint';
import { RUN_FILES, type CheckpointName } from './layout';
import { parseCheckpointMeta, parseOptimizerFile, parseTrainerState } from './parse';

/** The folder of a run that holds the checkpoint folders. */
export const CHECKPOINTS_DIR = 'checkpoints';
/** The weights file our checkpoints' model.json lists. */
export const WEIGHTS_FILE = 'weights.bin';
export const MODEL_JSON = 'model.json';

export interface CheckpointFs {
  /** Names in a folder; an empty list when the folder does not exist. */
  list(dir: string): Promise<string[]>;
  /** The file's text, or undefined when it does not exist. */
  readText(file: string): Promise<string | undefined>;
  /** The file's size in bytes, or undefined when it does not exist. */
  size(file: string): Promise<number | undefined>;
  join(...parts: string[]): string;
}

/** A temporary left by an atomic write: its kind, what it replaces, and the writer's pid and time (ms). */
export interface TempName { kind: 'dir-tmp' | 'dir-old' | 'file-tmp'; base: string; pid: number; time: number }

export const dirTempName = (base: string, kind: 'tmp' | 'old', pid: number, time: number): string => `${base}.${kind}-${pid}-${time}`;
export const fileTempName = (base: string, pid: number, time: number): string => `${base}.${pid}.${time}.tmp`;

export function parseTempName(name: string): TempName | undefined {
  const dir = /^(.+)\.(tmp|old)-(\d+)-(\d+)$/.exec(name);
  if (dir) return { kind: dir[2] === 'tmp' ? 'dir-tmp' : 'dir-old', base: dir[1], pid: Number(dir[3]), time: Number(dir[4]) };
  const file = /^(.+)\.(\d+)\.(\d+)\.tmp$/.exec(name);
  if (file) return { kind: 'file-tmp', base: file[1], pid: Number(file[2]), time: Number(file[3]) };
  return undefined;
}

/**
 * A temporary is stale unless a process other than this one is alive with its pid on this host (that one may still
 * be writing it). One with this process's own pid was left by an earlier process that had the same pid (containers
 * reuse low pids): callers only ask before they write anything themselves.
 */
export function isStaleTemp(t: Pick<TempName, 'pid'>, ownPid: number, alive: (pid: number) => boolean): boolean {
  return t.pid === ownPid || !alive(t.pid);
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2, int8: 1, int16: 2 };

interface ManifestWeight { name?: string; shape: number[]; dtype: string; quantization?: { dtype?: string } }
interface ManifestGroup { paths: string[]; weights: ManifestWeight[] }

/** Bytes a list of tfjs weight specs takes in its binary file: Σ (product of the shape) × bytes of the (quantized) dtype. */
export function weightsBytes(weights: readonly ManifestWeight[]): number {
  let total = 0;
  for (const w of weights) {
    const dtype = w.quantization?.dtype ?? w.dtype;
    const bytes = DTYPE_BYTES[dtype];
    if (bytes === undefined) throw new Error(`weights of dtype ${dtype} have no fixed size`);
    total += w.shape.reduce((a, b) => a * b, 1) * bytes;
  }
  return total;
}

/** A weights file that cannot be loaded: missing, or not the size its manifest needs. */
export interface WeightsProblem {
  kind: 'missing' | 'unreadable' | 'truncated' | 'oversized';
  file: string;
  size?: number;
  expected?: number;
  detail?: string;
}

/** "<file> is truncated (N of M bytes)" and the like: the first half of an error sentence. */
export function describeWeightsProblem(p: WeightsProblem): string {
  switch (p.kind) {
    case 'missing': return `${p.file} is missing`;
    case 'unreadable': return `${p.file} cannot be read${p.detail ? ` (${p.detail})` : ''}`;
    case 'truncated': return `${p.file} is truncated (${p.size} of ${p.expected} bytes)`;
    case 'oversized': return `${p.file} is larger than its manifest says (${p.size} bytes, ${p.expected} expected)`;
  }
}

/**
 * model.json of a folder and the weights files its manifest lists, checked against the sizes the manifest implies
 * (files of one group hold the group's weights back to back). Undefined when they can be loaded.
 */
export async function checkWeightsFiles(dir: string, fs: CheckpointFs): Promise<WeightsProblem | undefined> {
  const modelJson = fs.join(dir, MODEL_JSON);
  const text = await fs.readText(modelJson);
  if (text === undefined) return { kind: 'missing', file: modelJson };
  let groups: ManifestGroup[];
  try {
    const parsed = JSON.parse(text) as { weightsManifest?: unknown };
    if (!Array.isArray(parsed.weightsManifest)) throw new Error('no weightsManifest');
    groups = parsed.weightsManifest as ManifestGroup[];
  } catch (e) {
    return { kind: 'unreadable', file: modelJson, detail: (e as Error).message };
  }
  for (const group of groups) {
    let expected: number;
    try {
      expected = weightsBytes(group.weights ?? []);
    } catch (e) {
      return { kind: 'unreadable', file: modelJson, detail: (e as Error).message };
    }
    let size = 0;
    for (const p of group.paths ?? []) {
      const file = fs.join(dir, p);
      const s = await fs.size(file);
      if (s === undefined) return { kind: 'missing', file };
      size += s;
    }
    const file = fs.join(dir, (group.paths ?? []).at(-1) ?? WEIGHTS_FILE);
    if (size < expected) return { kind: 'truncated', file, size, expected };
    if (size > expected) return { kind: 'oversized', file, size, expected };
  }
  return undefined;
}

/** Complete: meta.json (written last) and everything the checkpoint needs to load — and for `last`, to resume. */
export async function checkCheckpointCopy(dir: string, which: CheckpointName, fs: CheckpointFs):
  Promise<{ complete: true; meta: CheckpointMeta } | { complete: false; reason: string }> {
  const read = async <T>(name: string, parse: (text: string, file: string) => T): Promise<T | string> => {
    const file = fs.join(dir, name);
    const text = await fs.readText(file);
    if (text === undefined) return `${name} is missing`;
    try {
      return parse(text, file);
    } catch (e) {
      return (e as Error).message;
    }
  };
  const meta = await read(RUN_FILES.meta, parseCheckpointMeta);
  if (typeof meta === 'string') return { complete: false, reason: meta };
  const weights = await checkWeightsFiles(dir, fs);
  if (weights) return { complete: false, reason: describeWeightsProblem(weights) };
  if (which === 'last') {
    const state = await read(RUN_FILES.trainer, parseTrainerState);
    if (typeof state === 'string') return { complete: false, reason: state };
    const optimizer = await read(RUN_FILES.optimizer, parseOptimizerFile);
    if (typeof optimizer === 'string') return { complete: false, reason: optimizer };
    const binaries = [{ name: RUN_FILES.optimizerWeights, specs: optimizer.specs },
      ...(state.averaging ? [{ name: RUN_FILES.trainingWeights, specs: state.averaging.specs }] : [])];
    for (const { name, specs } of binaries) {
      const size = await fs.size(fs.join(dir, name));
      let expected: number;
      try {
        expected = weightsBytes(specs);
      } catch (e) {
        return { complete: false, reason: (e as Error).message };
      }
      if (size !== expected) return { complete: false, reason: `${name} has ${size ?? 'no'} bytes, ${expected} expected` };
    }
  }
  return { complete: true, meta };
}

export interface CheckpointLocation {
  which: CheckpointName;
  /** The folder to read the checkpoint from: checkpoints/<which>, or a complete copy standing in for it. */
  dir: string;
  /** Set when checkpoints/<which> is missing and a complete copy left by an interrupted swap stands in for it. */
  recovered?: { name: string; epoch: number; pid: number; meta: CheckpointMeta };
  /** The one line to show when `recovered` is set. */
  note?: string;
}

export const recoveryNote = (which: CheckpointName, name: string, epoch: number): string =>
  `${CHECKPOINTS_DIR}/${which} was being replaced when the run stopped; using the complete copy ${name} (epoch ${epoch})`;

/**
 * Where a run's best or last checkpoint is: its own folder when it exists (complete by construction: it is renamed
 * into place only once written), else the newest complete `<which>.tmp-*` / `<which>.old-*` copy, else undefined.
 */
export async function locateCheckpoint(runDir: string, which: CheckpointName, fs: CheckpointFs): Promise<CheckpointLocation | undefined> {
  const base = fs.join(runDir, CHECKPOINTS_DIR);
  const names = await fs.list(base);
  if (names.includes(which)) return { which, dir: fs.join(base, which) };
  let best: { name: string; temp: TempName; meta: CheckpointMeta } | undefined;
  for (const name of names) {
    const temp = parseTempName(name);
    if (!temp || temp.kind === 'file-tmp' || temp.base !== which) continue;
    const check = await checkCheckpointCopy(fs.join(base, name), which, fs);
    if (!check.complete) continue;
    const newer = !best || check.meta.epoch > best.meta.epoch || (check.meta.epoch === best.meta.epoch && temp.time > best.temp.time);
    if (newer) best = { name, temp, meta: check.meta };
  }
  if (!best) return undefined;
  return {
    which, dir: fs.join(base, best.name),
    recovered: { name: best.name, epoch: best.meta.epoch, pid: best.temp.pid, meta: best.meta },
    note: recoveryNote(which, best.name, best.meta.epoch),
  };
}
