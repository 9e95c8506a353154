/**
 * slurm-job.json of a run folder (src/shared/runFiles/slurmJob.ts): read, written atomically, and updated under a
 * short-lived lock file — the submitter (cancel, resubmit) and the job on its node (start, end) both write it, from
 * different hosts on a shared file system, and neither may lose the other's entry.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseSlurmJobFile, RunFileError, SLURM_JOB_FILE, type SlurmJobFile } from '../../shared/runFiles';
import { readTextIfExists } from '../../shared/node/runFs';
import { writeJsonAtomic } from '../io/atomic';
import { RunError } from '../errors';

/** A lock older than this was left by a process that died while updating. */
const STALE_MS = 30_000;
const WAIT_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function readSlurmJobFile(runDir: string): Promise<SlurmJobFile | undefined> {
  const file = path.join(runDir, SLURM_JOB_FILE);
  const text = await readTextIfExists(file);
  if (text === undefined) return undefined;
  try {
    return parseSlurmJobFile(text, file);
  } catch (e) {
    throw e instanceof RunFileError ? new RunError(e.message) : e;
  }
}

export async function writeSlurmJobFile(runDir: string, value: SlurmJobFile): Promise<void> {
  await withFileLock(path.join(runDir, `${SLURM_JOB_FILE}.lock`), () => writeJsonAtomic(path.join(runDir, SLURM_JOB_FILE), value));
}

/** Read, change and write slurm-job.json under its lock; `change` returns undefined to leave it as it is. */
export async function updateSlurmJobFile(runDir: string, change: (file: SlurmJobFile) => SlurmJobFile | undefined): Promise<SlurmJobFile> {
  return withFileLock(path.join(runDir, `${SLURM_JOB_FILE}.lock`), async () => {
    const file = await readSlurmJobFile(runDir);
    if (!file) throw new RunError(`${runDir} has no ${SLURM_JOB_FILE}: it was not submitted to Slurm.`);
    const next = change(file);
    if (next) await writeJsonAtomic(path.join(runDir, SLURM_JOB_FILE), next);
    return next ?? file;
  });
}

/** Runs `body` holding `lock` (a file created exclusively): short updates of a JSON file that several hosts write. */
export async function withFileLock<T>(lock: string, body: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      await (await fs.open(lock, 'wx')).close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = await fs.stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > STALE_MS || Date.now() > deadline) await fs.rm(lock, { force: true });
      else await sleep(50);
    }
  }
  try {
    return await body();
  } finally {
    await fs.rm(lock, { force: true });
  }
}
