import * as path from 'node:path';
import type { JobEventSink, TrainConfig } from '../../shared/engineProtocol';
import { splitSeedOf } from '../../shared/runFiles';
import { scanDataset, DatasetError, type DatasetScan } from '../dataset/scan';
import { splitDataset, splitFromRecord, type DatasetSplit } from '../dataset/split';
import { foldSplit } from '../dataset/folds';
import type { RunStore } from '../run/runStore';
import { readRunSplit } from '../run/runFiles';

export interface PreparedData { scan: DatasetScan; split: DatasetSplit }

/** Scan the dataset (reporting its health) and split it, or re-use the split a resumed run was trained on. */
export async function prepareData(root: string, config: TrainConfig, store: RunStore | undefined,
  o: { emit: JobEventSink; signal?: AbortSignal }): Promise<PreparedData> {
  const scan = await scanDataset(path.resolve(root), {
    patientPattern: config.patientPattern, signal: o.signal, classes: store?.info.dataset.classes,
    onProgress: (done, total) => o.emit({ type: 'progress', phase: 'scan', done, total }),
  });
  for (const issue of scan.health.issues) {
    if (issue.severity !== 'info') o.emit({ type: 'log', level: 'warn', message: issue.message });
  }
  if (scan.classes.length < 2) throw new DatasetError(`Training needs at least two classes with images; ${scan.root} has ${scan.classes.length}.`);
  if (store && store.info.dataset.hash !== scan.hash) {
    o.emit({ type: 'log', level: 'warn', message: `The dataset changed since the run started (hash ${store.info.dataset.hash.slice(0, 8)} → ${scan.hash.slice(0, 8)}); files not in the saved split are ignored.` });
  }
  const split = store
    ? splitFromRecord(scan, await readRunSplit(store.dir), splitSeedOf(config))
    : config.folds && config.fold
      ? foldSplit(scan, { k: config.folds, index: config.fold - 1, seed: splitSeedOf(config), valPerClass: config.valPerClass, valFraction: config.valFraction })
      : splitDataset(scan, { seed: splitSeedOf(config), valPerClass: config.valPerClass, testPerClass: config.testPerClass, valFraction: config.valFraction, testFraction: config.testFraction });
  for (const w of split.warnings) o.emit({ type: 'log', level: 'warn', message: w });
  refuseUnusableSplit(split);
  return { scan, split };
}

/** A split training cannot use (no training or no validation image) is refused; the preflight refuses it the same way. */
export function refuseUnusableSplit(split: Pick<DatasetSplit, 'train' | 'val'>): void {
  if (split.train.length === 0) throw new DatasetError('The split left no training images: lower --val-per-class / --test-per-class.');
  if (split.val.length === 0) throw new DatasetError('The split left no validation images: the best checkpoint is chosen on validation loss, so at least one is needed.');
}
