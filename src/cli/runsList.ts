/**
 * `cxr-lab runs [<folder>]`: the runs and training queues (sweeps) under a folder with their state — from the folders
 * (run.json, sweep.json, slurm-job.json), plus Slurm (squeue, scontrol) for the runs submitted with `--executor slurm`
 * while it still knows their jobs: pending with its reason, running on a node, or how it ended.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  currentJobId, judgeLock, LAB_DIR, RUN_FILES, runFileReaders, SLURM_JOB_FILE, SWEEP_FILES, sweepProgressText, type RunInfo, type SlurmJobFile,
} from '../shared/runFiles';
import { pidAlive, readTextIfExists } from '../shared/node/runFs';
import { querySlurmJobs, type SlurmJobsAnswer } from '../shared/node/slurmQuery';
import { slurmRunView, type SlurmRunView } from '../shared/slurm/runState';
import { readRunInfo, readSweepFile } from '../engine/run/runFiles';
import { readSlurmJobFile } from '../engine/slurm/jobFile';

export interface RunRow {
  dir: string;
  name: string;
  arch?: string;
  /** completed, failed, cancelled, running, interrupted, running on <host>; a Slurm run: pending, timeout, preempted, node_fail … */
  status: string;
  /** One phrase more: Slurm's reason, the failure, the log. */
  detail?: string;
  epochsDone?: number;
  epochs?: number;
  slurm?: SlurmRunView;
}

export interface SweepRow { dir: string; name: string; status: string; progress: string; members: RunRow[] }
export interface RunsListing { folder: string; runs: RunRow[]; sweeps: SweepRow[]; slurmReachable?: boolean }

const { readRunLock } = runFileReaders({ readText: readTextIfExists, join: path.join });
const exists = (file: string) => fs.access(file).then(() => true, () => false);

/** The folders to look in: the given one, else `.cxr-lab` of the current directory (or the directory itself). */
export async function runsFolder(folder?: string): Promise<string> {
  if (folder) return path.resolve(folder);
  const lab = path.resolve(LAB_DIR);
  return (await exists(lab)) ? lab : process.cwd();
}

/** Runs and sweeps at most three levels below `folder` (a sweep's members are listed under it, not again). */
export async function listRunsAndSweeps(folderIn?: string): Promise<RunsListing> {
  const folder = await runsFolder(folderIn);
  const runDirs: string[] = [], sweepDirs: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (await exists(path.join(dir, SWEEP_FILES.sweep))) { sweepDirs.push(dir); return; }
    if (await exists(path.join(dir, RUN_FILES.run)) || await exists(path.join(dir, SLURM_JOB_FILE))) { runDirs.push(dir); return; }
    if (depth === 0) return;
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') || e.name === LAB_DIR).sort((a, b) => a.name.localeCompare(b.name))) {
      await walk(path.join(dir, e.name), depth - 1);
    }
  };
  await walk(folder, 3);

  const sweeps = await Promise.all(sweepDirs.map(async (dir) => ({ dir, file: await readSweepFile(dir).catch(() => undefined) })));
  const memberDirs = sweeps.flatMap((s) => s.file?.members.map((m) => path.resolve(s.dir, m.runDir)) ?? []);
  const all = [...runDirs, ...memberDirs];
  const slurmFiles = new Map<string, SlurmJobFile>();
  for (const dir of all) {
    const f = await readSlurmJobFile(dir).catch(() => undefined);
    if (f) slurmFiles.set(dir, f);
  }
  const ids = [...slurmFiles.values()].map(currentJobId).filter((id): id is string => id !== undefined);
  const answer: SlurmJobsAnswer | undefined = slurmFiles.size > 0 ? await querySlurmJobs(ids) : undefined;

  const row = async (dir: string, name = path.basename(dir)): Promise<RunRow> => runRow(dir, name, slurmFiles.get(dir), answer);
  const runs = await Promise.all(runDirs.map((d) => row(d)));
  const sweepRows = await Promise.all(sweeps.map(async ({ dir, file }): Promise<SweepRow> => {
    if (!file) return { dir, name: path.basename(dir), status: 'unreadable', progress: '', members: [] };
    const members = await Promise.all(file.members.map(async (m) => {
      const r = await row(path.resolve(dir, m.runDir), m.name);
      // A local queue's member that has no run yet: sweep.json says queued (or why it failed before training).
      return r.status === 'missing' ? { ...r, status: m.status, ...(m.reason ? { detail: m.reason } : {}) } : r;
    }));
    const slurm = members.some((m) => m.slurm);
    const status = slurm ? slurmSweepStatus(members) : file.status === 'running' && !runnerAlive(file.runner) ? 'interrupted' : file.status;
    return { dir, name: path.basename(dir), status, progress: sweepProgressText(members.map((m) => ({ status: memberStatusOf(m.status) }))), members };
  }));
  return { folder, runs, sweeps: sweepRows, ...(answer ? { slurmReachable: answer.reachable } : {}) };
}

