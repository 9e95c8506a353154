/**
 * Submitting a run as a Slurm batch job, submitting it again, cancelling it. The run folder is made at submission:
 * slurm-job.sh (batchScript.ts) and slurm-job.json (the job id, the request, later the attempts), so a job cancelled
 * while pending is still listed and can be resubmitted. The job is submitted held (`--hold`) and released once its id
 * is in slurm-job.json: the job's own writes to that file can then never race the submitter's.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { TrainConfig } from '../../shared/engineProtocol';
import { RUN_FILES, RUN_LAYOUT_VERSION, SLURM_JOB_FILE, SLURM_LOG_PATTERN, SLURM_SCRIPT_FILE, slurmLogName, type SlurmSubmission } from '../../shared/runFiles';
import type { SbatchOptions, SlurmSettings } from '../../shared/slurm/settings';
import { querySlurmJobs } from '../../shared/node/slurmQuery';
import { isFinalPhase } from '../../shared/slurm/jobState';
import { writeFileAtomic } from '../io/atomic';
import { RunError } from '../errors';
import { resolveTrainConfig } from '../train/config';
import { batchScript, shellQuote } from './batchScript';
import { readSlurmJobFile, updateSlurmJobFile, writeSlurmJobFile } from './jobFile';
import { checkSbatchOptions, sbatchArgs } from './sbatchOptions';
import { cancelJob, releaseJob, sbatch } from './slurmCommands';

export interface SlurmSubmitCommon {
  /** sbatch options: the workspace's `.cxr-lab/slurm.json` merged with the flags (mergeSbatchOptions). */
  sbatch: SbatchOptions;
  /** The rest of `.cxr-lab/slurm.json`: more sbatch arguments, setup lines, how to start cxr-lab on a node. */
  settings?: Pick<SlurmSettings, 'sbatchArgs' | 'setup' | 'command'>;
  /** Global cxr-lab options for the job (["--backend", "tensorflow"]). */
  cliArgs?: string[];
  /** Where the job starts (default: this process's directory). */
  cwd?: string;
}

export interface SubmitRunOptions extends SlurmSubmitCommon {
  runDir: string;
  dataset: string;
  config: Partial<TrainConfig>;
  /** Slurm's job name (default `cxr-<folder name>`). */
  jobName?: string;
}

export interface SubmittedRun { runDir: string; jobId: string; log: string }

/** How a node starts cxr-lab by default: this Node binary and the CLI bundle beside this one, by absolute path. */
export function defaultCliCommand(): string {
  const candidates = [path.join(__dirname, 'cli.js'), path.resolve(__dirname, '..', '..', '..', 'dist', 'cli.js')];
  const cli = candidates.find((f) => existsSync(f)) ?? candidates[1];
  // Inside VS Code (desktop) this process runs on Electron's binary, which is Node only with ELECTRON_RUN_AS_NODE.
  const asNode = process.versions.electron ? 'ELECTRON_RUN_AS_NODE=1 ' : '';
  return `${asNode}${shellQuote(process.execPath)} ${shellQuote(cli)}`;
}

/** A new run folder, submitted: refused when the folder already holds a run or a job. */
export async function submitRun(o: SubmitRunOptions): Promise<SubmittedRun> {
  checkSbatchOptions(o.sbatch);
  resolveTrainConfig(o.config); // a bad value is refused before anything is made or submitted
  const runDir = path.resolve(o.runDir);
  for (const name of [RUN_FILES.run, SLURM_JOB_FILE]) {
    if (existsSync(path.join(runDir, name))) throw new RunError(`${runDir} already holds a run; choose another --out, or resume it.`);
  }
  await fs.mkdir(runDir, { recursive: true });
  const record = (submission: SlurmSubmission): Promise<unknown> => writeSlurmJobFile(runDir, {
    format: RUN_LAYOUT_VERSION, dataset: path.resolve(o.dataset), config: resolveTrainConfig(o.config), submissions: [submission], attempts: [],
  });
  try {
    return await submitHeld(runDir, record, o, o.jobName ?? `cxr-${path.basename(runDir)}`);
  } catch (e) {
    // Refused: the folder goes again when the script was all it held (a folder given with --out keeps its other files).
    await fs.rm(path.join(runDir, SLURM_SCRIPT_FILE), { force: true }).catch(() => undefined);
    await fs.rmdir(runDir).catch(() => undefined);
    throw e;
  }
}

