/**
 * `cxr-lab train --arch a,b,c [--seeds 1,2,3]`: the training queue's command-line side — the seed list, the checks made
 * before anything starts, and how the queue's result is printed. The queue itself is src/engine/sweep/runSweep.ts.
 */
import { InvalidArgumentError } from 'commander';
import * as path from 'node:path';
import type { TrainConfig } from '../shared/engineProtocol';
import { sweepProgressText, type SweepStatus } from '../shared/runFiles';
import type { SweepResult } from '../engine/sweep/runSweep';
import { memberConfig, planSweep } from '../engine/sweep/plan';
import { checkTrainConfig } from './checks';

/** `--seeds 1,2,3`: whole numbers ≥ 0, each once. */
export function parseSeedList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new InvalidArgumentError('name at least one seed.');
  const seeds = parts.map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${p}' is not a seed (a whole number, 0 or more).`);
    return n;
  });
  return [...new Set(seeds)];
}

/** Every member's config by the engine's rules, now (exit 2 naming the flag), before the sweep folder is made. */
export function checkSweepConfigs(config: Partial<TrainConfig>, archs: string[], seeds: number[] | undefined, splitSeed: number | undefined): void {
  const plan = planSweep({ archs, seeds, seed: config.seed, splitSeed, folds: config.folds });
  for (const m of plan.members) checkTrainConfig(memberConfig(config, m, plan.splitSeed));
}

/** The exit status of a finished queue: 0 all completed, 1 a member failed, 130 cancelled (a signal's own status wins). */
export function sweepExitCode(status: SweepStatus): number {
  return status === 'completed' ? 0 : status === 'failed' ? 1 : 130;
}

/** The queue's result: one line for the queue, one per member (status, epochs, folder or reason). */
export function formatSweep(r: SweepResult): string {
  const w = Math.max(...r.members.map((m) => m.name.length));
  return [
    `training queue ${r.status}: ${sweepProgressText(r.members)} — ${r.sweepDir}${r.note ? ` (${r.note})` : ''}`,
    ...r.members.map((m) => {
      const epochs = m.epochsDone !== undefined ? ` after ${m.epochsDone} epoch(s)` : '';
      const where = m.reason ? `: ${m.reason}` : ` ${path.join(r.sweepDir, m.runDir)}`;
      return `  ${m.name.padEnd(w)}  ${m.status}${epochs}${where}`;
    }),
    ...(r.status === 'completed' ? [] : [`  continue it with: cxr-lab resume ${r.sweepDir}`]),
  ].join('\n');
}
