import { Eta } from '../eta';
import type { BatchEndLogs, EpochEndLogs, TrainContext, TrainerCallback, ValidationBatchLogs } from './callback';

/** 'progress' events (train batches with ETA, validation) and the 'epoch-end' event. */
export class ProgressCallback implements TrainerCallback {
  private readonly eta = new Eta();

  /** The ETA counts training batches only: validation and checkpoint saving are left out of the clock. */
  onEpochBegin(): void { this.eta.pause(); }

  onBatchEnd({ epoch, batch, loss }: BatchEndLogs, ctx: TrainContext): void {
    this.eta.tick();
    const { epochs } = ctx.config;
    const left = (epochs - epoch - 1) * ctx.batchesPerEpoch + (ctx.batchesPerEpoch - batch);
    ctx.emit({ type: 'progress', phase: 'train', done: batch, total: ctx.batchesPerEpoch, epoch: epoch + 1, epochs,
      etaSeconds: this.eta.remaining(left), message: `loss ${loss.toFixed(4)}` });
  }

  onValidationBegin({ epoch }: { epoch: number }, ctx: TrainContext): void {
    ctx.emit({ type: 'progress', phase: 'validate', done: 0, total: ctx.valSize, epoch: epoch + 1, epochs: ctx.config.epochs });
  }

  onValidationBatchEnd({ epoch, done, total }: ValidationBatchLogs, ctx: TrainContext): void {
    ctx.emit({ type: 'progress', phase: 'validate', done, total, epoch: epoch + 1, epochs: ctx.config.epochs });
  }

  onEpochEnd({ record }: EpochEndLogs, ctx: TrainContext): void {
    ctx.emit({ type: 'epoch-end', runDir: ctx.run.dir, record });
    this.eta.pause();
  }
}
