/**
 * `evaluate --calibrate`: the images temperature scaling is fitted on — the run's validation split, predicted by the
 * same model (or ensemble), checkpoint and test-time augmentation as the evaluated images — and the patient clusters of the bootstrap.
 */
import type { CheckpointName, JobEventSink } from '../../shared/engineProtocol';
import { scanDataset, DatasetError } from '../dataset/scan';
import { splitFromRecord } from '../dataset/split';
import type { DatasetScan, ImageItem } from '../dataset/types';
import { averagePredictions, predictMembers } from '../predict/ensemble';
import { readRunSplit } from '../run/runFiles';
import type { RunStore } from '../run/runStore';
import { CancelledError } from '../errors';

export interface CalibrationSet { name: string; labels: number[]; probabilities: number[][] }

/**
 * The validation split of `members[0]`'s run with the members' mean probabilities. `runScan`: a scan of the run's
 * dataset already made (evaluating one of its splits), else it is scanned here.
 */
export async function predictCalibrationSet(members: RunStore[], o: { checkpoint?: CheckpointName; tta?: boolean; signal?: AbortSignal; emit: JobEventSink; runScan?: DatasetScan }): Promise<CalibrationSet> {
  const run = members[0];
  const scan = o.runScan ?? await scanDataset(run.info.dataset.root, { classes: run.info.dataset.classes, signal: o.signal });
  const items = splitFromRecord(scan, await readRunSplit(run.dir), run.info.config.seed).val;
  if (items.length === 0) {
    throw new DatasetError(`--calibrate fits the temperature on the validation split of run ${run.info.id}, which has no readable image.`);
  }
  const predicted = await predictMembers(members, items, {
    checkpoint: o.checkpoint, tta: o.tta, signal: o.signal, log: (message) => o.emit({ type: 'log', level: 'warn', message }),
    onBatch: (_member, done, total) => o.emit({ type: 'progress', phase: 'calibrate', done, total }),
  });
  if (o.signal?.aborted) throw new CancelledError();
  const preds = averagePredictions(predicted.map((m) => m.predictions));
  return { name: 'val', labels: preds.labels, probabilities: preds.probabilities };
}

/** Each image's patient when any patient is known (an image without one is its own cluster: its patient is its rel), else undefined. */
export function knownPatients(items: readonly ImageItem[]): string[] | undefined {
  return items.some((it) => it.patient !== it.rel) ? items.map((it) => it.patient) : undefined;
}
