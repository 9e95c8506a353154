/**
 * Reads and writes one sweep folder's sweep.json (src/shared/runFiles/sweep.ts), atomically, while holding the sweep's
 * lock (run.lock in the sweep folder, the run lock of src/engine/run/runLock.ts): one runner per sweep.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUN_FILES, RUN_LAYOUT_VERSION, SWEEP_FILES, type SweepFile, type SweepMember } from '../../shared/runFiles';
import { writeJsonAtomic } from '../io/atomic';
import { RunError } from '../errors';
import { acquireRunLock, type HeldRunLock, type RunLockOptions } from '../run/runLock';
import { readSweepFile } from '../run/runFiles';

/** What a new sweep.json holds besides the bookkeeping fields. */
export type NewSweep = Pick<SweepFile, 'dataset' | 'config' | 'splitSeed' | 'archs' | 'seeds' | 'members' | 'executor'>;

/** The lock's job, in the refusal sentence ("… (training queue); wait for it or cancel it."). */
export const SWEEP_LOCK_JOB = 'training queue';

export class SweepStore {
  private constructor(readonly dir: string, public file: SweepFile, private readonly lock: HeldRunLock) {}

  /** A new sweep in `dir` (created if missing): its lock first, then the check that the folder holds no sweep or run yet. */
  static async create(dir: string, init: NewSweep, lockOptions: RunLockOptions = {}): Promise<SweepStore> {
    const abs = path.resolve(dir);
    const lock = await acquireRunLock(abs, { job: SWEEP_LOCK_JOB, ...lockOptions });
    try {
      const has = (name: string) => fs.access(path.join(abs, name)).then(() => true, () => false);
      if (await has(SWEEP_FILES.sweep)) throw new RunError(`${abs} already holds a training queue; continue it with \`cxr-lab resume ${dir}\`, or choose another --out.`);
      if (await has(RUN_FILES.run)) throw new RunError(`${abs} holds a run, not a training queue; choose another --out.`);
      const now = new Date().toISOString();
      const file: SweepFile = {
        format: RUN_LAYOUT_VERSION, id: path.basename(abs), createdAt: now, updatedAt: now, status: 'running', ...init, runner: runnerNow(),
      };
      const store = new SweepStore(abs, file, lock);
      await store.write();
      return store;
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  /** An existing sweep, to continue here (executor 'local'): its lock (a live runner is refused with one sentence naming it), then sweep.json. */
  static async resume(dir: string, lockOptions: RunLockOptions = {}): Promise<SweepStore> {
    const abs = path.resolve(dir);
    if (!(await readSweepFile(abs))) throw new RunError(`${abs} is not a training queue (no ${SWEEP_FILES.sweep}).`);
    const lock = await acquireRunLock(abs, { job: SWEEP_LOCK_JOB, ...lockOptions });
    try {
      const file = (await readSweepFile(abs))!; // re-read under the lock
      const store = new SweepStore(abs, { ...file, status: 'running', executor: 'local', runner: runnerNow(), note: undefined }, lock);
      await store.write();
      return store;
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  /** A member's run folder, absolute. */
  memberDir(m: Pick<SweepMember, 'runDir'>): string {
    return path.resolve(this.dir, m.runDir);
  }

  async update(patch: Partial<SweepFile>): Promise<void> {
    this.file = { ...this.file, ...patch };
    await this.write();
  }

  async updateMember(name: string, patch: Partial<SweepMember>): Promise<void> {
    this.file = { ...this.file, members: this.file.members.map((m) => (m.name === name ? { ...m, ...patch } : m)) };
    await this.write();
  }

  async release(): Promise<void> {
    await this.lock.release();
  }

  private async write(): Promise<void> {
    this.file = { ...this.file, updatedAt: new Date().toISOString() };
    await writeJsonAtomic(path.join(this.dir, SWEEP_FILES.sweep), this.file);
  }
}

function runnerNow(): SweepFile['runner'] {
  return { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
}
