import type { EpochEndLogs, TrainContext, TrainerCallback } from './callback';

/** Best validation loss so far, its 1-based epoch, and epochs since without a lower one. */
export interface EarlyStopState { best: number; bestEpoch: number; badEpochs: number }

export const initialEarlyStop = (): EarlyStopState => ({ best: Infinity, bestEpoch: 0, badEpochs: 0 });

/** Keras EarlyStopping (mode min, min_delta 0): only a strictly lower, finite validation loss is an improvement. */
export function updateEarlyStop(s: EarlyStopState, valLoss: number | null | undefined, epoch: number): EarlyStopState {
  return typeof valLoss === 'number' && Number.isFinite(valLoss) && valLoss < s.best
    ? { best: valLoss, bestEpoch: epoch, badEpochs: 0 }
    : { ...s, badEpochs: s.badEpochs + 1 };
}

/**
 * `--early-stop <patience>`: requests a stop after `patience` epochs in a row without a lower validation loss
 * (0 = off); the run ends 'completed'. Its state is rebuilt from history.jsonl on resume, so checkpoints need
 * not carry it, and a resumed run that had already stopped stops again before training another epoch.
 */
export class EarlyStoppingCallback implements TrainerCallback {
  private s = initialEarlyStop();
  private stoppedAt?: number;

  constructor(private patience: number) {}

  get state(): EarlyStopState { return this.s; }

  async onTrainBegin(ctx: TrainContext): Promise<void> {
    if (this.patience > 0 && ctx.valSize === 0) {
      ctx.log('Early stopping is off: the split has no validation images.', 'warn');
      this.patience = 0;
    }
    if (this.patience <= 0 || ctx.state.epochsDone === 0) return;
    for (const r of await ctx.run.readHistory()) this.s = updateEarlyStop(this.s, r.valLoss, r.epoch);
    this.check(ctx);
  }

  onEpochEnd({ record }: EpochEndLogs, ctx: TrainContext): void {
    if (this.patience <= 0) return;
    this.s = updateEarlyStop(this.s, record.valLoss, record.epoch);
    this.check(ctx);
  }

  onTrainEnd(ctx: TrainContext): void {
    if (this.stoppedAt === undefined || ctx.state.epochsDone >= ctx.config.epochs) return;
    const best = this.s.bestEpoch ? `best epoch ${this.s.bestEpoch}, validation loss ${this.s.best.toFixed(4)}` : 'no finite validation loss';
    ctx.log(`Stopped early at epoch ${this.stoppedAt}: no lower validation loss in ${this.patience} epoch(s) (${best}).`);
  }

  private check(ctx: TrainContext): void {
    if (this.s.badEpochs < this.patience) return;
    ctx.stopTraining = true;
    this.stoppedAt = ctx.state.epochsDone;
  }
}
