/** Which checkpoint explains an image: the default (best of the newest finished run) and the list to pick from. Pure. */
import { CHECKPOINT_NAMES } from '../../shared/runFiles';
import type { CheckpointWhich, RunRecord } from '../runs/runReader';

export interface CheckpointChoice { runDir: string; runId: string; arch: string; which: CheckpointWhich; epoch?: number; classes: string[] }

export function choiceFor(run: RunRecord, which: CheckpointWhich): CheckpointChoice | undefined {
  const c = run.checkpoints.find((k) => k.which === which);
  if (!c) return undefined;
  return { runDir: run.dir, runId: run.id, arch: run.info.config.arch, which, epoch: c.meta.epoch, classes: run.info.dataset.classes };
}

/** Every checkpoint of every run, in the runs' order (newest first), best before last. */
export function checkpointChoices(runs: RunRecord[]): CheckpointChoice[] {
  return runs.flatMap((r) => CHECKPOINT_NAMES.map((w) => choiceFor(r, w)).filter((c): c is CheckpointChoice => !!c));
}

/** Best checkpoint of the newest completed run that has one; runs must be newest first. */
export function defaultCheckpoint(runs: RunRecord[]): CheckpointChoice | undefined {
  for (const run of runs) {
    if (run.status !== 'completed') continue;
    const c = choiceFor(run, 'best');
    if (c) return c;
  }
  return undefined;
}
