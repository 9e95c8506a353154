/**
 * The command-line side of the Slurm executor: `train … --executor slurm [--partition p --gres gpu:1 --cpus 8 --mem 32G
 * --time 4:00:00 --account a --requeue] [--wait]`, `resume <run> --executor slurm` (submit again), `cancel <run>`
 * (scancel) and the hidden `slurm-job <run>` that the batch script runs on the node. Submitting, the batch script and
 * the job's records are src/engine/slurm/.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import * as path from 'node:path';
import type { TrainRequest, TrainResult } from '../shared/engineProtocol';
import type { SbatchOptions } from '../shared/slurm/settings';
import { readRunInfo } from '../engine/run/runFiles';
import { readSlurmJobFile } from '../engine/slurm/jobFile';
import { cancelSlurmRun } from '../engine/slurm/submit';
import { endAttempt, startAttempt } from '../engine/slurm/attempt';
import { listRunsAndSweeps, statusText, type RunRow } from './runsList';
import { UsageError } from './checks';

export type Executor = 'local' | 'slurm';

/** Flags of the sbatch options, as commander parses them. */
export interface SlurmFlags {
  executor?: Executor;
  partition?: string; account?: string; gres?: string; cpus?: number; mem?: string; time?: string; requeue?: boolean;
  wait?: boolean;
}

const positiveInt = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a whole number of at least 1.`);
  return n;
};

/** Adds --executor and the sbatch flags to a command (train, resume). */
export function addSlurmOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--executor <where>', "where the training runs: 'local' (this process) or 'slurm' (one sbatch job per run)").choices(['local', 'slurm']))
    .option('--partition <name>', 'Slurm partition (--executor slurm; default from .cxr-lab/slurm.json, else the cluster\'s)')
    .option('--account <name>', 'Slurm account to charge')
    .option('--gres <spec>', 'Slurm generic resources, e.g. gpu:1')
    .option('--cpus <n>', 'CPUs per job (sbatch --cpus-per-task)', positiveInt('--cpus'))
    .option('--mem <size>', 'memory per job, e.g. 32G')
    .option('--time <limit>', 'time limit per job, e.g. 4:00:00 (a job stopped by it stays resumable)')
    .option('--requeue', 'let Slurm requeue a job after a preemption or node failure (it resumes from its last checkpoint)')
    .option('--no-requeue', 'never requeue')
    .option('--wait', 'with --executor slurm: follow the jobs until they end (exit 0 all completed, 1 one failed, 130 cancelled)');
}

/** Whether the Slurm flags were given without --executor slurm (a usage error: they would be ignored). */
export function checkExecutorFlags(o: SlurmFlags, cmd: Command): void {
  if (o.executor === 'slurm') return;
  const given = ['partition', 'account', 'gres', 'cpus', 'mem', 'time', 'requeue', 'wait'].filter((k) => cmd.getOptionValueSource(k) === 'cli');
  if (given.length > 0) throw new UsageError(`--${given[0]} needs --executor slurm.`);
}

/** The sbatch options of the flags (undefined where not given: the settings file's value stays). */
export function sbatchFlags(o: SlurmFlags): SbatchOptions {
  return { partition: o.partition, account: o.account, gres: o.gres, cpus: o.cpus, mem: o.mem, time: o.time, requeue: o.requeue };
}

export async function cancelRun(runDir: string, say: (line: string) => void): Promise<void> {
  const { jobId } = await cancelSlurmRun(runDir);
  say(jobId ? `cancelled Slurm job ${jobId} (${runDir}); resume it with: cxr-lab resume ${runDir} --executor slurm` : `${runDir} had no job to cancel`);
}

const FAILED = new Set(['failed', 'node_fail', 'interrupted', 'timeout', 'preempted', 'unreadable', 'unknown']);
const ACTIVE = new Set(['pending', 'running', 'queued']);

/**
 * Follows submitted runs until Slurm is done with all of them, printing each change of state; then the exit status:
 * 0 all completed, 1 one failed, timed out or was preempted (an error naming its Slurm log), 130 one was cancelled.
 */
export async function waitForRuns(runDirs: string[], say: (line: string) => void, o: { intervalMs?: number; signal?: AbortSignal } = {}): Promise<number> {
  const wanted = new Set(runDirs.map((d) => path.resolve(d)));
  const seen = new Map<string, string>();
  for (;;) {
    const rows = await currentRows(wanted);
    for (const r of rows) {
      const text = statusText(r);
      if (seen.get(r.dir) !== text) say(`${r.name}: ${text}`);
      seen.set(r.dir, text);
    }
    if (rows.length === wanted.size && rows.every((r) => !ACTIVE.has(r.status) && !r.status.startsWith('running'))) {
      const failed = rows.filter((r) => FAILED.has(r.status));
      if (failed.length > 0) {
        throw new Error(failed.map((r) => `${r.name} ${r.status}${r.slurm?.log ? ` (Slurm log: ${r.slurm.log})` : ''}`).join('; ') + '.');
      }
      return rows.some((r) => r.status !== 'completed') ? 130 : 0;
    }
    if (o.signal?.aborted) return 130;
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 3000));
  }
}

async function currentRows(wanted: Set<string>): Promise<RunRow[]> {
  const byDir = new Map<string, RunRow>();
  const parents = new Set([...wanted].map((d) => path.dirname(d)));
  for (const parent of parents) {
    const listing = await listRunsAndSweeps(parent);
    for (const r of [...listing.runs, ...listing.sweeps.flatMap((s) => s.members)]) if (wanted.has(r.dir)) byDir.set(r.dir, r);
    for (const dir of wanted) {
      if (byDir.has(dir)) continue;
      const own = await listRunsAndSweeps(dir); // a run folder given directly
      for (const r of own.runs) if (r.dir === dir) byDir.set(dir, r);
    }
  }
  return [...byDir.values()];
}

/**
 * `cxr-lab slurm-job <run>` on the node: record the start, train or resume, record the end with the exit code the CLI
 * will exit with. `--ended <code>` (the batch script's last line) records an end only when the training could not.
 */
export async function slurmJobCommand(runDir: string, o: { ended?: number }, train: (req: Omit<TrainRequest, 'type' | 'id'>) => Promise<TrainResult>,
  exitCodeNow: () => number, say: (line: string) => void): Promise<TrainResult | undefined> {
  if (o.ended !== undefined) {
    await endAttempt(runDir, o.ended, { onlyIfOpen: true });
    return undefined;
  }
  const plan = await startAttempt(runDir);
  say(plan.message);
  let code = 1;
  let reason: string | undefined;
  try {
    if (!plan.request) { code = 0; return undefined; }
    const result = await train(plan.request);
    code = exitCodeNow() || (result.status === 'completed' ? 0 : result.status === 'cancelled' ? 143 : 1);
    return result;
  } catch (e) {
    code = exitCodeNow() || 1;
    reason = (e as Error).message;
    throw e;
  } finally {
    await endAttempt(runDir, code, { reason }).catch((e: Error) => say(`warning: could not record the end of the attempt: ${e.message}`));
  }
}

/** `resume <run>` here of a Slurm run that never started (slurm-job.json, no run.json): train it from its submission. */
export async function localResumeRequest(runDir: string): Promise<Omit<TrainRequest, 'type' | 'id'> | undefined> {
  const file = await readSlurmJobFile(path.resolve(runDir)).catch(() => undefined);
  if (!file || await readRunInfo(path.resolve(runDir)).catch(() => undefined)) return undefined;
  return { dataset: file.dataset, config: file.config, runDir: path.resolve(runDir) };
}
