/**
 * The training queue: the members of a sweep (plan.ts), trained one after another — never in parallel (2 cores) — each
 * in an engine process of its own (memberProcess.ts), with sweep.json (sweepStore.ts) saying at every step who is
 * queued, running, completed, failed (with its reason) or cancelled. A member that fails, its engine crash included,
 * is marked failed and the queue goes on. Cancelling the queue (the signal: Ctrl-C, SIGTERM) cancels the member in
 * progress after its current batch and the members still queued; a member cancelled on its own (SIGINT to its engine
 * process: Cancel in the Runs tree) is marked cancelled and the queue goes on. `resume` continues a sweep: completed
 * members are skipped, the others resume from their last checkpoint (or start, when they have no run yet).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { JobEvent, TrainConfig } from '../../shared/engineProtocol';
import { LAB_DIR, runStamp, SWEEP_FILES, SWEEPS_DIR, sweepProgressText, type SweepMember, type SweepStatus } from '../../shared/runFiles';
import { claimNewFolder } from '../../shared/node/runFs';
import type { HeldRunLock } from '../run/runLock';
import { readRunInfo } from '../run/runFiles';
import { resolveTrainConfig } from '../train/config';
import { memberConfig, planSweep } from './plan';
import { runMemberProcess, type MemberJob, type MemberOutcome } from './memberProcess';
import { SweepStore } from './sweepStore';

/** An event of the queue: a member's engine event tagged with the member and its run folder, or the queue's own log line. */
export type SweepEvent = JobEvent & { member?: string; runDir?: string };

export interface SweepOptions {
  /** A new sweep: the dataset, the shared recipe (arch and seed come from archs/seeds), the architectures and seeds. */
  dataset?: string;
  config?: Partial<TrainConfig>;
  archs?: string[];
  seeds?: number[];
  splitSeed?: number;
  /** The sweep folder (--out); default a new folder under .cxr-lab/sweeps of the current directory. */
  sweepDir?: string;
  /** A sweep folder to continue instead. */
  resume?: string;
  /** Take over the sweep's lock when another host holds it. */
  force?: boolean;
  /** Aborted: cancel the member in progress and the rest. A string reason ("cancelled by SIGTERM") is kept as the note. */
  signal: AbortSignal;
  emit: (event: SweepEvent) => void;
  /** Trains one member; default: in a forked engine process. */
  runMember?: (job: MemberJob) => Promise<MemberOutcome>;
  /** The member engines' backend preference (the runner's --backend). */
  backend?: string;
}

export interface SweepResult { sweepDir: string; status: SweepStatus; members: SweepMember[]; note?: string }

/** `.cxr-lab/sweeps/<yyyymmdd-hhmmss>-sweep` under the current directory, or `-2`, `-3` … when taken. */
export async function claimDefaultSweepDir(now = new Date()): Promise<string> {
  return claimNewFolder(path.resolve(LAB_DIR, SWEEPS_DIR), `${runStamp(now)}-sweep`);
}

export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  const held: HeldRunLock[] = [];
  const lockOptions = { force: o.force, held, log: (message: string) => o.emit({ type: 'log', level: 'warn', message }) };
  const store = o.resume ? await SweepStore.resume(o.resume, lockOptions) : await createSweep(o, lockOptions);
  try {
    return await workThrough(store, o);
  } finally {
    await store.release();
    for (const lock of held) await lock.release();
  }
}

async function createSweep(o: SweepOptions, lockOptions: Parameters<typeof SweepStore.create>[2]): Promise<SweepStore> {
  if (!o.dataset) throw new Error('No dataset folder given.');
  const plan = planSweep({ archs: o.archs ?? [], seeds: o.seeds, seed: o.config?.seed, splitSeed: o.splitSeed ?? o.config?.splitSeed, folds: o.config?.folds });
  const { arch: _arch, seed: _seed, splitSeed: _split, ...shared } = o.config ?? {};
  // Every member's config is checked now: a bad value stops the queue before anything trains.
  for (const m of plan.members) resolveTrainConfig(memberConfig(shared, m, plan.splitSeed));
  const dir = o.sweepDir ? path.resolve(o.sweepDir) : await claimDefaultSweepDir();
  return SweepStore.create(dir, {
    dataset: path.resolve(o.dataset), config: shared, splitSeed: plan.splitSeed, archs: plan.archs, seeds: plan.seeds, executor: 'local',
    members: plan.members.map((m) => ({ ...m, runDir: m.name, status: 'queued' })),
  }, lockOptions);
}

