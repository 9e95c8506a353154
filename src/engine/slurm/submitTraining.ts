/**
 * A training on Slurm, as `cxr-lab train … --executor slurm` and the extension's "Run on: Slurm cluster" ask for it:
 * one run, or a queue (several architectures or seeds) whose members are each a Slurm job of their own, submitted at
 * once — Slurm decides what runs in parallel. The queue's folder and sweep.json are the local queue's
 * (src/engine/sweep/; its folder named as claimDefaultSweepDir names it, under the workspace), without a runner: each job keeps its member's line up to date (sweepMember.ts).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { TrainConfig } from '../../shared/engineProtocol';
import { currentJobId, LAB_DIR, RUNS_DIR, runFolderName, runStamp, SWEEPS_DIR } from '../../shared/runFiles';
import { mergeSbatchOptions, type SbatchOptions, type SlurmSettings } from '../../shared/slurm/settings';
import { slurmRunView } from '../../shared/slurm/runState';
import { claimNewFolder } from '../../shared/node/runFs';
import { querySlurmJobs } from '../../shared/node/slurmQuery';
import { readRunInfo, readSweepFile } from '../run/runFiles';
import { isSweep, memberConfig, planSweep } from '../sweep/plan';
import { SweepStore } from '../sweep/sweepStore';
import { readSlurmJobFile } from './jobFile';
import { checkSbatchOptions } from './sbatchOptions';
import { readSlurmSettings } from './settingsFile';
import { requireSbatch } from './slurmCommands';
import { resubmitRun, submitRun, type SubmittedRun } from './submit';
import { updateSweepFile, updateSweepMember } from './sweepMember';

/** What every submission of one command shares: the sbatch options (settings file + flags), the settings, cxr-lab's global options. */
export interface SlurmContext { sbatch: SbatchOptions; settings: SlurmSettings; cliArgs: string[]; cwd: string }

/**
 * sbatch on PATH (else a ConfigError in one sentence: a usage error), the workspace's `.cxr-lab/slurm.json` with
 * `flags` over it, all checked before anything is submitted.
 */
export async function slurmContext(workspace: string, flags: SbatchOptions, backend?: string): Promise<SlurmContext> {
  requireSbatch();
  const settings = await readSlurmSettings(workspace);
  const sbatch = mergeSbatchOptions(settings, flags);
  checkSbatchOptions(sbatch);
  return { sbatch, settings, cliArgs: backend && backend !== 'auto' ? ['--backend', backend] : [], cwd: path.resolve(workspace) };
}

export interface SlurmTrainInput {
  dataset: string;
  /** The recipe as given (arch and seed come from archs / seeds). */
  config: Partial<TrainConfig>;
  archs: string[];
  seeds?: number[];
  splitSeed?: number;
  /** The run folder (one run) or the queue's folder; default a new one under `.cxr-lab/runs` or `.cxr-lab/sweeps` of the workspace. */
  out?: string;
}

export interface SlurmSubmission { sweepDir?: string; runs: SubmittedRun[] }

type Say = (line: string) => void;

async function submitOne(runDir: string, dataset: string, config: Partial<TrainConfig>, ctx: SlurmContext, say: Say, name = path.basename(runDir)): Promise<SubmittedRun> {
  const s = await submitRun({ runDir, dataset, config, sbatch: ctx.sbatch, settings: ctx.settings, cliArgs: ctx.cliArgs, cwd: ctx.cwd });
  say(`submitted ${name} as Slurm job ${s.jobId} → ${s.runDir} (log ${s.log})`);
  return s;
}

