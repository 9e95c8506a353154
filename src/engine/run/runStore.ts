import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EpochRecord } from '../../shared/engineProtocol';
import { LAB_DIR, RUN_FILES, RUN_LAYOUT_VERSION, RUNS_DIR, runFolderName, toSplitFile, type RunInfo } from '../../shared/runFiles';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic';
import { readHistory, readRunInfo } from './runFiles';
import type { DatasetScan } from '../dataset/scan';
import { splitToRecord, type DatasetSplit } from '../dataset/split';
import type { BackendInfo } from '../backend';
import { engineVersions } from '../versions';
import { RunError } from '../errors';
import { acquireRunLock, type HeldRunLock, type RunLockOptions } from './runLock';
import { claimNewFolder } from '../../shared/node/runFs';

/** `.cxr-lab/runs/<yyyymmdd-hhmmss>-<arch>` under the current directory. */
export function defaultRunDir(arch: string, now = new Date()): string {
  return path.resolve(LAB_DIR, RUNS_DIR, runFolderName(arch, now));
}

/** A new, empty folder for a run without --out: defaultRunDir's, or `-2`, `-3` … when a run of this second has it. */
export async function claimDefaultRunDir(arch: string, now = new Date()): Promise<string> {
  const dir = defaultRunDir(arch, now);
  return claimNewFolder(path.dirname(dir), path.basename(dir));
}

export interface NewRun {
  config: RunInfo['config'];
  scan: DatasetScan;
  split: DatasetSplit;
  backend: BackendInfo;
  model: RunInfo['model'];
  /** The training preset's augmentations (run.json `augmentation`). */
  augmentation?: RunInfo['augmentation'];
}

/** Reads and writes one run directory; every write is atomic so a killed process leaves readable files. */
export class RunStore {
  /** `lock`: run.lock, held while this store trains the run (create, resume). */
  private constructor(readonly dir: string, public info: RunInfo, readonly lock?: HeldRunLock) {}

  static async open(dir: string): Promise<RunStore> {
    const abs = path.resolve(dir);
    const info = await readRunInfo(abs);
    if (!info) throw new RunError(`${abs} is not a CXR Lab run directory (no readable run.json).`);
    return new RunStore(abs, info);
  }

  /** An existing run, to train on: its lock is taken (a live holder is refused with one sentence naming it), run.json re-read under it. */
  static async resume(dir: string, lockOptions: RunLockOptions = {}): Promise<RunStore> {
    const abs = (await RunStore.open(dir)).dir;
    const lock = await acquireRunLock(abs, lockOptions);
    try {
      return new RunStore(abs, (await RunStore.open(abs)).info, lock);
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  /**
   * A new run: the lock first (creating the folder), then the "already holds a run" check and the files, so two
   * processes given one --out cannot both pass the check; the loser is refused with one sentence naming the holder.
   */
  static async create(dir: string, r: NewRun, lockOptions: RunLockOptions = {}): Promise<RunStore> {
    const abs = path.resolve(dir);
    const lock = await acquireRunLock(abs, lockOptions);
    try {
      return await RunStore.createLocked(abs, r, lock);
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  private static async createLocked(abs: string, r: NewRun, lock: HeldRunLock): Promise<RunStore> {
    const exists = await fs.access(path.join(abs, RUN_FILES.run)).then(() => true, () => false);
    if (exists) throw new RunError(`${abs} already holds a run; choose another --out or resume it.`);
    const now = new Date().toISOString();
    const counts = { train: r.split.train.length, val: r.split.val.length, test: r.split.test.length };
    const info: RunInfo = {
      format: RUN_LAYOUT_VERSION, id: path.basename(abs), createdAt: now, updatedAt: now, status: 'running', pid: process.pid,
      config: r.config,
      dataset: { root: r.scan.root, hash: r.scan.hash, layout: r.scan.layout, classes: r.scan.classes, perClass: r.scan.health.perClass, excluded: r.scan.excluded.length },
      split: { groupedBy: r.split.groupedBy, counts, warnings: r.split.warnings },
      model: r.model,
      ...(r.augmentation ? { augmentation: r.augmentation } : {}),
      backend: { name: r.backend.name, threads: r.backend.threads, simd: r.backend.simd },
      versions: engineVersions(),
      epochsDone: 0,
    };
    await writeJsonAtomic(path.join(abs, RUN_FILES.split), toSplitFile(splitToRecord(r.split)));
    await writeFileAtomic(path.join(abs, RUN_FILES.history), '');
    await writeJsonAtomic(path.join(abs, RUN_FILES.run), info);
    return new RunStore(abs, info, lock);
  }

  /** Deletes run.lock if this store holds it; idempotent. */
  async releaseLock(): Promise<void> {
    await this.lock?.release();
  }

  async update(patch: Partial<RunInfo>): Promise<void> {
    this.info = { ...this.info, ...patch, updatedAt: new Date().toISOString() };
    await writeJsonAtomic(path.join(this.dir, RUN_FILES.run), this.info);
  }

  async readHistory(): Promise<EpochRecord[]> {
    return readHistory(this.dir);
  }

  async appendHistory(record: EpochRecord): Promise<void> {
    const rows = (await this.readHistory()).filter((r) => r.epoch < record.epoch);
    await this.writeHistory([...rows, record]);
  }

  /** Drop epochs that a killed process logged but never checkpointed. */
  async truncateHistory(epochsDone: number): Promise<void> {
    await this.writeHistory((await this.readHistory()).filter((r) => r.epoch <= epochsDone));
  }

  private async writeHistory(rows: EpochRecord[]): Promise<void> {
    await writeFileAtomic(path.join(this.dir, RUN_FILES.history), rows.map((r) => JSON.stringify(r) + '\n').join(''));
  }
}

export { readHistory };
