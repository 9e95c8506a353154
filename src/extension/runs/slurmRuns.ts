/**
 * Runs submitted with `--executor slurm` (slurm-job.json in the run folder) in the Runs tree: their Slurm state and
 * reason (squeue, while Slurm knows the job; the folder after), and a record for a run whose job has not started yet
 * (no run.json), so a pending or cancelled-while-pending job is listed, resumable. No vscode import.
 */
import * as path from 'node:path';
import { currentJobId, parseSlurmJobFile, RUN_LAYOUT_VERSION, SLURM_JOB_FILE, type RunInfo, type SlurmJobFile } from '../../shared/runFiles';
import { readTextIfExists } from '../../shared/node/runFs';
import { queryMySlurmJobs } from '../../shared/node/slurmQuery';
import { slurmRunView, type SlurmRunView } from '../../shared/slurm/runState';

export async function readSlurmJob(dir: string): Promise<SlurmJobFile | undefined> {
  const file = path.join(dir, SLURM_JOB_FILE);
  const text = await readTextIfExists(file).catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return parseSlurmJobFile(text, file);
  } catch {
    return undefined; // not listed as a Slurm run; the folder's run.json (if any) still lists it
  }
}

/** The Slurm view of a run folder, or undefined when it was not submitted to Slurm. Only such folders ask squeue. */
export async function slurmStateOf(dir: string, info: Pick<RunInfo, 'status' | 'error' | 'note'> | undefined): Promise<SlurmRunView | undefined> {
  const file = await readSlurmJob(dir);
  if (!file) return undefined;
  const jobId = currentJobId(file);
  let answer = await queryMySlurmJobs();
  // An answer from before (or just after) the job was submitted cannot know it: ask again rather than call it gone.
  const submitted = Date.parse(file.submissions.at(-1)?.submittedAt ?? '') || 0;
  if (jobId && !answer.jobs.has(jobId) && answer.askedAt < submitted + 5000) answer = await queryMySlurmJobs(0);
  return slurmRunView(file, info, jobId ? answer.jobs.get(jobId) : undefined, answer.reachable);
}

/** The tree's status of a Slurm run: waiting in Slurm is 'queued'; how Slurm ended it wins over a run.json that could not say. */
export function slurmTreeStatus<S extends string>(view: SlurmRunView, folder: S | undefined): S | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted' {
  switch (view.status) {
    case 'pending': return 'queued';
    case 'running': return folder && folder !== 'interrupted' ? folder : 'running';
    case 'unknown': return folder ?? 'queued';
    case 'timeout': case 'preempted': case 'node_fail': return 'cancelled';
    default: return view.status;
  }
}

/** run.json as far as the submission knows it, for a Slurm run whose job has not written one (pending, or cancelled before it started). */
export function submittedRunInfo(dir: string, file: SlurmJobFile): RunInfo {
  const submitted = file.submissions[0]?.submittedAt ?? new Date(0).toISOString();
  const c = file.config;
  return {
    format: RUN_LAYOUT_VERSION, id: path.basename(dir), createdAt: submitted, updatedAt: file.submissions.at(-1)?.submittedAt ?? submitted,
    status: 'cancelled', pid: 0,
    config: {
      arch: c.arch ?? '?', epochs: c.epochs ?? 0, batchSize: c.batchSize ?? 0, microBatch: c.microBatch ?? 0, lr: c.lr ?? 0, imageSize: c.imageSize ?? 0,
      valPerClass: c.valPerClass ?? 0, testPerClass: c.testPerClass ?? 0, sampler: c.sampler ?? 'weighted', scheduler: c.scheduler ?? 'step',
      stepSize: c.stepSize ?? 0, gamma: c.gamma ?? 0, seed: c.seed ?? 0, freezeBackbone: c.freezeBackbone ?? false, ...c,
    },
    dataset: { root: file.dataset, hash: '', layout: '', classes: [], perClass: {}, excluded: 0 },
    split: { groupedBy: 'file', counts: { train: 0, val: 0, test: 0 }, warnings: [] },
    model: { arch: c.arch ?? '?', camLayer: '', normalization: '', trainableParams: 0, microBatch: 0 },
    backend: { name: 'slurm', threads: 0, simd: false },
    versions: {}, epochsDone: 0,
  };
}

/** The Slurm part of a run's row: "Slurm job 12 pending (Priority)", "Slurm job 12 timeout", "Slurm job 12". */
export function slurmNote(view: SlurmRunView): string {
  const job = `Slurm job ${view.jobId ?? '?'}`;
  if (view.status === 'pending') return `${job} pending${view.reason ? ` (${view.reason})` : ''}`;
  if (view.status === 'timeout' || view.status === 'preempted' || view.status === 'node_fail' || view.status === 'unknown') return `${job} ${view.status.replace('_', ' ')}`;
  return job;
}

/**
 * A queue submitted to Slurm has no runner: it is running while a member's job is queued or running, else it ended as
 * its members did (sweep.json says so once the last job ended; a job cancelled before it started never tells it).
 */
export function slurmSweepStatus(members: readonly { status?: string; slurm?: SlurmRunView }[]): 'running' | 'completed' | 'failed' | 'cancelled' {
  if (members.some((m) => m.slurm?.cancellable)) return 'running';
  if (members.some((m) => m.status === 'failed')) return 'failed';
  if (members.some((m) => m.status !== 'completed')) return 'cancelled';
  return 'completed';
}
