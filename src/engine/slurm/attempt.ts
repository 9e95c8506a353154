/**
 * The job's side of a Slurm run, on its node (`cxr-lab slurm-job <run>`, started by the batch script): record the
 * attempt's start in slurm-job.json, say what to do — train the run, resume it (a requeued or resubmitted job whose
 * folder already holds run.json), or nothing (already completed) — and record the attempt's end and exit code.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { TrainRequest } from '../../shared/engineProtocol';
import { currentJobId, type SlurmAttempt, type SlurmJobFile } from '../../shared/runFiles';
import { readRunInfo } from '../run/runFiles';
import { updateSlurmJobFile } from './jobFile';
import { updateSweepMember } from './sweepMember';

export interface AttemptPlan {
  attempt: SlurmAttempt;
  /** What to train; undefined when the run is already completed (a requeue after the end). */
  request?: Omit<TrainRequest, 'type' | 'id'>;
  /** One line for the job's log. */
  message: string;
}

/** Records the start of this attempt (job id and restart count from Slurm's environment) and plans it. */
export async function startAttempt(runDirIn: string, env: NodeJS.ProcessEnv = process.env): Promise<AttemptPlan> {
  const runDir = path.resolve(runDirIn);
  let attempt: SlurmAttempt | undefined;
  const file = await updateSlurmJobFile(runDir, (f) => {
    attempt = {
      jobId: env.SLURM_JOB_ID ?? currentJobId(f) ?? '?',
      restart: Number(env.SLURM_RESTART_COUNT ?? 0) || 0,
      host: os.hostname(),
      startedAt: new Date().toISOString(),
    };
    return { ...f, attempts: [...f.attempts, attempt] };
  });
  const info = await readRunInfo(runDir);
  await updateSweepMember(runDir, { status: info?.status === 'completed' ? 'completed' : 'running', reason: undefined, startedAt: attempt!.startedAt, endedAt: undefined });
  if (info?.status === 'completed') return { attempt: attempt!, message: `${runDir} is already completed; nothing to do.` };
  if (info) {
    // The run's earlier attempt is gone (Slurm requeued or we resubmitted): its lock, on whatever node, is taken over.
    return { attempt: attempt!, request: { dataset: '', config: {}, resume: runDir, force: true }, message: `Resuming ${runDir} (epoch ${info.epochsDone} done) as job ${attempt!.jobId}, restart ${attempt!.restart}, on ${attempt!.host}.` };
  }
  return { attempt: attempt!, request: trainRequest(runDir, file), message: `Training ${runDir} as job ${attempt!.jobId} on ${attempt!.host}.` };
}

function trainRequest(runDir: string, file: SlurmJobFile): Omit<TrainRequest, 'type' | 'id'> {
  // force: a run.lock left by an attempt that died before run.json was written belongs to a gone process.
  return { dataset: file.dataset, config: file.config, runDir, force: true };
}

/**
 * Records the end of the attempt that `jobId`/`restart` name (the last open one when they are not known). With
 * `onlyIfOpen` (the batch script's fallback after a training process that died without recording) an attempt that
 * already has its end is left as it is.
 */
export async function endAttempt(runDirIn: string, exitCode: number, o: { onlyIfOpen?: boolean; env?: NodeJS.ProcessEnv; reason?: string } = {}): Promise<void> {
  const env = o.env ?? process.env;
  const runDir = path.resolve(runDirIn);
  let recorded = false;
  await updateSlurmJobFile(runDir, (f) => {
    const attempts = [...f.attempts];
    let i = attempts.length - 1;
    const jobId = env.SLURM_JOB_ID, restart = env.SLURM_RESTART_COUNT !== undefined ? Number(env.SLURM_RESTART_COUNT) : undefined;
    if (jobId !== undefined) while (i >= 0 && !(attempts[i].jobId === jobId && (restart === undefined || attempts[i].restart === restart))) i--;
    if (i < 0) return undefined;
    if (o.onlyIfOpen && attempts[i].endedAt !== undefined) return undefined;
    attempts[i] = { ...attempts[i], endedAt: new Date().toISOString(), exitCode };
    recorded = true;
    return { ...f, attempts };
  });
  if (!recorded) return;
  const info = await readRunInfo(runDir).catch(() => undefined);
  const status = exitCode === 0 ? 'completed' : exitCode === 143 || exitCode === 130 ? 'cancelled' : 'failed';
  const reason = status === 'completed' ? undefined
    : status === 'cancelled' ? (info?.note ?? 'stopped by SIGTERM (scancel, time limit or preemption); resumable')
    : (o.reason ?? info?.error ?? (o.onlyIfOpen ? `the training process ended with exit code ${exitCode} without a word (killed, out of memory?)` : `exit code ${exitCode}`));
  await updateSweepMember(runDir, { status, reason, endedAt: new Date().toISOString(), ...(info ? { epochsDone: info.epochsDone } : {}) });
}
