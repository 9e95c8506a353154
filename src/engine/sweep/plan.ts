/**
 * Which runs a training queue (sweep) makes: one per architecture × seed, arch-major, each named for its folder in the
 * sweep (`<arch>`, or `<arch>-seed<k>` with several seeds). Every member shares one split: its seed is `splitSeed`
 * (default: the first seed), so all members are tested on the same images; a member's own seed drives only its
 * initialisation, sampler and augmentation.
 */
import type { TrainConfig } from '../../shared/engineProtocol';
import { sweepMemberName } from '../../shared/runFiles';
import { resolveTrainConfig } from '../train/config';

export interface SweepPlanInput {
  archs: readonly string[];
  /** --seeds; absent: the one `seed` (default the recipe's). */
  seeds?: readonly number[];
  seed?: number;
  splitSeed?: number;
  /** --folds k: each architecture × seed once per fold (cross-validation; every fold's split made with splitSeed). */
  folds?: number;
}

export interface PlannedMember { name: string; arch: string; seed: number; fold?: number }
export interface SweepPlan { archs: string[]; seeds: number[]; splitSeed: number; members: PlannedMember[] }

/** More than one architecture or seed, or cross-validation folds: a queue rather than one run. */
export function isSweep(archs: readonly string[], seeds?: readonly number[], folds?: number): boolean {
  return new Set(archs).size > 1 || new Set(seeds ?? []).size > 1 || (folds ?? 0) > 1;
}

const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

export function planSweep(i: SweepPlanInput): SweepPlan {
  const archs = unique(i.archs);
  if (archs.length === 0) throw new Error('A training queue needs at least one architecture.');
  const seeds = unique(i.seeds && i.seeds.length > 0 ? i.seeds : [i.seed ?? resolveTrainConfig({}).seed]);
  const splitSeed = i.splitSeed ?? seeds[0];
  const several = seeds.length > 1;
  const folds = i.folds && i.folds > 1 ? Array.from({ length: i.folds }, (_, f) => f + 1) : [undefined];
  const members = archs.flatMap((arch) => seeds.flatMap((seed) => folds.map((fold) => ({
    name: sweepMemberName(arch, seed, several, fold), arch, seed, ...(fold !== undefined ? { fold } : {}),
  }))));
  return { archs, seeds, splitSeed, members };
}

/** A member's training config: the shared recipe with its architecture, its seed and the sweep's split seed. */
export function memberConfig(shared: Partial<TrainConfig>, member: Pick<PlannedMember, 'arch' | 'seed' | 'fold'>, splitSeed: number): Partial<TrainConfig> {
  return { ...shared, arch: member.arch, seed: member.seed, splitSeed, ...(member.fold !== undefined ? { fold: member.fold } : {}) };
}
