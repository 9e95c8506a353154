import type { EpochEndLogs, TrainContext, TrainerCallback } from './callback';

/** One line per finished epoch in history.jsonl — before the checkpoints, so a resume never lacks a row. */
export class HistoryCallback implements TrainerCallback {
  async onEpochEnd({ record }: EpochEndLogs, ctx: TrainContext): Promise<void> {
    await ctx.run.appendHistory(record);
  }
}
