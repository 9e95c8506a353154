/**
 * One reader per run file, over an injected file system so this module stays free of node imports
 * (src/shared is imported by the webviews). src/engine/run/runFiles.ts and src/extension/runs/runFiles.ts
 * bind it to node:fs. Every reader returns undefined when its file does not exist (history: no rows) and
 * throws a RunFileError with one sentence naming the file and the first bad field when it exists but is wrong.
 */
import type { CamFile } from './cam';
import { faithfulnessFileName, type FaithfulnessFile } from './faithfulness';
import type { AuditFile } from './audit';
import type { CheckpointMeta, OptimizerFile, TrainerState } from './checkpoint';
import { ENSEMBLE_FILES, type EnsembleFile } from './ensemble';
import { SWEEP_FILES, type SweepFile } from './sweep';
import { LR_FIND_FILES, type LrFindFile } from './lrFind';
import { TUNE_FILES, type TuneFile } from './tune';
import type { EvalFile } from './evaluation';
import type { EpochRecord } from './history';
import { RUN_FILES, type CheckpointName } from './layout';
import {
  RunFileError, parseAuditFile, parseCamFile, parseFaithfulnessFile, parseCheckpointMeta, parseEnsembleFile, parseEvalFile, parseHistory, parseOptimizerFile, parseRunInfo, parseRunLock, parseSplit, parseSweepFile, parseTrainerState, parseLrFindFile, parseTuneFile,
} from './parse';
import type { RunLock } from './lock';
import type { RunInfo } from './run';
import type { SplitRecord } from './split';

export interface RunFilesFs {
  /** The file's text, or undefined when it does not exist. */
  readText(file: string): Promise<string | undefined>;
  join(...parts: string[]): string;
  /** The error to throw for a bad file (e.g. the engine's RunError, which has a kind); the RunFileError itself by default. */
  toError?(error: RunFileError): Error;
}

export interface RunFileReaders {
  readRunInfo(runDir: string): Promise<RunInfo | undefined>;
  readHistory(runDir: string): Promise<EpochRecord[]>;
  readSplit(runDir: string): Promise<SplitRecord | undefined>;
  /** The folder of a run's best or last checkpoint. */
  checkpointDir(runDir: string, which: CheckpointName): string;
  readCheckpointMeta(checkpointDir: string): Promise<CheckpointMeta | undefined>;
  readTrainerState(checkpointDir: string): Promise<TrainerState | undefined>;
  readOptimizerFile(checkpointDir: string): Promise<OptimizerFile | undefined>;
  /** eval/<name>.json of a run. */
  evalFilePath(runDir: string, name: string): string;
  readEvalFile(file: string): Promise<EvalFile | undefined>;
  readCamFile(file: string): Promise<CamFile | undefined>;
  /** cams/faithfulness-<name>.json of a run (`explain-eval`). */
  faithfulnessFilePath(runDir: string, name: string): string;
  readFaithfulnessFile(file: string): Promise<FaithfulnessFile | undefined>;
  /** audit/<name>.json of a run (the shortcut audit). */
  auditFilePath(runDir: string, name: string): string;
  readAuditFile(file: string): Promise<AuditFile | undefined>;
  /** run.lock: who trains the run now (absent when nobody does). */
  readRunLock(runDir: string): Promise<RunLock | undefined>;
  /** ensemble.json of an ensemble folder (.cxr-lab/ensembles/<id>). */
  readEnsembleFile(ensembleDir: string): Promise<EnsembleFile | undefined>;
  /** sweep.json of a sweep folder (a training queue). */
  readSweepFile(sweepDir: string): Promise<SweepFile | undefined>;
  /** lr-find.json of an LR finder folder (.cxr-lab/lr-find/<id>). */
  readLrFindFile(lrFindDir: string): Promise<LrFindFile | undefined>;
  /** tune.json of a tune folder (`cxr-lab tune`). */
  readTuneFile(tuneDir: string): Promise<TuneFile | undefined>;
}

export function runFileReaders(fs: RunFilesFs): RunFileReaders {
  const read = <T>(parse: (text: string, fileName: string) => T) => async (file: string): Promise<T | undefined> => {
    const text = await fs.readText(file);
    if (text === undefined) return undefined;
    try {
      return parse(text, file);
    } catch (e) {
      throw e instanceof RunFileError && fs.toError ? fs.toError(e) : e;
    }
  };
  const inDir = <T>(name: string, parse: (text: string, fileName: string) => T) => {
    const readFile = read(parse);
    return (dir: string) => readFile(fs.join(dir, name));
  };
  const readHistoryFile = inDir(RUN_FILES.history, parseHistory);
  return {
    readRunInfo: inDir(RUN_FILES.run, parseRunInfo),
    readHistory: async (runDir) => (await readHistoryFile(runDir)) ?? [],
    readSplit: inDir(RUN_FILES.split, parseSplit),
    checkpointDir: (runDir, which) => fs.join(runDir, RUN_FILES[which]),
    readCheckpointMeta: inDir(RUN_FILES.meta, parseCheckpointMeta),
    readTrainerState: inDir(RUN_FILES.trainer, parseTrainerState),
    readOptimizerFile: inDir(RUN_FILES.optimizer, parseOptimizerFile),
    evalFilePath: (runDir, name) => fs.join(runDir, RUN_FILES.eval, `${name}.json`),
    readEvalFile: read(parseEvalFile),
    readCamFile: read(parseCamFile),
    faithfulnessFilePath: (runDir, name) => fs.join(runDir, RUN_FILES.cams, faithfulnessFileName(name)),
    readFaithfulnessFile: read(parseFaithfulnessFile),
    auditFilePath: (runDir, name) => fs.join(runDir, RUN_FILES.audit, `${name}.json`),
    readAuditFile: read(parseAuditFile),
    readRunLock: inDir(RUN_FILES.lock, parseRunLock),
    readEnsembleFile: inDir(ENSEMBLE_FILES.ensemble, parseEnsembleFile),
    readSweepFile: inDir(SWEEP_FILES.sweep, parseSweepFile),
    readLrFindFile: inDir(LR_FIND_FILES.json, parseLrFindFile),
    readTuneFile: inDir(TUNE_FILES.tune, parseTuneFile),
  };
}
