import type * as tf from '@tensorflow/tfjs';
import type { EpochRecord, JobEventSink, TrainConfig } from '../../../shared/engineProtocol';
import type { TrainerState } from '../../run/checkpoint';
import type { RunStore } from '../../run/runStore';
import type { Predictions } from '../../predict/predict';
import type { WeightAverage } from '../weightAverage';

/**
 * What the epoch loop shares with its callbacks (Keras: the model and params a Callback is given).
 * `state` is the trainer state saved with checkpoints/last; a callback sets `stopTraining` to end the run
 * after the current epoch (Keras `model.stopTraining`): it then ends 'completed' with fewer epochs.
 */
export interface TrainContext {
  readonly config: TrainConfig;
  readonly run: RunStore;
  readonly model: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly batchesPerEpoch: number;
  readonly valSize: number;
  readonly emit: JobEventSink;
  /** Weight averaging (config.emaDecay): at epoch end the model holds the average, validated and checkpointed. */
  readonly averaging?: WeightAverage;
  log(message: string, level?: 'info' | 'warn'): void;
  state: TrainerState;
  stopTraining: boolean;
}

/** `epoch` is 0-based everywhere (the record's `epoch` is 1-based, as in history.jsonl). */
export interface EpochBeginLogs { epoch: number; lr: number }
/** `batch`: batches of this epoch done (1-based); `loss`: running mean training loss of the epoch. */
export interface BatchEndLogs { epoch: number; batch: number; loss: number }
export interface ValidationBatchLogs { epoch: number; done: number; total: number }
/** The finished epoch (`ctx.state` already counts it) and its validation predictions. */
export interface EpochEndLogs { epoch: number; record: EpochRecord; val: Predictions }

/**
 * One concern of the trainer (history, checkpoints, schedule, progress, cancellation, early stopping), after
 * tfjs-layers' / Keras's Callback. The loop awaits each hook of each callback in list order; a hook that
 * throws ends the run (CancelledError: 'cancelled', anything else: 'failed').
 * onTrainEnd is called only when the loop finishes (all epochs done or a stop requested), before the run
 * is marked 'completed'.
 */
export interface TrainerCallback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(logs: EpochBeginLogs, ctx: TrainContext): void | Promise<void>;
  onBatchEnd?(logs: BatchEndLogs, ctx: TrainContext): void | Promise<void>;
  onValidationBegin?(logs: { epoch: number }, ctx: TrainContext): void | Promise<void>;
  onValidationBatchEnd?(logs: ValidationBatchLogs, ctx: TrainContext): void | Promise<void>;
  onValidationEnd?(logs: { epoch: number }, ctx: TrainContext): void | Promise<void>;
  onEpochEnd?(logs: EpochEndLogs, ctx: TrainContext): void | Promise<void>;
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
}

type Hook = Exclude<keyof TrainerCallback, 'onTrainBegin' | 'onTrainEnd'>;
type LogsOf<H extends Hook> = Parameters<NonNullable<TrainerCallback[H]>>[0];

/** The callbacks in order; each hook of one callback finishes before the next callback's starts. */
export class CallbackList {
  constructor(readonly callbacks: TrainerCallback[], private readonly ctx: TrainContext) {}

  async trainBegin(): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin?.(this.ctx);
  }

  async trainEnd(): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd?.(this.ctx);
  }

  async call<H extends Hook>(hook: H, logs: LogsOf<H>): Promise<void> {
    for (const c of this.callbacks) {
      const fn = c[hook] as ((l: LogsOf<H>, ctx: TrainContext) => void | Promise<void>) | undefined;
      const pending = fn?.call(c, logs, this.ctx);
      if (pending) await pending; // synchronous hooks (progress, cancellation) run without a microtask hop
    }
  }
}
