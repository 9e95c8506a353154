/**
 * The run-file readers of src/shared/runFiles bound to node:fs, for the engine and the CLI. A file that exists but
 * is wrong throws a RunError (kind 'run') whose message names the file and the first bad field.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES, runFileReaders, type CheckpointFs, type SplitRecord } from '../../shared/runFiles';
import { RunError } from '../errors';

/** A file's text, or undefined when it does not exist. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

export const {
  readRunInfo, readHistory, readSplit, checkpointDir, readCheckpointMeta, readTrainerState, readOptimizerFile,
  evalFilePath, readEvalFile, readCamFile,
} = runFileReaders({ readText: readTextIfExists, join: path.join, toError: (e) => new RunError(e.message) });

/** The file system of shared/runFiles/checkpointFiles.ts: which checkpoint folder to read, complete copies, sizes. */
export const checkpointFs: CheckpointFs = {
  list: (dir) => fs.readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [];
    throw e;
  }),
  readText: readTextIfExists,
  size: (file) => fs.stat(file).then((s) => (s.isFile() ? s.size : undefined), (e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw e;
  }),
  join: path.join,
};

/** split.json of a run that must have one (evaluate on a split, resume). */
export async function readRunSplit(runDir: string): Promise<SplitRecord> {
  const split = await readSplit(runDir);
  if (!split) throw new RunError(`${path.join(runDir, RUN_FILES.split)} is missing: the run's split cannot be rebuilt.`);
  return split;
}
