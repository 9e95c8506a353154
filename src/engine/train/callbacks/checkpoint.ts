import * as path from 'node:path';
import { RUN_FILES } from '../../../shared/runFiles';
import { saveCheckpoint } from '../../run/checkpoint';
import type { EpochEndLogs, TrainContext, TrainerCallback } from './callback';

/**
 * checkpoints/best whenever the validation loss does not increase ("keep the checkpoint with the best validation
 * loss"), checkpoints/last every epoch with the optimizer and trainer state, then run.json's epochsDone/best —
 * written after the checkpoints they describe. With weight averaging the model saved is the average (what validation
 * saw); checkpoints/last also keeps the training weights a resume continues from.
 */
export class CheckpointCallback implements TrainerCallback {
  async onEpochEnd({ record }: EpochEndLogs, ctx: TrainContext): Promise<void> {
    const meta = { epoch: record.epoch, valLoss: record.valLoss, valAcc: record.valAcc, savedAt: new Date().toISOString() };
    if (record.best) await saveCheckpoint(path.join(ctx.run.dir, RUN_FILES.best), ctx.model, meta);
    const averaging = ctx.averaging && { updates: ctx.averaging.updates, trainingWeights: ctx.averaging.trainingWeights() };
    await saveCheckpoint(path.join(ctx.run.dir, RUN_FILES.last), ctx.model, meta, { optimizer: ctx.optimizer, state: ctx.state, averaging });
    await ctx.run.update({ epochsDone: ctx.state.epochsDone, ...(record.best ? { best: meta } : {}) });
  }
}
