import type { SchedulerName } from '../../shared/engineProtocol';

export interface ScheduleOptions { scheduler: SchedulerName; lr: number; epochs: number; stepSize: number; gamma: number }

/** Learning rate for a 0-based epoch, like torch.optim.lr_scheduler stepped once per epoch. */
export function scheduledLr(o: ScheduleOptions, epoch: number, plateauReductions = 0): number {
  switch (o.scheduler) {
    case 'step': return o.lr * Math.pow(o.gamma, Math.floor(epoch / o.stepSize));
    case 'cosine': return 0.5 * o.lr * (1 + Math.cos(Math.PI * epoch / o.epochs)); // CosineAnnealingLR, eta_min 0, T_max = epochs
    case 'plateau': return o.lr * Math.pow(o.gamma, plateauReductions);
    case 'none': return o.lr;
  }
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