async function workThrough(store: SweepStore, o: SweepOptions): Promise<SweepResult> {
  const runMember = o.runMember ?? ((job: MemberJob) => runMemberProcess(job, { backend: o.backend }));
  const total = store.file.members.length;
  const log = (message: string, level: 'info' | 'warn' = 'info') => o.emit({ type: 'log', level, message });
  log(`Training queue ${store.dir}: ${total} run${total === 1 ? '' : 's'} (${store.file.members.map((m) => m.name).join(', ')}), one after another; split seed ${store.file.splitSeed}.`);

  for (const [i, m] of store.file.members.entries()) {
    if (m.status === 'completed') continue;
    if (o.signal.aborted) break;
    const runDir = store.memberDir(m);
    const existing = await readRunInfo(runDir).catch(() => undefined);
    if (existing?.status === 'completed') {
      // The runner stopped between the member's end and sweep.json (kill -9): its run says how it ended.
      await store.updateMember(m.name, { status: 'completed', reason: undefined, epochsDone: existing.epochsDone });
      continue;
    }
    const tag = `[${i + 1}/${total}] ${m.name}`;
    log(`${tag}: ${existing ? 'resuming' : 'training'} ${m.arch} (seed ${m.seed}) → ${runDir}`);
    await store.updateMember(m.name, { status: 'running', reason: undefined, startedAt: new Date().toISOString(), endedAt: undefined });
    const request = existing
      ? { dataset: '', config: {}, resume: runDir, force: o.force }
      : { dataset: store.file.dataset, config: memberConfig(store.file.config, m, store.file.splitSeed), runDir, force: o.force };
    const outcome = await runMember({
      member: m.name, request, signal: o.signal,
      emit: (event) => o.emit({ ...event, member: m.name, runDir }),
    }).catch((err: Error): MemberOutcome => ({ status: 'failed', reason: err.message }));
    const reason = outcome.status === 'cancelled'
      ? (o.signal.aborted ? signalNote(o.signal) : 'cancelled on its own (the queue went on)')
      : outcome.reason;
    await store.updateMember(m.name, { status: outcome.status, reason, endedAt: new Date().toISOString(), ...(outcome.epochsDone !== undefined ? { epochsDone: outcome.epochsDone } : {}) });
    log(`${tag}: ${outcome.status}${reason ? ` — ${reason}` : ''}`, outcome.status === 'completed' ? 'info' : 'warn');
  }

  const cancelled = o.signal.aborted;
  if (cancelled) {
    // What did not start stays resumable: cancelled, with the queue's note as its reason.
    for (const m of store.file.members) {
      if (m.status === 'queued' || m.status === 'running') await store.updateMember(m.name, { status: 'cancelled', reason: `not started: ${signalNote(o.signal)}` });
    }
  }
  const status = sweepStatus(store.file.members, cancelled);
  await store.update({ status, ...(cancelled ? { note: signalNote(o.signal) } : {}) });
  log(`Training queue ${status}: ${sweepProgressText(store.file.members)}.`, status === 'completed' ? 'info' : 'warn');
  return { sweepDir: store.dir, status, members: store.file.members, ...(store.file.note ? { note: store.file.note } : {}) };
}

/**
 * The queue's outcome: cancelled when it was stopped, else failed when a member failed, else cancelled when a member was
 * cancelled on its own, else completed.
 */
export function sweepStatus(members: readonly Pick<SweepMember, 'status'>[], stopped: boolean): Exclude<SweepStatus, 'running'> {
  if (stopped) return 'cancelled';
  if (members.some((m) => m.status === 'failed')) return 'failed';
  if (members.some((m) => m.status !== 'completed')) return 'cancelled';
  return 'completed';
}

function signalNote(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'cancelled';
}

/** Whether a folder holds sweep.json: `cxr-lab resume <dir>` continues a queue or a run. */
export async function isSweepFolder(dir: string): Promise<boolean> {
  return fs.access(path.join(dir, SWEEP_FILES.sweep)).then(() => true, () => false);
}
