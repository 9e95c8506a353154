/**
 * run.lock: the process that holds a run folder (one training at a time per folder). Created atomically (open 'wx')
 * when a run is created or resumed, deleted when that training ends in any way its process survives. A lock of this
 * host whose process is gone is stale (taken over); a lock of another host — a cluster node on a shared file
 * system — is never judged from here: only --force takes it, and readers show the run as "running on <host>".
 * Pure (no node imports): the engine takes and releases the lock (src/engine/run/runLock.ts), the extension reads it.
 */
import { z } from 'zod';
import { formatField } from './fields';

export const runLockSchema = z.object({
  format: formatField,
  pid: z.number(),
  /** os.hostname() of the holder. */
  host: z.string(),
  /** ISO time the lock was taken. */
  startedAt: z.string(),
  /** What holds the folder, in words ("training"). */
  job: z.string(),
});
export type RunLock = z.infer<typeof runLockSchema>;

/** How a run that says 'running' shows while its lock is held on another host. */
export type RunningElsewhere = `running on ${string}`;
export const runningOn = (host: string): RunningElsewhere => `running on ${host}`;
/** The host of a "running on <host>" status, undefined for any other status. */
export function runningElsewhereHost(status: string): string | undefined {
  return status.startsWith('running on ') ? status.slice('running on '.length) : undefined;
}

/**
 * What a found lock means to a process on `thisHost`:
 * held — a live process on this host; stale — this host, its process is gone; elsewhere — another host, not judged.
 */
export type LockVerdict = 'held' | 'stale' | 'elsewhere';
export function judgeLock(lock: Pick<RunLock, 'pid' | 'host'>, thisHost: string, alive: (pid: number) => boolean): LockVerdict {
  if (lock.host !== thisHost) return 'elsewhere';
  return alive(lock.pid) ? 'held' : 'stale';
}

/** "2026-11-29 21:40" in local time; the text itself when it is not a date. */
export function formatLockTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * The one sentence a refused process prints: "<run dir> is in use by process 1234 on host h since 2026-11-29 21:40
 * (training); wait for it or cancel it." A holder on another host cannot be checked from here, so the sentence adds
 * how to take the folder over once that process is known to be gone.
 */
export function lockHolderSentence(runDir: string, lock: RunLock, thisHost: string): string {
  const base = `${runDir} is in use by process ${lock.pid} on host ${lock.host} since ${formatLockTime(lock.startedAt)} (${lock.job}); wait for it or cancel it`;
  return lock.host === thisHost ? `${base}.` : `${base}, or if it is gone, take the folder over with --force.`;
}
