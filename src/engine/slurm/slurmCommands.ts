/**
 * The Slurm commands that change something: sbatch, scontrol release, scancel. A refusal is a SlurmError quoting
 * Slurm's own message ("sbatch: error: invalid partition specified: nope").
 */
import { findOnPath, runCommand, type CommandResult } from '../../shared/node/slurmQuery';
import { ConfigError, RunError } from '../errors';

/** Slurm refused or failed a command; the message quotes what it said. */
export class SlurmError extends RunError {
  constructor(message: string) {
    super(message);
    this.name = 'SlurmError';
  }
}

/** The one sentence for `--executor slurm` where there is no sbatch (a ConfigError: a usage error, exit 2). */
export function requireSbatch(env: NodeJS.ProcessEnv = process.env): string {
  const sbatch = findOnPath('sbatch', env);
  if (!sbatch) throw new ConfigError('--executor slurm needs Slurm\'s sbatch on PATH (run it on the cluster\'s login node, or load Slurm\'s module first).', { option: '--executor', rule: 'needs sbatch on PATH' });
  return sbatch;
}

/** Slurm's own words from stderr: its error lines without repeats, joined into one line. */
export function slurmMessage(r: CommandResult): string {
  const lines = r.stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => /error/i.test(l));
  return [...new Set(errors.length > 0 ? errors : lines)].join(' — ') || `exit code ${r.code}`;
}

/** `sbatch --parsable [args] script`: the job id ("1234", or "1234;cluster" → "1234"). */
export async function sbatch(args: readonly string[], script: string, o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await runCommand('sbatch', ['--parsable', ...args, script], { ...o, timeoutMs: 60_000 });
  const id = r.stdout.trim().split('\n').at(-1)?.split(';')[0].trim();
  if (r.code !== 0 || !id || !/^\d+(_\d+)?$/.test(id)) throw new SlurmError(`Slurm refused the job: ${slurmMessage(r)}`);
  return id;
}

export async function releaseJob(jobId: string): Promise<void> {
  const r = await runCommand('scontrol', ['release', jobId]);
  if (r.code !== 0) throw new SlurmError(`Slurm could not release job ${jobId}: ${slurmMessage(r)}`);
}

/** scancel; a job Slurm no longer knows, or one already finished, is not an error. */
export async function cancelJob(jobId: string): Promise<void> {
  const r = await runCommand('scancel', [jobId]);
  if (r.code !== 0 && !/invalid job id|already completed|job has already finished/i.test(r.stderr)) {
    throw new SlurmError(`scancel ${jobId} failed: ${slurmMessage(r)}`);
  }
}
