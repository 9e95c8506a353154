/**
 * The run-file readers of src/shared/runFiles bound to node:fs, for the engine and the CLI. A file that exists but
 * is wrong throws a RunError (kind 'run') whose message names the file and the first bad field.
 */
import * as path from 'node:path';
import { RUN_FILES, runFileReaders, type SplitRecord } from '../../shared/runFiles';
import { checkpointFs, readTextIfExists } from '../../shared/node/runFs';
import { RunError } from '../errors';

export { checkpointFs, readTextIfExists };

export const {
  readRunInfo, readHistory, readSplit, checkpointDir, readCheckpointMeta, readTrainerState, readOptimizerFile,
  evalFilePath, readEvalFile, readCamFile, readSweepFile,
} = runFileReaders({ readText: readTextIfExists, join: path.join, toError: (e) => new RunError(e.message) });

/** split.json of a run that must have one (evaluate on a split, resume). */
export async function readRunSplit(runDir: string): Promise<SplitRecord> {
  const split = await readSplit(runDir);
  if (!split) throw new RunError(`${path.join(runDir, RUN_FILES.split)} is missing: the run's split cannot be rebuilt.`);
  return split;
}
