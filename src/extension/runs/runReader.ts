/**
 * Reads run directories (the source of truth the engine and the CLI write) into plain records.
 * No vscode import: the Runs tree, the panels and the unit tests all use it.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EpochRecord, RunStatus } from '../../shared/engineProtocol';
import { CHECKPOINT_NAMES, LAB_DIR, RUN_FILES, RUNS_DIR, type CheckpointMeta, type CheckpointName, type RunInfo } from '../../shared/runFiles';
import { summarizeEval, type EvalSummary } from '../evaluation/evalFile';
import { pidAlive } from './pidAlive';
import { checkpointDir, readCheckpointMeta, readEvalFile, readHistory, readRunInfo } from './runFiles';

export type ViewStatus = RunStatus | 'interrupted';
export type CheckpointWhich = CheckpointName;

export interface RunRecord {
  dir: string;
  id: string;
  info: RunInfo;
  status: ViewStatus;
  checkpoints: { which: CheckpointWhich; meta: CheckpointMeta }[];
  evals: EvalSummary[];
}

export const RUNS_FOLDER = path.join(LAB_DIR, RUNS_DIR);
export const runsRoot = (workspaceRoot: string): string => path.join(workspaceRoot, RUNS_FOLDER);

/** A run that says 'running' but whose process is gone was killed: show it as interrupted. */
export function viewStatus(info: Pick<RunInfo, 'status' | 'pid'>, alive: (pid: number) => boolean = pidAlive): ViewStatus {
  return info.status === 'running' && !alive(info.pid) ? 'interrupted' : info.status;
}

export async function readCheckpoints(dir: string): Promise<RunRecord['checkpoints']> {
  const out: RunRecord['checkpoints'] = [];
  for (const which of CHECKPOINT_NAMES) {
    // A checkpoint being replaced or an unreadable meta.json: not listed.
    const meta = await readCheckpointMeta(checkpointDir(dir, which)).catch(() => undefined);
    if (meta) out.push({ which, meta });
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
  if (!info) return undefined;
  return {
    dir, id: info.id, info, status: viewStatus(info, alive),
    checkpoints: await readCheckpoints(dir), evals: await readEvals(dir),
  };
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
