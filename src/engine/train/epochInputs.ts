/**
 * What one epoch feeds the model, from the run's seed alone: the sampled order, a flip per image and — for a preset with
 * more than the flip — each image's augmentation. Each comes from its own stream keyed by the epoch (`sampler:<e>`,
 * `flip:<e>`, `augment:<e>`), so a resumed run draws what the uninterrupted one would, and the reference preset draws
 * exactly what it drew before presets existed.
 */
import type { TrainConfig } from '../../shared/runFiles';
import type { Rng } from '../random';
import { drawAugment, type AugmentParams } from '../dataset/augment/params';
import { presetOf } from '../dataset/augment/presets';
import { epochOrder } from './sampler';

export interface EpochInputs<T> {
  order: T[];
  flips: boolean[];
  /** Index-aligned with `order`; absent when the preset only flips. */
  augment?: AugmentParams[];
}

export function epochInputs<T extends { label: number }>(train: T[], config: Pick<TrainConfig, 'sampler' | 'preset'>, rng: Rng, epoch: number): EpochInputs<T> {
  const order = epochOrder(train, config.sampler, rng.fork(`sampler:${epoch}`));
  const transforms = presetOf(config.preset).transforms;
  const flipP = transforms.find((t) => t.name === 'hflip')?.p ?? 0;
  const flipRng = rng.fork(`flip:${epoch}`);
  const flips = order.map(() => flipRng.next() < flipP);
  if (!transforms.some((t) => t.name !== 'hflip')) return { order, flips };
  const augmentRng = rng.fork(`augment:${epoch}`);
  return { order, flips, augment: order.map(() => drawAugment(transforms, augmentRng)) };
}