export async function submitTraining(i: SlurmTrainInput, ctx: SlurmContext, say: Say): Promise<SlurmSubmission> {
  const dataset = path.resolve(ctx.cwd, i.dataset);
  if (!isSweep(i.archs, i.seeds, i.config.folds)) {
    const config = { ...i.config, arch: i.archs[0], ...(i.seeds ? { seed: i.seeds[0] } : {}) };
    const runDir = i.out ? path.resolve(ctx.cwd, i.out) : await claimNewFolder(path.join(ctx.cwd, LAB_DIR, RUNS_DIR), runFolderName(config.arch));
    return { runs: [await submitOne(runDir, dataset, config, ctx, say)] };
  }
  const plan = planSweep({ archs: i.archs, seeds: i.seeds, seed: i.config.seed, splitSeed: i.splitSeed ?? i.config.splitSeed, folds: i.config.folds });
  const { arch: _arch, seed: _seed, splitSeed: _split, ...shared } = i.config;
  const sweepDir = i.out ? path.resolve(ctx.cwd, i.out) : await claimNewFolder(path.join(ctx.cwd, LAB_DIR, SWEEPS_DIR), `${runStamp(new Date())}-sweep`);
  const store = await SweepStore.create(sweepDir, {
    dataset, config: shared, splitSeed: plan.splitSeed, archs: plan.archs, seeds: plan.seeds, executor: 'slurm',
    members: plan.members.map((m) => ({ ...m, runDir: m.name, status: 'queued' as const })),
  });
  const runs: SubmittedRun[] = [];
  try {
    for (const m of store.file.members) {
      try {
        runs.push(await submitOne(store.memberDir(m), dataset, memberConfig(shared, m, plan.splitSeed), ctx, say, m.name));
      } catch (e) {
        if (runs.length === 0) {
          // Slurm refused the first job: nothing was submitted, so no queue is left behind either.
          await store.release();
          await fs.rm(sweepDir, { recursive: true, force: true });
          throw e;
        }
        await store.updateMember(m.name, { status: 'failed', reason: (e as Error).message });
        say(`${m.name}: ${(e as Error).message}`);
      }
    }
    // No runner works through this queue: the jobs update sweep.json themselves.
    await store.update({ runner: undefined, note: `submitted to Slurm as ${runs.length} job${runs.length === 1 ? '' : 's'}: ${runs.map((r) => r.jobId).join(', ')}` });
  } finally {
    await store.release();
  }
  return { sweepDir, runs };
}

/**
 * A run submitted again, or each unfinished member of a queue (completed members and those Slurm still queues or runs
 * are left alone; a member of a local queue is submitted for the first time).
 */
export async function resubmitTraining(dirIn: string, ctx: SlurmContext, say: Say): Promise<SlurmSubmission> {
  const dir = path.resolve(ctx.cwd, dirIn);
  const sweep = await readSweepFile(dir);
  if (!sweep) {
    const s = await resubmitRun(dir, { sbatch: ctx.sbatch, settings: ctx.settings, cliArgs: ctx.cliArgs, cwd: ctx.cwd });
    say(`submitted ${path.basename(s.runDir)} again as Slurm job ${s.jobId} (log ${s.log})`);
    return { runs: [s] };
  }
  const runs: SubmittedRun[] = [];
  for (const m of sweep.members) {
    const memberDir = path.resolve(dir, m.runDir);
    if (await doneOrActive(memberDir)) continue;
    const file = await readSlurmJobFile(memberDir);
    const s = file
      ? await resubmitRun(memberDir, { sbatch: ctx.sbatch, settings: ctx.settings, cliArgs: ctx.cliArgs, cwd: ctx.cwd })
      : await submitRun({ runDir: memberDir, dataset: sweep.dataset, config: memberConfig(sweep.config, m, sweep.splitSeed), sbatch: ctx.sbatch, settings: ctx.settings, cliArgs: ctx.cliArgs, cwd: ctx.cwd });
    say(`submitted ${m.name} ${file ? 'again ' : ''}as Slurm job ${s.jobId} (log ${s.log})`);
    runs.push(s);
    await updateSweepMember(memberDir, { status: 'queued', reason: undefined });
  }
  if (runs.length > 0 && sweep.executor !== 'slurm') await updateSweepFile(dir, { executor: 'slurm' });
  if (runs.length === 0) say('Every member is completed, or still queued or running in Slurm: nothing to submit.');
  return { sweepDir: dir, runs };
}

/** Completed, or still pending or running in Slurm. */
async function doneOrActive(runDir: string): Promise<boolean> {
  const info = await readRunInfo(runDir).catch(() => undefined);
  if (info?.status === 'completed') return true;
  const file = await readSlurmJobFile(runDir).catch(() => undefined);
  const jobId = file && currentJobId(file);
  if (!file || !jobId) return false;
  const answer = await querySlurmJobs([jobId]);
  const view = slurmRunView(file, info, answer.jobs.get(jobId), answer.reachable);
  return view.status === 'completed' || view.cancellable;
}
