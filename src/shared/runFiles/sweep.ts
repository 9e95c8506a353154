/**
 * A training queue (sweep): several runs of one dataset, one split and one recipe — one per architecture × seed —
 * trained one after another by one runner process. Its folder (`.cxr-lab/sweeps/<id>/`, or `--out`) holds:
 *
 *   sweep.json          sweepFileSchema: the members (arch, seed, run folder, status, reason), the shared config, status
 *   run.lock            the runner's lock (lock.ts): one runner per sweep
 *   runner.log          the runner's output when the extension started it: one JSON line per event (sweepLogLineSchema)
 *   <arch>[-seed<k>]/   each member's run folder (run.ts and the rest)
 *
 * Pure: no node imports. The engine writes it (src/engine/sweep/), the CLI and the extension read it.
 */
import { z } from 'zod';
import { formatField } from './fields';
import { trainConfigSchema } from './run';

/** The folder of sweeps under `.cxr-lab`, and the files of one sweep's folder. */
export const SWEEPS_DIR = 'sweeps';
export const SWEEP_FILES = { sweep: 'sweep.json', lock: 'run.lock', log: 'runner.log' } as const;

/** A member: waiting its turn, training, or how it ended. */
export const MEMBER_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];
/** The queue: running while its runner works through it; then completed (all members), failed (one failed) or cancelled. */
export const SWEEP_STATUSES = ['running', 'completed', 'failed', 'cancelled'] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

/** Where a queue's members train (`train --executor`). */
export const SWEEP_EXECUTORS = ['local', 'slurm'] as const;
export type SweepExecutor = (typeof SWEEP_EXECUTORS)[number];

export const sweepMemberSchema = z.object({
  /** The member's folder name in the sweep: `<arch>`, or `<arch>-seed<k>` when the sweep has several seeds. */
  name: z.string(),
  arch: z.string(),
  /** Seed of initialisation, sampler and augmentation (the split's seed is the sweep's splitSeed). */
  seed: z.number(),
  /** Cross-validation (`--folds k`, the shared config's `folds`): the fold this member holds out as its test set, 1…k. */
  fold: z.number().optional(),
  /** The run folder, relative to the sweep folder (so a moved sweep still reads). */
  runDir: z.string(),
  status: z.enum(MEMBER_STATUSES),
  /** Why it failed or was cancelled, in one sentence. */
  reason: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  epochsDone: z.number().optional(),
});
export type SweepMember = z.infer<typeof sweepMemberSchema>;

export const sweepRunnerSchema = z.object({ pid: z.number(), host: z.string(), startedAt: z.string() });
export type SweepRunner = z.infer<typeof sweepRunnerSchema>;

export const sweepFileSchema = z.object({
  format: formatField,
  id: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  status: z.enum(SWEEP_STATUSES),
  /** The dataset folder, absolute. */
  dataset: z.string(),
  /** The recipe every member shares, as given (defaults are filled per member); arch and seed are the member's. */
  config: trainConfigSchema.omit({ arch: true, seed: true }).partial(),
  /** The one split of every member: members are tested on the same images, so paired statistics are valid. */
  splitSeed: z.number(),
  archs: z.array(z.string()).min(1),
  seeds: z.array(z.number()).min(1),
  members: z.array(sweepMemberSchema).min(1),
  /**
   * Where the members train: 'local' (a runner process works through them, one after another) or 'slurm' (one sbatch
   * job each, no runner; each member's slurm-job.json has its job). Written when the queue is planned, rewritten when it
   * is resumed on the other executor. Absent in files from before it: a member with slurm-job.json ran on Slurm.
   */
  executor: z.enum(SWEEP_EXECUTORS).optional(),
  /** The process working through the queue (the last one, once it ended); liveness is its run.lock. */
  runner: sweepRunnerSchema.optional(),
  /** Why the queue stopped early ("cancelled by SIGTERM"). */
  note: z.string().optional(),
});
export type SweepFile = z.infer<typeof sweepFileSchema>;

/** One line of runner.log: an engine event of a member (progress, epoch-end, log) tagged with it, or the final result. */
export const sweepLogLineSchema = z.looseObject({
  type: z.string(),
  /** The member's name and absolute run folder, on the events of a member. */
  member: z.string().optional(),
  runDir: z.string().optional(),
});
export type SweepLogLine = z.infer<typeof sweepLogLineSchema>;

/** A member's folder name: `<arch>`, or `<arch>-seed<k>` when the sweep trains several seeds. */
export function sweepMemberName(arch: string, seed: number, severalSeeds: boolean, fold?: number): string {
  return `${severalSeeds ? `${arch}-seed${seed}` : arch}${fold === undefined ? '' : `-fold${fold}`}`;
}

/** How many members are in each state. */
export function memberCounts(members: readonly Pick<SweepMember, 'status'>[]): Record<MemberStatus, number> {
  const counts = Object.fromEntries(MEMBER_STATUSES.map((s) => [s, 0])) as Record<MemberStatus, number>;
  for (const m of members) counts[m.status]++;
  return counts;
}

/** "2/4 completed, 1 failed": the queue in a few words (failed and cancelled only when there are any). */
export function sweepProgressText(members: readonly Pick<SweepMember, 'status'>[]): string {
  const c = memberCounts(members);
  return [`${c.completed}/${members.length} completed`, ...(c.failed ? [`${c.failed} failed`] : []), ...(c.cancelled ? [`${c.cancelled} cancelled`] : [])].join(', ');
}
