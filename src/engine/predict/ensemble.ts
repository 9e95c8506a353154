/**
 * Soft-voting ensemble: each member run's checkpoint predicts the same images with its own input size and
 * normalisation, and the ensemble's probability row is the mean of the members' rows (scikit-learn's
 * VotingClassifier(voting='soft')). The loss is the log loss of those mean probabilities.
 */
import type { CheckpointName } from '../../shared/runFiles';
import type { ImageItem } from '../dataset/types';
import type { Normalization } from '../dataset/preprocess';
import { openRunCheckpoint } from '../run/checkpoint';
import { viewParams } from '../dataset/augment/params';
import { presetOf } from '../dataset/augment/presets';
import type { RunStore } from '../run/runStore';
import { predictItems, type Predictions } from './predict';

/** sklearn's log_loss clips probabilities to the dtype's epsilon (float64 here) so that log(0) never happens. */
const EPS = Number.EPSILON;

export interface MemberPrediction {
  run: RunStore;
  predictions: Predictions;
  /** The checkpoint's meta.json. */
  meta: { epoch: number; valLoss: number; valAcc: number; savedAt: string };
}

export interface EnsembleOptions {
  checkpoint?: CheckpointName;
  signal?: AbortSignal;
  /** One line when a checkpoint is read from the complete copy a crash left mid-swap. */
  log?: (message: string) => void;
  onBatch?: (member: number, done: number, total: number) => void;
  /**
   * Test-time augmentation: each member predicts every view of its preset (run.json config.preset; identity and flip, plus
   * the recommended preset's mild rotations and zooms), and its probability rows are the mean over the views.
   */
  tta?: boolean;
}

/** Every member's predictions on `items`, one model in memory at a time. */
export async function predictMembers(members: RunStore[], items: ImageItem[], o: EnsembleOptions): Promise<MemberPrediction[]> {
  const out: MemberPrediction[] = [];
  for (const [i, run] of members.entries()) {
    const { model, meta } = await openRunCheckpoint(run, o.checkpoint, o.log);
    try {
      const views = o.tta ? presetOf(run.info.config.preset).tta : [undefined];
      const perView: Predictions[] = [];
      for (const [v, view] of views.entries()) {
        perView.push(await predictItems(model, items, {
          imageSize: run.info.config.imageSize, normalization: run.info.model.normalization as Normalization,
          batchSize: run.info.config.batchSize, numClasses: run.info.dataset.classes.length, signal: o.signal,
          ...(view ? { flip: view.flip, augment: viewParams(view) } : {}),
          onBatch: (done, total) => o.onBatch?.(i, v * total + done, views.length * total),
        }));
        if (o.signal?.aborted) break;
      }
      const predictions = { ...averagePredictions(perView), ...(perView.some((p) => p.forward) ? { forward: perView.flatMap((p) => p.forward ?? []) } : {}) };
      out.push({ run, predictions, meta });
    } finally {
      model.dispose();
    }
    if (o.signal?.aborted) break;
  }
  return out;
}

/**
 * The mean probability rows over the images every member could read (a file one member failed to read is
 * left out for all, and listed in `failed` once). One member: its predictions unchanged.
 */
export function averagePredictions(members: Predictions[]): Predictions {
  if (members.length === 1) return members[0];
  const failed = new Map<string, Predictions['failed'][number]>();
  for (const m of members) for (const f of m.failed) failed.set(f.item.path, f);
  const rows = members.map((m) => new Map(m.items.map((item, i) => [item.path, m.probabilities[i]])));
  const out: Predictions = { items: [], labels: [], probabilities: [], loss: NaN, failed: [...failed.values()] };
  let lossSum = 0;
  members[0].items.forEach((item, i) => {
    const each = rows.map((r) => r.get(item.path));
    if (each.some((p) => p === undefined)) return;
    const mean = each[0]!.map((_, c) => each.reduce((s, p) => s + p![c], 0) / each.length);
    const label = members[0].labels[i];
    lossSum += -Math.log(Math.min(1 - EPS, Math.max(EPS, mean[label])));
    out.items.push(item);
    out.labels.push(label);
    out.probabilities.push(mean);
  });
  out.loss = out.items.length ? lossSum / out.items.length : NaN;
  return out;
}
