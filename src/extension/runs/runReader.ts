/**
 * Reads run directories (the source of truth the engine and the CLI write) into plain records.
 * No vscode import: the Runs tree, the panels and the unit tests all use it.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EpochRecord, RunStatus } from '../../shared/engineProtocol';
import {
  CHECKPOINT_NAMES, LAB_DIR, RUN_FILES, RUNS_DIR, locateCheckpoint, runningElsewhereHost, runningOn, type CheckpointMeta, type CheckpointName, type RunInfo, type RunLock,
  type RunningElsewhere,
} from '../../shared/runFiles';
import { summarizeEval, type EvalSummary } from '../evaluation/evalFile';
import { pidAlive } from '../../shared/node/runFs';
import { checkpointFs, readCheckpointMeta, readEvalFile, readHistory, readRunInfo, readRunLock } from './runFiles';
import type { SlurmRunView } from '../../shared/slurm/runState';
import { readSlurmJob, slurmStateOf, slurmTreeStatus, submittedRunInfo } from './slurmRuns';

/**
 * 'running on <host>': its run.lock is held on another host (a cluster node), whose process cannot be checked from here.
 * 'queued': a Slurm job not started yet (pending in Slurm's queue).
 */
export type ViewStatus = RunStatus | 'interrupted' | 'queued' | RunningElsewhere;
export type CheckpointWhich = CheckpointName;

export interface RunRecord {
  dir: string;
  id: string;
  info: RunInfo;
  status: ViewStatus;
  /** `note`: one line when the checkpoint is read from the complete copy a crash left mid-swap (its folder is missing). */
  checkpoints: { which: CheckpointWhich; meta: CheckpointMeta; note?: string }[];
  evals: EvalSummary[];
  /** The training queue (sweep folder) the run is a member of. */
  sweep?: string;
  /** A run submitted with --executor slurm: its job's state as Slurm and the folder tell it (slurmRuns.ts). */
  slurm?: SlurmRunView;
  /** A Slurm run whose job never wrote run.json: `info` is what its submission says (slurmRuns.ts submittedRunInfo). */
  notStarted?: true;
}

export const RUNS_FOLDER = path.join(LAB_DIR, RUNS_DIR);
export const runsRoot = (workspaceRoot: string): string => path.join(workspaceRoot, RUNS_FOLDER);

/**
 * A run that says 'running' while its lock is held on another host is "running on <host>"; otherwise one whose
 * process is gone was killed: interrupted.
 */
export function viewStatus(info: Pick<RunInfo, 'status' | 'pid'>, alive: (pid: number) => boolean = pidAlive, lock?: Pick<RunLock, 'host'>,
  thisHost: string = os.hostname()): ViewStatus {
  if (info.status !== 'running') return info.status;
  if (lock && lock.host !== thisHost) return runningOn(lock.host);
  return alive(info.pid) ? 'running' : 'interrupted';
}

/** Training now, here or on another host: not to be resumed or deleted. */
export function isTraining(status: ViewStatus): boolean {
  return status === 'running' || runningElsewhereHost(status) !== undefined;
}

export async function readCheckpoints(dir: string): Promise<RunRecord['checkpoints']> {
  const out: RunRecord['checkpoints'] = [];
  for (const which of CHECKPOINT_NAMES) {
    // Its folder, or the newest complete copy when a crash interrupted its swap (read where it is, never renamed).
    const location = await locateCheckpoint(dir, which, checkpointFs).catch(() => undefined);
    if (!location) continue;
    // An unreadable meta.json: not listed.
    const meta = location.recovered?.meta ?? await readCheckpointMeta(location.dir).catch(() => undefined);
    if (meta) out.push({ which, meta, ...(location.note ? { note: location.note } : {}) });
  }
  return out;
}

export async function readEvals(dir: string): Promise<EvalSummary[]> {
  const evalDir = path.join(dir, RUN_FILES.eval);
  const names = await fs.readdir(evalDir).catch(() => [] as string[]);
  const out: EvalSummary[] = [];
  for (const n of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = await readEvalFile(path.join(evalDir, n)).catch(() => undefined); // not an eval file of this version: not listed
    if (file) out.push(summarizeEval(file, path.join(evalDir, n)));
  }
  return out;
}

/** eval/<name>.json: undefined when absent; a file that is not a valid eval file throws one sentence naming it and the bad field. */
export { readEvalFile };

/** One run directory, or undefined when it holds no readable run.json (e.g. still being created). */
export async function readRun(dir: string, alive?: (pid: number) => boolean): Promise<RunRecord | undefined> {
  const info = await readRunInfo(dir).catch(() => undefined);
  if (!info) return readSubmittedRun(dir);
  const lock = info.status === 'running' ? await readRunLock(dir).catch(() => undefined) : undefined;
  const record: RunRecord = {
    dir, id: info.id, info, status: viewStatus(info, alive, lock),
    checkpoints: await readCheckpoints(dir), evals: await readEvals(dir),
  };
  const slurm = await slurmStateOf(dir, info);
  return slurm ? { ...record, slurm, status: slurmTreeStatus(slurm, record.status) } : record;
}

/** A Slurm run whose job has not written run.json (pending, or cancelled before it started): listed from its submission. */
async function readSubmittedRun(dir: string): Promise<RunRecord | undefined> {
  const file = await readSlurmJob(dir);
  const slurm = file && await slurmStateOf(dir, undefined);
  if (!file || !slurm) return undefined;
  const info = submittedRunInfo(dir, file);
  return { dir, id: info.id, info, status: slurmTreeStatus<ViewStatus>(slurm, undefined), checkpoints: [], evals: [], slurm, notStarted: true };
}

/** Newest first: by creation time, then by id (ids start with a time stamp). */
export function compareNewestFirst(a: RunRecord, b: RunRecord): number {
  const t = Date.parse(b.info.createdAt) - Date.parse(a.info.createdAt);
  if (Number.isFinite(t) && t !== 0) return t;
  return b.id.localeCompare(a.id);
}

/** Every run under each root's .cxr-lab/runs, newest first. */
export async function listRuns(workspaceRoots: string[], alive?: (pid: number) => boolean): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for (const root of workspaceRoots) {
    const base = runsRoot(root);
    const entries = await fs.readdir(base, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const run = await readRun(path.join(base, e.name), alive);
      if (run) runs.push(run);
    }
  }
  return runs.sort(compareNewestFirst);
}

/** history.jsonl; a last line still being written is left out. */
export async function readHistoryFile(dir: string): Promise<EpochRecord[]> {
  return readHistory(dir);
}