/**
 * Submits a Slurm run again (a new job): after a cancel, a failure, a time limit or a node failure. The job resumes
 * from the last checkpoint, or trains from the start when the first job never got that far. Refused while its
 * current job is still pending or running.
 */
export async function resubmitRun(runDirIn: string, o: SlurmSubmitCommon): Promise<SubmittedRun> {
  checkSbatchOptions(o.sbatch);
  const runDir = path.resolve(runDirIn);
  const file = await readSlurmJobFile(runDir);
  if (!file) throw new RunError(`${runDir} was not submitted to Slurm (no ${SLURM_JOB_FILE}); resume it without --executor, or train it anew.`);
  const info = await fs.readFile(path.join(runDir, RUN_FILES.run), 'utf8').then((t) => JSON.parse(t) as { status?: string }, () => undefined);
  if (info?.status === 'completed') throw new RunError(`${runDir} is completed; there is nothing to resume.`);
  const last = file.submissions.at(-1);
  if (last) {
    const live = (await querySlurmJobs([last.jobId])).jobs.get(last.jobId);
    if (live && !isFinalPhase(live.phase)) throw new RunError(`${runDir} is still ${live.phase} as Slurm job ${last.jobId}; cancel it first (scancel ${last.jobId}).`);
  }
  const record = (submission: SlurmSubmission) => updateSlurmJobFile(runDir, ({ cancelledAt: _cancelled, ...f }) => ({ ...f, submissions: [...f.submissions, submission] }));
  return submitHeld(runDir, record, o, `cxr-${path.basename(runDir)}`);
}

/** Writes the script, submits it held, records the submission (`record`), then releases the job. */
async function submitHeld(runDir: string, record: (s: SlurmSubmission) => Promise<unknown>, o: SlurmSubmitCommon, jobName: string): Promise<SubmittedRun> {
  const script = path.join(runDir, SLURM_SCRIPT_FILE);
  const command = o.settings?.command ?? defaultCliCommand();
  await writeFileAtomic(script, batchScript({
    runDir, cwd: path.resolve(o.cwd ?? process.cwd()), command, cliArgs: o.cliArgs, setup: o.settings?.setup, jobName,
    output: path.join(runDir, SLURM_LOG_PATTERN),
  }));
  await fs.chmod(script, 0o755);
  const options = sbatchArgs(o.sbatch, o.settings?.sbatchArgs ?? []);
  const jobId = await sbatch(['--hold', ...options], script, { cwd: runDir });
  const log = path.join(runDir, slurmLogName(jobId));
  try {
    await record({ jobId, submittedAt: new Date().toISOString(), options, log });
    await releaseJob(jobId);
  } catch (e) {
    await cancelJob(jobId).catch(() => undefined); // never leave a held job behind that the folder does not name
    throw e;
  }
  return { runDir, jobId, log };
}

/** scancel the run's current job and note it in slurm-job.json (Slurm forgets the cancel after a while; the folder keeps it). */
export async function cancelSlurmRun(runDirIn: string): Promise<{ jobId?: string }> {
  const runDir = path.resolve(runDirIn);
  const file = await readSlurmJobFile(runDir);
  if (!file) throw new RunError(`${runDir} was not submitted to Slurm (no ${SLURM_JOB_FILE}).`);
  const jobId = file.submissions.at(-1)?.jobId;
  if (jobId) await cancelJob(jobId);
  await updateSlurmJobFile(runDir, (f) => ({ ...f, cancelledAt: new Date().toISOString() }));
  return { jobId };
}
