import type { SchedulerName } from '../../shared/engineProtocol';

export interface ScheduleOptions { scheduler: SchedulerName; lr: number; epochs: number; stepSize: number; gamma: number }

/** Learning rate for a 0-based epoch, like torch.optim.lr_scheduler stepped once per epoch (onecycle: at the epoch's first batch). */
export function scheduledLr(o: ScheduleOptions, epoch: number, plateauReductions = 0): number {
  switch (o.scheduler) {
    case 'step': return o.lr * Math.pow(o.gamma, Math.floor(epoch / o.stepSize));
    case 'cosine': return 0.5 * o.lr * (1 + Math.cos(Math.PI * epoch / o.epochs)); // CosineAnnealingLR, eta_min 0, T_max = epochs
    case 'plateau': return o.lr * Math.pow(o.gamma, plateauReductions);
    case 'none': return o.lr;
    case 'onecycle': return oneCycleLr(o.lr, epoch / o.epochs);
  }
}

/** The rate of one batch: one-cycle changes it every batch (fastai), the others once per epoch. */
export function batchLr(o: ScheduleOptions, epoch: number, batch: number, batchesPerEpoch: number, plateauReductions = 0): number {
  if (o.scheduler !== 'onecycle') return scheduledLr(o, epoch, plateauReductions);
  return oneCycleLr(o.lr, (epoch * batchesPerEpoch + batch) / (o.epochs * batchesPerEpoch));
}

/** fastai's fit_one_cycle defaults: warm up for 25 % of the batches from lr_max/25, then anneal to lr_max/1e5. */
export const ONE_CYCLE = { pctStart: 0.25, div: 25, divFinal: 1e5 } as const;

/** fastai's sched_cos: cosine from `start` (pos 0) to `end` (pos 1). */
export function schedCos(start: number, end: number, pos: number): number {
  return start + (1 + Math.cos(Math.PI * (1 - pos))) * (end - start) / 2;
}

/**
 * fastai's combined_cos(pct_start, lr_max/div, lr_max, lr_max/div_final) at `pos` ∈ [0, 1], the share of the training's
 * batches done before this one (fastai's pct_train). Momentum is not cycled: Adam's β1 stays 0.9 (torch's default).
 */
export function oneCycleLr(lrMax: number, pos: number, c: { pctStart: number; div: number; divFinal: number } = ONE_CYCLE): number {
  return pos < c.pctStart
    ? schedCos(lrMax / c.div, lrMax, pos / c.pctStart)
    : schedCos(lrMax, lrMax / c.divFinal, (pos - c.pctStart) / (1 - c.pctStart));
}

/** ReduceLROnPlateau (mode min): after `patience` epochs without a new best validation loss, reduce once more. */
export interface PlateauState { best: number; badEpochs: number; reductions: number }

export function updatePlateau(state: PlateauState, valLoss: number, patience: number): PlateauState {
  if (valLoss < state.best) return { best: valLoss, badEpochs: 0, reductions: state.reductions };
  const badEpochs = state.badEpochs + 1;
  return badEpochs > patience
    ? { best: state.best, badEpochs: 0, reductions: state.reductions + 1 }
    : { best: state.best, badEpochs, reductions: state.reductions };
}
