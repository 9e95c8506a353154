import { updatePlateau } from '../schedule';
import type { EpochEndLogs, TrainContext, TrainerCallback } from './callback';

/**
 * ReduceLROnPlateau's bookkeeping (`--scheduler plateau`, patience = stepSize): updates the trainer state before
 * it is checkpointed; the loop's scheduledLr reads `state.plateau.reductions` at the next epoch.
 */
export class PlateauCallback implements TrainerCallback {
  onEpochEnd({ record }: EpochEndLogs, ctx: TrainContext): void {
    ctx.state = { ...ctx.state, plateau: updatePlateau(ctx.state.plateau, record.valLoss, ctx.config.stepSize) };
  }
}
