/**
 * slurm-job.json: a run trained as a Slurm batch job (`--executor slurm`). Written when the job is submitted — the
 * run folder exists from then on, before run.json, so a job cancelled while pending is still listed and can be
 * resubmitted — and by the job itself on the node: each attempt (a requeued job runs again) adds its start, and its
 * end with the exit code. With accounting off Slurm forgets a finished job after MinJobAge (5 min by default): this
 * file is the record that stays.
 */
import { z } from 'zod';
import { formatField } from './fields';
import { parseRunFile } from './parse';
import { trainConfigSchema } from './run';

export const SLURM_JOB_FILE = 'slurm-job.json';
/** The batch script, beside slurm-job.json; Slurm's output goes to `slurm-<job id>.log` in the run folder. */
export const SLURM_SCRIPT_FILE = 'slurm-job.sh';
export const slurmLogName = (jobId: string): string => `slurm-${jobId}.log`;
/** The `--output` pattern of sbatch for slurmLogName (Slurm puts the job id for %j). */
export const SLURM_LOG_PATTERN = 'slurm-%j.log';

/** One sbatch submission of the run. */
export const slurmSubmissionSchema = z.object({
  jobId: z.string(),
  submittedAt: z.string(),
  /** The sbatch options it was submitted with, as passed (e.g. ["--partition=gpu", "--gres=gpu:1"]). */
  options: z.array(z.string()),
  /** Absolute path of its log (Slurm's stdout and stderr). */
  log: z.string(),
});
export type SlurmSubmission = z.infer<typeof slurmSubmissionSchema>;

/** One run of the batch script on a node (a requeued job runs it again, with the same job id). */
export const slurmAttemptSchema = z.object({
  jobId: z.string(),
  /** SLURM_RESTART_COUNT: 0 on the first run, then one more per requeue. */
  restart: z.number(),
  host: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  /** The training process's exit status: 0 completed, 1 failed, 143 stopped by SIGTERM (time limit, preemption), 137 killed. */
  exitCode: z.number().optional(),
});
export type SlurmAttempt = z.infer<typeof slurmAttemptSchema>;

export const slurmJobFileSchema = z.object({
  format: formatField,
  /** What the job trains: the dataset (absolute) and the config; a run folder that already holds run.json is resumed. */
  dataset: z.string(),
  config: trainConfigSchema.partial(),
  /** Submissions, oldest first: the last one is the run's current job. */
  submissions: z.array(slurmSubmissionSchema),
  attempts: z.array(slurmAttemptSchema),
  /** Set when the run was cancelled through CXR Lab (scancel) — Slurm's own record of it is forgotten after a while. */
  cancelledAt: z.string().optional(),
});
export type SlurmJobFile = z.infer<typeof slurmJobFileSchema>;

/** The run's current job id: that of its last submission (undefined before the first sbatch answered). */
export function currentJobId(file: Pick<SlurmJobFile, 'submissions'>): string | undefined {
  return file.submissions.at(-1)?.jobId;
}

export function parseSlurmJobFile(text: string, fileName: string): SlurmJobFile {
  return parseRunFile(slurmJobFileSchema, text, fileName);
}
