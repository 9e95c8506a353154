/**
 * Reads run directories (the source of truth the engine and the CLI write) into plain records.
 * No vscode import: the Runs tree, the panels and the unit tests all use it.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EpochRecord, RunStatus } from '../../shared/engineProtocol';
import { RUN_FILES, type CheckpointMeta, type RunInfo } from '../../shared/runFiles';
import { summarizeEval, type EvalFile, type EvalSummary } from '../evaluation/evalFile';
import { pidAlive } from './pidAlive';

export type ViewStatus = RunStatus | 'interrupted';
export type CheckpointWhich = 'best' | 'last';

export interface RunRecord {
  dir: string;
  id: string;
  info: RunInfo;
  status: ViewStatus;
  checkpoints: { which: CheckpointWhich; meta: CheckpointMeta }[];
  evals: EvalSummary[];
}

export const RUNS_FOLDER = path.join('.cxr-lab', 'runs');
export const runsRoot = (workspaceRoot: string): string => path.join(workspaceRoot, RUNS_FOLDER);

/** A run that says 'running' but whose process is gone was killed: show it as interrupted. */
export function viewStatus(info: Pick<RunInfo, 'status' | 'pid'>, alive: (pid: number) => boolean = pidAlive): ViewStatus {
  return info.status === 'running' && !alive(info.pid) ? 'interrupted' : info.status;
}

async function readJsonFile<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export async function readCheckpoints(dir: string): Promise<RunRecord['checkpoints']> {
  const out: RunRecord['checkpoints'] = [];
  for (const which of ['best', 'last'] as const) {
    const meta = await readJsonFile<CheckpointMeta>(path.join(dir, RUN_FILES[which], 'meta.json'));
    if (meta) out.push({ which, meta });
  }
  return out;
}

export async function readEvals(dir: string): Promise<EvalSummary[]> {
  const evalDir = path.join(dir, RUN_FILES.eval);
  const names = await fs.readdir(evalDir).catch(() => [] as string[]);
  const out: EvalSummary[] = [];
  for (const n of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = await readJsonFile<EvalFile>(path.join(evalDir, n));
    if (file && typeof file.accuracy === 'number') out.push(summarizeEval(file, path.join(evalDir, n)));
  }
  return out;
}

export async function readEvalFile(file: string): Promise<EvalFile | undefined> {
  return readJsonFile<EvalFile>(file);
}

/** One run directory, or undefined when it holds no readable run.json (e.g. still being created). */
export async function readRun(dir: string, alive?: (pid: number) => boolean): Promise<RunRecord | undefined> {
  const info = await readJsonFile<RunInfo>(path.join(dir, RUN_FILES.run));
  if (!info || !info.config) return undefined;
  return {
    dir, id: info.id ?? path.basename(dir), info, status: viewStatus(info, alive),
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

export async function readHistoryFile(dir: string): Promise<EpochRecord[]> {
  const text = await fs.readFile(path.join(dir, RUN_FILES.history), 'utf8').catch(() => '');
  const rows: EpochRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try { rows.push(JSON.parse(line) as EpochRecord); } catch { /* a line being written */ }
  }
  return rows;
}
