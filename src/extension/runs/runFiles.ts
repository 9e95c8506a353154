/**
 * The run-file readers of src/shared/runFiles bound to node:fs, for the extension (which must not import src/engine).
 * Each returns undefined when its file does not exist and throws a RunFileError (one sentence naming the file and
 * the first bad field) when it exists but is wrong.
 */
import * as path from 'node:path';
import { runFileReaders } from '../../shared/runFiles';
import { checkpointFs, readTextIfExists } from '../../shared/node/runFs';

export { checkpointFs };

export const {
  readRunInfo, readHistory, checkpointDir, readCheckpointMeta, evalFilePath, readEvalFile, readRunLock, readEnsembleFile, auditFilePath, readAuditFile,
  readSplit, readSweepFile,
} = runFileReaders({ readText: readTextIfExists, join: path.join });
