import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { dirTempName, fileTempName } from '../../shared/runFiles';
import { faultPoint } from '../faults';

/**
 * Write a file so readers see either the old or the new content, never a half-written one. A failed write (a full
 * disk) removes its temporary; one left by a killed process is `<file>.<pid>.<ms>.tmp` (cleaned when its run resumes).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), fileTempName(path.basename(file), process.pid, Date.now()));
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      faultPoint(`write:${path.basename(file)}`, tmp);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw withPath(e, tmp);
  }
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Replace a whole directory atomically enough for checkpoints: write into `<dir>.tmp-<pid>-<ms>`, then swap
 * (`<dir>` → `<dir>.old-*`, the temp folder → `<dir>`, remove the old one). A crash leaves either `<dir>`, or — between
 * the two renames — complete copies only (readers take the newest: shared/runFiles/checkpointFiles.ts), plus stray
 * temporaries; a failure in `fill` removes its temp folder. `faultName`: prefix of the test-only fault points.
 */
export async function replaceDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>, faultName?: string): Promise<void> {
  const now = Date.now();
  const tmp = path.join(path.dirname(dir), dirTempName(path.basename(dir), 'tmp', process.pid, now));
  const old = path.join(path.dirname(dir), dirTempName(path.basename(dir), 'old', process.pid, now));
  try {
    await fs.mkdir(tmp, { recursive: true });
    await fill(tmp);
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw withPath(e, tmp);
  }
  const hadOld = await fs.rename(dir, old).then(() => true, () => false);
  if (hadOld && faultName) faultPoint(`${faultName}:after-old-rename`);
  await fs.rename(tmp, dir);
  if (hadOld) await fs.rm(old, { recursive: true, force: true });
}

/** A file-system error that does not say which file (FileHandle writes do not) gets the path it was writing. */
function withPath(e: unknown, file: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && typeof err.code === 'string' && !err.path) err.path = file;
  return e;
}
