/** A full disk (or quota) while a run writes its files: one sentence naming the folder, what was being written, and the way on. */
import * as path from 'node:path';
import { CHECKPOINTS_DIR, parseTempName } from '../../shared/runFiles';
import { KindedError } from '../errors';

const FULL: Record<string, string> = { ENOSPC: 'No space left', EDQUOT: 'Disk quota exceeded' };

/**
 * What a write under `runDir` was writing, in the run's terms: `checkpoints/last` for any file of a checkpoint (or of
 * its temp folder), else the file relative to the run with a temp suffix taken off (`run.json`).
 */
export function runFileOf(runDir: string, file: string): string {
  const rel = path.relative(runDir, file);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return file;
  const parts = rel.split(path.sep).map((p) => parseTempName(p)?.base ?? p);
  if (parts[0] === CHECKPOINTS_DIR && parts.length > 1) return `${CHECKPOINTS_DIR}/${parts[1]}`;
  return parts.join('/');
}

/** The error to report for `err` while training `runDir`: a full disk becomes one sentence (kind 'io'); anything else is unchanged. */
export function diskFullError(err: unknown, runDir: string): unknown {
  const e = err as NodeJS.ErrnoException | undefined;
  const full = e && typeof e === 'object' && typeof e.code === 'string' ? FULL[e.code] : undefined;
  if (!full) return err;
  const what = e!.path ? ` (while writing ${runFileOf(runDir, e!.path)})` : '';
  return new KindedError(`${full} on the device holding ${runDir}${what}; free space and resume with: cxr-lab resume ${runDir}`, 'io', { cause: err });
}
