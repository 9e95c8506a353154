/**
 * The run-file readers of src/shared/runFiles bound to node:fs, for the extension (which must not import src/engine).
 * Each returns undefined when its file does not exist and throws a RunFileError (one sentence naming the file and
 * the first bad field) when it exists but is wrong.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runFileReaders, type CheckpointFs } from '../../shared/runFiles';

async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

export const {
  readRunInfo, readHistory, checkpointDir, readCheckpointMeta, evalFilePath, readEvalFile, readRunLock,
} = runFileReaders({ readText: readTextIfExists, join: path.join });

/** For shared/runFiles/checkpointFiles.ts: which checkpoint folder to read (this side reads, it never renames). */
export const checkpointFs: CheckpointFs = {
  list: (dir) => fs.readdir(dir).catch(() => []),
  readText: readTextIfExists,
  size: (file) => fs.stat(file).then((s) => (s.isFile() ? s.size : undefined), () => undefined),
  join: path.join,
};
