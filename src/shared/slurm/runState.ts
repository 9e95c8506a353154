/**
 * The state of a run trained as a Slurm job, from what its folder records (slurm-job.json, run.json) and what Slurm
 * says while it still knows the job (squeue / scontrol). Pure: `cxr-lab runs` and the Runs tree share it.
 *
 * Slurm is asked first while it knows the job (pending with its reason, running, or how it ended); once it has
 * forgotten a finished job (MinJobAge, accounting off) the folder decides: run.json's status, else the exit code the
 * batch script recorded, else — a job that never started and is gone — cancelled.
 */
import { currentJobId, type SlurmJobFile } from '../runFiles/slurmJob';
import { describeSlurmState, isFinalPhase, type SlurmJobState } from './jobState';

export type SlurmRunStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'timeout' | 'preempted' | 'node_fail' | 'interrupted' | 'unknown';

export interface SlurmRunView {
  jobId?: string;
  status: SlurmRunStatus;
  /** One phrase for a person: "pending (Priority)", "running on node12", "failed (exit code 1); log: /…/slurm-12.log". */
  phrase: string;
  /** Slurm's reason while it knows the job (pending: Priority, Resources, JobHeldUser…). */
  reason?: string;
  /** Slurm's own state word while it knows the job (PENDING, RUNNING, CANCELLED…). */
  slurmState?: string;
  /** The job's log (Slurm's stdout and stderr). */
  log?: string;
  /** Can be resumed (`cxr-lab resume`) or submitted again (`--executor slurm`). */
  resumable: boolean;
  /** Slurm still runs or queues it: scancel applies. */
  cancellable: boolean;
}

/** What run.json says, when the job got as far as writing it. */
export interface RunFolderState { status: string; error?: string; note?: string }

/**
 * `live`: Slurm's state of the current job, undefined when Slurm does not know it (forgotten, or never asked);
 * `reachable`: whether Slurm could be asked at all (squeue ran) — without it the folder is all there is.
 */
export function slurmRunView(file: SlurmJobFile, run: RunFolderState | undefined, live: SlurmJobState | undefined, reachable: boolean): SlurmRunView {
  const jobId = currentJobId(file);
  const log = file.submissions.at(-1)?.log;
  const attempt = file.attempts.filter((a) => a.jobId === jobId).at(-1);
  const withLog = (text: string) => (log ? `${text}; log: ${log}` : text);
  const view = (status: SlurmRunStatus, phrase: string): SlurmRunView => ({
    jobId, status, phrase, log,
    resumable: status !== 'completed' && status !== 'pending' && status !== 'running' && status !== 'unknown',
    cancellable: status === 'pending' || status === 'running',
    ...(live ? { slurmState: live.state, ...(live.reason ? { reason: live.reason } : {}) } : {}),
  });
  const failedPhrase = (what: string) => withLog(run?.error ? `${what}: ${run.error.replace(/\.$/, '')}` : what);

  if (live && !isFinalPhase(live.phase)) {
    const status = live.phase === 'pending' ? 'pending' : 'running';
    return view(status, `${describeSlurmState(live)} (job ${live.jobId})`);
  }
  if (run?.status === 'completed') return view('completed', 'completed');
  if (live) {
    // Slurm's word for how it ended: it knows a time limit or a preemption, which the folder only sees as SIGTERM.
    switch (live.phase) {
      case 'completed': return view(run?.status === 'failed' ? 'failed' : 'completed', run?.status === 'failed' ? failedPhrase('failed') : 'completed');
      case 'failed': return view('failed', failedPhrase(describeSlurmState(live)));
      case 'cancelled': return view('cancelled', attempt ? 'cancelled (scancel); resumable' : 'cancelled before it started (scancel)');
      case 'timeout': return view('timeout', withLog('stopped at its time limit; resumable'));
      case 'preempted': return view('preempted', withLog('preempted; resumable'));
      case 'node_fail': return view('node_fail', withLog('its node failed; resumable'));
    }
  }
  if (file.cancelledAt && (!attempt || attempt.startedAt <= file.cancelledAt)) return view('cancelled', 'cancelled');
  if (attempt?.exitCode !== undefined) {
    if (attempt.exitCode === 0) return view('completed', 'completed');
    if (attempt.exitCode === 143 || attempt.exitCode === 130) return view('cancelled', withLog(`stopped by ${attempt.exitCode === 143 ? 'SIGTERM (scancel, time limit or preemption)' : 'SIGINT'}; resumable`));
    return view('failed', failedPhrase(`failed (exit code ${attempt.exitCode})`));
  }
  if (!reachable) return view('unknown', `job ${jobId ?? '?'}: Slurm could not be asked from here${attempt ? `; started on ${attempt.host}` : ''}`);
  if (attempt) return view('interrupted', withLog(`job ${jobId} ended without a word (killed, or its node failed); resumable`));
  return view('cancelled', `job ${jobId ?? '?'} never started and Slurm no longer knows it (cancelled)`);
}
