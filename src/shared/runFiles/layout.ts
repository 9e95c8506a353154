/**
 * Names of the run directory: where runs live, what each file is called, how a new run's folder is named.
 * Plain constants, no imports: the engine, the CLI, the extension and the tests all spell them from here.
 */

/**
 * Version of the run-directory layout, written as `format` into every JSON file the engine writes there.
 * A file without `format` (written before it was added everywhere) is format 1; a newer one is refused.
 */
export const RUN_LAYOUT_VERSION = 1 as const;
export type RunLayoutVersion = typeof RUN_LAYOUT_VERSION;

/** The workspace folder CXR Lab writes into, and its folder of runs. */
export const LAB_DIR = '.cxr-lab';
export const RUNS_DIR = 'runs';
/** `.cxr-lab/runs` with forward slashes, for glob patterns; join LAB_DIR and RUNS_DIR with path.join for files. */
export const RUNS_PATH = `${LAB_DIR}/${RUNS_DIR}`;

export const CHECKPOINT_NAMES = ['best', 'last'] as const;
/** `best`: lowest validation loss so far; `last`: the latest finished epoch, with optimizer and trainer state to resume. */
export type CheckpointName = (typeof CHECKPOINT_NAMES)[number];

/** Paths relative to the run directory (checkpoint files relative to their checkpoint folder). */
export const RUN_FILES = {
  run: 'run.json',
  split: 'split.json',
  history: 'history.jsonl',
  best: 'checkpoints/best',
  last: 'checkpoints/last',
  eval: 'eval',
  cams: 'cams',
  /** The shortcut audits: audit/<split>[-<method>].json and the gallery's overlays (audit.ts). */
  audit: 'audit',
  log: 'train.log',
  /** Held while a process trains the run (pid, host, start time); see lock.ts. */
  lock: 'run.lock',
  /** In each checkpoint folder. */
  meta: 'meta.json',
  /** In checkpoints/last only. */
  trainer: 'trainer.json',
  optimizer: 'optimizer.json',
  optimizerWeights: 'optimizer.bin',
  /** In checkpoints/last of a run with weight averaging: the (not averaged) weights training continues from. */
  trainingWeights: 'training-weights.bin',
} as const;

/** `yyyymmdd-hhmmss` in UTC. */
export function runStamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/**
 * A new run's folder name under .cxr-lab/runs: `<yyyymmdd-hhmmss>-<arch>[-seed<k>][-fold<i>]`. Two runs started in the
 * same second get `-2`, `-3` … (claimNewFolder in src/shared/node/runFs.ts), so names never collide.
 */
export function runFolderName(arch: string, now = new Date(), o: { seed?: number; fold?: number } = {}): string {
  return `${runStamp(now)}-${arch}${o.seed === undefined ? '' : `-seed${o.seed}`}${o.fold === undefined ? '' : `-fold${o.fold}`}`;
}

/** The n-th candidate for a folder name that may be taken: the name itself, then `<name>-2`, `<name>-3` … */
export function numberedFolderName(name: string, n: number): string {
  return n <= 1 ? name : `${name}-${n}`;
}
