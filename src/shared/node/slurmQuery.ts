/**
 * Asking Slurm about jobs (squeue, scontrol show job) and finding its commands on PATH, for both Node sides: the
 * CLI (`cxr-lab runs`, `train --executor slurm --wait`) and the extension (the Runs tree, "Run on: Slurm cluster").
 * Read-only: submitting and cancelling are the engine's (src/engine/slurm/).
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import { parseScontrol, parseSqueue, SQUEUE_FORMAT, type SlurmJobState } from '../slurm/jobState';

/** The absolute path of an executable found on PATH, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface CommandResult { code: number; stdout: string; stderr: string }

/** Runs a command without a shell; a missing command is code 127, a timeout code 124. Never throws. */
export function runCommand(file: string, args: string[], o: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: o.timeoutMs ?? 15_000, env: o.env ?? process.env, cwd: o.cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      const code = !e ? 0 : e.code === 'ENOENT' ? 127 : e.killed ? 124 : typeof e.code === 'number' ? e.code : 1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr || (e && e.code === 'ENOENT' ? `${file}: command not found` : '')) });
    });
  });
}

export interface SlurmJobsAnswer {
  /** Whether Slurm could be asked at all (squeue ran and answered). */
  reachable: boolean;
  /** The jobs Slurm knows, by id; an id it has forgotten (or never had) is absent. */
  jobs: Map<string, SlurmJobState>;
}

/**
 * Slurm's state of the given jobs: one `squeue --states=all` call for all of them; if squeue fails (not only
 * "Invalid job id": an older or unusual Slurm), `scontrol show job --oneliner` per job instead.
 */
export async function querySlurmJobs(ids: readonly string[], o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<SlurmJobsAnswer> {
  const jobs = new Map<string, SlurmJobState>();
  const wanted = [...new Set(ids.filter(Boolean))];
  if (wanted.length === 0) return { reachable: findOnPath('squeue', o.env) !== undefined, jobs };
  const q = await runCommand('squeue', ['--noheader', '--states=all', `--jobs=${wanted.join(',')}`, `--format=${SQUEUE_FORMAT}`], o);
  if (q.code === 0 || /invalid job id/i.test(q.stderr)) {
    for (const job of parseSqueue(q.stdout)) if (wanted.includes(job.jobId)) jobs.set(job.jobId, job);
    return { reachable: true, jobs };
  }
  if (q.code === 127) return { reachable: false, jobs };
  let reachable = false;
  for (const id of wanted) {
    const s = await runCommand('scontrol', ['show', 'job', '--oneliner', id], o);
    if (s.code === 0 || /invalid job id/i.test(s.stderr)) reachable = true;
    for (const job of parseScontrol(s.stdout)) if (job.jobId === id) jobs.set(id, job);
  }
  return { reachable, jobs };
}

/** `scontrol show job --oneliner <id>`: the details squeue does not print (exit code), while Slurm knows the job. */
export async function showSlurmJob(id: string, o: { env?: NodeJS.ProcessEnv } = {}): Promise<SlurmJobState | undefined> {
  const s = await runCommand('scontrol', ['show', 'job', '--oneliner', id], o);
  return parseScontrol(s.stdout).find((j) => j.jobId === id);
}

/** This user's jobs Slurm knows (`squeue --me --states=all`), asked at most once per `maxAgeMs`: the Runs tree's many reads share one call. */
let mine: { at: number; answer: Promise<SlurmJobsAnswer & { askedAt: number }> } | undefined;
export function queryMySlurmJobs(maxAgeMs = 2000): Promise<SlurmJobsAnswer & { askedAt: number }> {
  if (mine && Date.now() - mine.at < maxAgeMs) return mine.answer;
  const askedAt = Date.now();
  const answer = runCommand('squeue', ['--noheader', '--states=all', '--me', `--format=${SQUEUE_FORMAT}`]).then((q) => ({
    reachable: q.code === 0,
    jobs: new Map(parseSqueue(q.stdout).map((j) => [j.jobId, j])),
    askedAt,
  }));
  mine = { at: askedAt, answer };
  return answer;
}
