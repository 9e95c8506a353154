/**
 * One training per run folder: run.lock (src/shared/runFiles/lock.ts) is created atomically (open 'wx') when a run
 * is created or resumed and deleted when that training ends in any way the process survives (completed, cancelled,
 * failed, SIGINT/SIGTERM; a process.exit() — a second Ctrl-C — removes it in an exit hook). A second process finds
 * the file and is refused with one sentence naming the holder. A lock of this host whose process is gone (kill -9, a
 * crash) is stale and taken over, said so in one line; a lock of another host (a cluster node on a shared file
 * system) cannot be checked from here and is taken only with `force` (--force).
 */
import { promises as fs, readFileSync, unlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUN_FILES, RUN_LAYOUT_VERSION, judgeLock, lockHolderSentence, parseRunLock, type RunLock } from '../../shared/runFiles';
import { RunError } from '../errors';
import { pidAlive } from '../../shared/node/runFs';

export { pidAlive };

export interface RunLockOptions {
  /** Take over a lock held on another host (the user knows that process is gone). A live process here is never overridden. */
  force?: boolean;
  /** What holds the folder, in words, for the refusal sentence: "training". */
  job?: string;
  /** Told, in one line, when a stale or forced lock is taken over. */
  log?: (message: string) => void;
  /** A taken lock is pushed here, so the job that owns it releases it however it ends. */
  held?: HeldRunLock[];
}

export interface HeldRunLock {
  readonly file: string;
  readonly lock: RunLock;
  /** Deletes the lock file if it is still ours (not taken over with --force meanwhile). Idempotent. */
  release(): Promise<void>;
}

/** A half-written lock (its creator between open and write) is waited for this long before it counts as stale. */
const UNREADABLE_GRACE_MS = 2000;
/** A take-over mutex older than this was left by a process that died while taking over. */
const TAKEOVER_STALE_MS = 10_000;

/** Locks this process holds, by file: told apart from a stale lock of an earlier process with the same pid (containers). */
const ownLocks = new Map<string, RunLock>();

const sameLock = (a: RunLock, b: RunLock) => a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates `file` holding `lock` only if it does not exist: false when it does. A run lock (`own`) is ours from the
 * moment the file exists, before its text is written: another job of this process that reads it then must see it held.
 */
async function createExclusive(file: string, lock: RunLock, own = false): Promise<boolean> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  if (own) ownLocks.set(file, lock);
  try {
    await handle.writeFile(JSON.stringify(lock) + '\n');
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    if (ownLocks.get(file) === lock) ownLocks.delete(file);
    await fs.rm(file, { force: true }); // a full disk: leave no empty lock behind
    throw e;
  }
  await handle.close();
  return true;
}

type Found = RunLock | 'unreadable' | undefined;

async function readLock(file: string): Promise<Found> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return parseRunLock(text, file);
  } catch {
    return 'unreadable';
  }
}

/**
 * Replaces the lock `expected` (judged stale or forced) by `mine`. Two processes may judge the same stale lock at
 * once: a second exclusive file is the mutex of the take-over, and the lock is re-read under it, so only one of them
 * deletes it and the other finds the new holder. False: someone else changed the lock meanwhile; look again.
 */
async function replaceLock(file: string, expected: RunLock | 'unreadable', mine: RunLock): Promise<boolean> {
  const mutex = `${file}.takeover`;
  if (!(await createExclusive(mutex, mine))) {
    const st = await fs.stat(mutex).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > TAKEOVER_STALE_MS) await fs.rm(mutex, { force: true });
    else await sleep(50);
    return false;
  }
  try {
    const now = await readLock(file);
    const unchanged = now === undefined || (now === 'unreadable' ? expected === 'unreadable' : expected !== 'unreadable' && sameLock(now, expected));
    if (!unchanged) return false;
    await fs.rm(file, { force: true });
    return await createExclusive(file, mine, true);
  } finally {
    await fs.rm(mutex, { force: true });
  }
}

let exitHookInstalled = false;
/** process.exit() (a second Ctrl-C) skips every finally: remove our locks synchronously so they are not left stale. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [file, lock] of ownLocks) {
      try {
        if (sameLock(parseRunLock(readFileSync(file, 'utf8'), file), lock)) unlinkSync(file);
      } catch { /* gone or not ours: nothing to remove */ }
    }
  });
}

function hold(file: string, lock: RunLock, o: RunLockOptions): HeldRunLock {
  ownLocks.set(file, lock);
  installExitHook();
  let released = false;
  const held: HeldRunLock = {
    file, lock,
    async release() {
      if (released) return;
      released = true;
      const now = await readLock(file).catch(() => undefined);
      if (now && now !== 'unreadable' && sameLock(now, lock)) await fs.rm(file, { force: true });
      // Only now: a process.exit() (a second Ctrl-C) during the removal above still finds it for the exit hook.
      if (ownLocks.get(file) === lock) ownLocks.delete(file);
    },
  };
  o.held?.push(held);
  return held;
}

/**
 * Takes the lock of run folder `dir` (created if missing), or throws a RunError whose message is the one sentence
 * naming the holder: "<dir> is in use by process 1234 on host h since 2026-11-29 21:40 (training); wait for it or
 * cancel it."
 */
export async function acquireRunLock(dir: string, o: RunLockOptions = {}): Promise<HeldRunLock> {
  const abs = path.resolve(dir);
  const file = path.join(abs, RUN_FILES.lock);
  const host = os.hostname();
  await fs.mkdir(abs, { recursive: true });
  // Our own pid in a lock we do not hold is an earlier process's (a restarted container reuses pid 1).
  const alive = (pid: number) => (pid === process.pid ? ownLocks.has(file) : pidAlive(pid));
  const deadline = Date.now() + 30_000;
  for (let unreadableSince: number | undefined; ;) {
    const mine: RunLock = { format: RUN_LAYOUT_VERSION, pid: process.pid, host, startedAt: new Date().toISOString(), job: o.job ?? 'training' };
    if (await createExclusive(file, mine, true)) return hold(file, mine, o);
    if (Date.now() > deadline) throw new RunError(`${abs} is being locked by other processes at this moment; try again.`);
    const found = await readLock(file);
    if (found === undefined) continue; // released between our attempt and the read
    if (found === 'unreadable') {
      // Its creator may be between open and write: wait, then treat it as left by a crash.
      unreadableSince ??= Date.now();
      const st = await fs.stat(file).catch(() => undefined);
      const age = st ? Date.now() - st.mtimeMs : 0;
      if (Date.now() - unreadableSince < UNREADABLE_GRACE_MS && age < UNREADABLE_GRACE_MS) { await sleep(50); continue; }
      if (await replaceLock(file, 'unreadable', mine)) {
        o.log?.(`took over an unreadable lock file ${file}`);
        return hold(file, mine, o);
      }
      continue;
    }
    unreadableSince = undefined;
    const verdict = judgeLock(found, host, alive);
    if (verdict === 'held' || (verdict === 'elsewhere' && !o.force)) throw new RunError(lockHolderSentence(abs, found, host));
    if (await replaceLock(file, found, mine)) {
      o.log?.(verdict === 'stale'
        ? `took over the lock of process ${found.pid}, which is gone`
        : `took over the lock of process ${found.pid} on host ${found.host} (--force)`);
      return hold(file, mine, o);
    }
  }
}