async function runRow(dir: string, name: string, slurmFile: SlurmJobFile | undefined, answer: SlurmJobsAnswer | undefined): Promise<RunRow> {
  let info: RunInfo | undefined, problem: string | undefined;
  try {
    info = await readRunInfo(dir);
  } catch (e) {
    problem = (e as Error).message;
  }
  const base: RunRow = {
    dir, name, arch: info?.config.arch ?? slurmFile?.config.arch,
    ...(info ? { epochsDone: info.epochsDone, epochs: info.config.epochs } : slurmFile?.config.epochs !== undefined ? { epochs: slurmFile.config.epochs } : {}),
    status: 'missing',
  };
  if (slurmFile) {
    const jobId = currentJobId(slurmFile);
    const live = jobId ? answer?.jobs.get(jobId) : undefined;
    let view = slurmRunView(slurmFile, info, live, answer?.reachable ?? false);
    if (view.status === 'failed' && !info?.error && view.log) {
      // It failed before run.json could say why (a dataset problem, a crash): the log's last error line does.
      const error = await lastLogError(view.log);
      if (error) view = slurmRunView(slurmFile, { status: info?.status ?? 'failed', error }, live, answer?.reachable ?? false);
    }
    // Slurm's view while its job is alive; once it ended, the run's own status when the training wrote one.
    const status = view.status === 'running' && info?.status === 'running' ? 'running' : view.status;
    return { ...base, status, detail: view.phrase, slurm: view };
  }
  if (problem) return { ...base, status: 'unreadable', detail: problem };
  if (!info) return base;
  return { ...base, status: await localStatus(dir, info), ...(info.error ? { detail: info.error } : info.note ? { detail: info.note } : {}) };
}

/** The last error line cxr-lab printed into a Slurm log ("cxr-lab: <message>"), else the last line Slurm wrote there. */
export async function lastLogError(log: string): Promise<string | undefined> {
  const text = await readTextIfExists(log).catch(() => undefined);
  if (!text) return undefined;
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const ours = lines.filter((l) => l.startsWith('cxr-lab: ') && !/^cxr-lab: (job \S+ \(restart|exit code |SIGTERM \()/.test(l));
  const slurm = lines.filter((l) => /^slurmstepd|error:/i.test(l));
  return (ours.at(-1) ?? slurm.at(-1))?.replace(/^cxr-lab: /, '');
}

/** run.json's status; a 'running' run whose process is gone is interrupted, one whose lock is on another host runs there. */
async function localStatus(dir: string, info: RunInfo): Promise<string> {
  if (info.status !== 'running') return info.status;
  const lock = await readRunLock(dir).catch(() => undefined);
  if (!lock) return pidAlive(info.pid) ? 'running' : 'interrupted';
  const verdict = judgeLock(lock, os.hostname(), pidAlive);
  return verdict === 'held' ? 'running' : verdict === 'elsewhere' ? `running on ${lock.host}` : 'interrupted';
}

function runnerAlive(runner: { pid: number; host: string } | undefined): boolean {
  return !!runner && (runner.host !== os.hostname() || pidAlive(runner.pid));
}

type MemberWord = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
function memberStatusOf(status: string): MemberWord {
  if (status === 'pending' || status === 'queued') return 'queued';
  if (status === 'running' || status.startsWith('running on')) return 'running';
  if (status === 'completed') return 'completed';
  if (status === 'failed' || status === 'unreadable' || status === 'node_fail') return 'failed';
  return 'cancelled';
}

/** A Slurm queue's state from its members: running while any job is pending or running, then as the local queue ends. */
export function slurmSweepStatus(members: readonly Pick<RunRow, 'status'>[]): string {
  const words = members.map((m) => memberStatusOf(m.status));
  if (words.some((w) => w === 'queued' || w === 'running')) return 'running';
  if (words.includes('failed')) return 'failed';
  if (words.includes('cancelled')) return 'cancelled';
  return 'completed';
}

/** "pending (Priority) (job 12)", "failed: <why>; log: …": the status, and the detail when it says more. */
export function statusText(r: Pick<RunRow, 'status' | 'detail'>): string {
  if (!r.detail || r.detail === r.status) return r.status;
  return r.detail.startsWith(r.status) ? r.detail : `${r.status} — ${r.detail}`;
}

/** The listing as text: one block per sweep (its members indented), then the runs, newest name last. */
export function formatRuns(l: RunsListing): string {
  const rel = (dir: string) => path.relative(process.cwd(), dir) || '.';
  const line = (r: RunRow, indent: string) => {
    const epochs = r.epochs !== undefined ? `${r.epochsDone ?? 0}/${r.epochs} epochs` : '';
    const job = r.slurm?.jobId ? `job ${r.slurm.jobId}` : '';
    return `${indent}${[r.name, r.arch, epochs, job, statusText(r)].filter(Boolean).join('  ')}`;
  };
  const out: string[] = [];
  for (const s of l.sweeps) {
    out.push(`sweep ${rel(s.dir)}  ${s.status}  (${s.progress})`);
    for (const m of s.members) out.push(line(m, '  '));
  }
  for (const r of l.runs) out.push(line({ ...r, name: rel(r.dir) }, ''));
  if (out.length === 0) out.push(`No runs or training queues under ${rel(l.folder)}.`);
  if (l.slurmReachable === false) out.push('note: Slurm could not be asked from here (squeue is not on PATH or failed): the states of Slurm runs are what their folders recorded.');
  return out.join('\n');
}
