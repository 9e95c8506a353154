/**
 * The batch script of a Slurm run (slurm-job.sh in the run folder). It runs `cxr-lab slurm-job <run>`, which records
 * the attempt's start in slurm-job.json, trains — or resumes when the folder already holds a run, so a requeued job
 * continues instead of failing — and records its end and exit code. SIGTERM (time limit, preemption, scancel) reaches
 * the training, which stops after its current batch, resumable; the shell traps it so that it can still record the
 * exit code of a training that died without doing so (killed, out of memory).
 */

export interface BatchScriptOptions {
  runDir: string;
  /** The directory the job starts in (the one `cxr-lab train` was run from). */
  cwd: string;
  /** How to start cxr-lab on the node: a shell command line (already quoted where needed). */
  command: string;
  /** Global options for cxr-lab (e.g. ["--backend", "tensorflow"]). */
  cliArgs?: readonly string[];
  /** Shell lines to run first (module load …). */
  setup?: readonly string[];
  jobName: string;
  /** `--output` of sbatch: the log file pattern (%j = job id). */
  output: string;
}

/** A word for a POSIX shell, single-quoted unless it is plainly safe. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function batchScript(o: BatchScriptOptions): string {
  const run = shellQuote(o.runDir);
  const cli = [o.command, ...(o.cliArgs ?? []).map(shellQuote)].join(' ');
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${shellQuote(o.jobName)}`,
    `#SBATCH --output=${shellQuote(o.output)}`,
    '#SBATCH --open-mode=append',
    '# Written by cxr-lab (train --executor slurm). The other sbatch options are on its command line (slurm-job.json).',
    '# Trains the run folder, or resumes it when it already holds a run (a requeued or resubmitted job continues).',
    'set -u',
    `cd ${shellQuote(o.cwd)} || exit 1`,
    ...(o.setup ?? []),
    'echo "cxr-lab: job ${SLURM_JOB_ID:-?} (restart ${SLURM_RESTART_COUNT:-0}) on $(hostname) at $(date -Is)"',
    // Deferred while the training runs: it gets the same SIGTERM and stops cleanly, then the lines below still run.
    `trap 'echo "cxr-lab: SIGTERM (time limit, preemption or scancel): stopping after the current batch"' TERM`,
    `${cli} slurm-job ${run}`,
    'code=$?',
    `${cli} slurm-job ${run} --ended "$code" >/dev/null 2>&1 || true`,
    'echo "cxr-lab: exit code $code at $(date -Is)"',
    'exit "$code"',
    '',
  ].join('\n');
}
