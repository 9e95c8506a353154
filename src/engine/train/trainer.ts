import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import type { EpochRecord, JobEventSink, TrainConfig, TrainResult } from '../../shared/engineProtocol';
import type { ImageItem } from '../dataset/scan';
import type { PreprocessOptions } from '../dataset/preprocess';
import { decodedCacheFor } from '../dataset/decodedCache';
import { RUN_FILES } from '../../shared/runFiles';
import { backendInfo } from '../backend';
import { BatchLoader } from '../dataset/batchLoader';
import { createRng, withMathRandom, withMathRandomSync, type Rng } from '../random';
import { createModel, countTrainableParams } from '../zoo/createModel';
import { resolveTrainConfig } from './config';
import { epochInputs } from './epochInputs';
import { batchLr, scheduledLr } from './schedule';
import { augmentationRecord } from '../dataset/augment/presets';
import { freezeBatchNormStatistics, trainStep, trainableVariables } from './step';
import { argMax } from '../../shared/format';
import { predictItems } from '../predict/predict';
import { pickMicroBatch } from './microBatch';
import { loadCheckpointModel, restoreAveraging, restoreCheckpoints, restoreOptimizer, type TrainerState } from '../run/checkpoint';
import { WeightAverage, modelWeights } from './weightAverage';
import { cleanStaleTemporaries, cleanupMessage } from '../run/cleanup';
import { diskFullError } from '../run/diskFull';
import { RunError } from '../errors';
import { faultPoint } from '../faults';
import { RunStore, claimDefaultRunDir } from '../run/runStore';
import type { HeldRunLock, RunLockOptions } from '../run/runLock';
import { prepareData } from './prepareData';
import {
  CallbackList, CancellationCallback, CancelledError, CheckpointCallback, EarlyStoppingCallback, HistoryCallback,
  PlateauCallback, ProgressCallback, type TrainContext, type TrainerCallback,
} from './callbacks';

export { CancelledError };

export interface TrainOptions {
  dataset?: string;
  config?: Partial<TrainConfig>;
  runDir?: string;
  /** Run directory to continue from its last checkpoint. */
  resume?: string;
  /** Take over the run folder's lock when another host holds it (--force). */
  force?: boolean;
  /** A reason given to abort() as a string ("cancelled by SIGTERM") is kept as run.json's `note`. */
  signal?: AbortSignal;
  emit: JobEventSink;
  /** Called after the built-in callbacks, in this order. */
  callbacks?: TrainerCallback[];
}

/**
 * The built-in callbacks, in the order their epoch-end side effects must happen: trainer state (plateau) before
 * it is checkpointed, history before the checkpoints (a resume truncates history to the checkpoint), run.json
 * after them, then the epoch-end event. Cancellation comes after the progress event of a batch.
 */
export function defaultCallbacks(config: TrainConfig, signal?: AbortSignal): TrainerCallback[] {
  return [
    ...(config.scheduler === 'plateau' ? [new PlateauCallback()] : []),
    new HistoryCallback(),
    new CheckpointCallback(),
    new ProgressCallback(),
    new CancellationCallback(signal),
    ...(config.earlyStop ? [new EarlyStoppingCallback(config.earlyStop)] : []),
  ];
}

/**
 * The reference recipe end to end: data, model, epochs, checkpoints, history; resumable and cancellable. The run
 * folder's lock (run.lock, taken where the run is created or resumed) is released however the training ends.
 */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const held: HeldRunLock[] = [];
  try {
    return await trainHoldingLock(o, {
      force: o.force, job: 'training', held, log: (message) => o.emit({ type: 'log', level: 'warn', message }),
    });
  } finally {
    for (const lock of held) await lock.release();
  }
}

async function trainHoldingLock(o: TrainOptions, lockOptions: RunLockOptions): Promise<TrainResult> {
  const backend = backendInfo();
  if (!backend) throw new Error('Backend not initialised: call initBackend() first.');
  const store = o.resume ? await RunStore.resume(o.resume, lockOptions) : undefined;
  const config: TrainConfig = store ? store.info.config : resolveTrainConfig(o.config ?? {});
  const datasetRoot = store ? store.info.dataset.root : o.dataset;
  if (!datasetRoot) throw new Error('No dataset folder given.');
  // Without --out the folder is claimed when the run is created (after the scan): a failed start leaves no empty folder.
  const runDir = store?.dir ?? (o.runDir === undefined ? undefined : path.resolve(o.runDir));
  const log = (message: string, level: 'info' | 'warn' = 'info') => o.emit({ type: 'log', level, message });

  const data = await prepareData(datasetRoot, config, store, o);
  const { scan, split } = data;
  const numClasses = scan.classes.length;
  const rng = createRng(config.seed);
  const created = await withMathRandom(rng.fork('init'), () => createModel(config.arch, {
    numClasses, imageSize: config.imageSize, widthMultiplier: config.widthMultiplier,
    pretrained: config.pretrained, freezeBackbone: config.freezeBackbone, signal: o.signal,
    onDownloadProgress: (done, total) => o.emit({ type: 'progress', phase: 'download', done, total: total ?? 0, message: 'ImageNet weights' }),
  }));
  let model = created.model;
  const microBatch = config.microBatch || pickMicroBatch(created.spec, config.imageSize, config.batchSize, backend.name);
  const run = store ?? await RunStore.create(runDir ?? await claimDefaultRunDir(config.arch), {
    config, scan, split, backend,
    model: { arch: config.arch, camLayer: created.camLayer, normalization: created.normalization, trainableParams: countTrainableParams(model), microBatch },
    augmentation: augmentationRecord(config.preset),
  }, lockOptions);
  o.emit({ type: 'log', level: 'info', message: `Run ${run.dir} — ${config.arch} on ${backend.name}, ${split.train.length}/${split.val.length}/${split.test.length} train/val/test images, batch ${config.batchSize} (micro-batch ${microBatch}).` });

  const optimizer = tf.train.adam(config.lr, 0.9, 0.999, 1e-8); // torch.optim.Adam defaults
  let state: TrainerState = { epochsDone: 0, bestValLoss: Infinity, plateau: { best: Infinity, badEpochs: 0, reductions: 0 } };
  let averaging: WeightAverage | undefined;
  if (store) {
    // This process holds the run: put back a checkpoint a crash left mid-swap, then remove stale temporaries.
    const last = await restoreCheckpoints(run.dir, (message) => log(message, 'warn'));
    const cleaned = cleanupMessage(await cleanStaleTemporaries(run.dir));
    if (cleaned) log(cleaned);
    if (last) {
      model.dispose();
      model = await loadCheckpointModel(last, ', so the run cannot be resumed from it');
      state = await restoreOptimizer(last, optimizer);
      if (config.emaDecay) averaging = await restoreAveraging(last, modelWeights(model), config.emaDecay, state);
      log(`Resuming after epoch ${state.epochsDone}.`);
    } else if (run.info.epochsDone === 0) {
      // Stopped during epoch 1: the fresh model above has the run's seeded initial weights, the split is split.json.
      log('The run stopped before its first checkpoint; starting again from epoch 1 with the same split and seed.');
    } else {
      throw new RunError(`${path.join(run.dir, RUN_FILES.last)} is missing although ${run.info.epochsDone} epoch(s) finished, so the run cannot be resumed; train again into a new --out.`);
    }
    await run.truncateHistory(state.epochsDone);
  }
  if (config.freezeBackbone) freezeBatchNormStatistics(model);
  if (config.emaDecay && !averaging) averaging = new WeightAverage(config.emaDecay, modelWeights(model));
  const ctx: TrainContext = {
    config, run, model, optimizer, state, log, emit: o.emit, stopTraining: false, averaging,
    batchesPerEpoch: Math.ceil(split.train.length / config.batchSize), valSize: split.val.length,
  };
  const callbacks = new CallbackList([...defaultCallbacks(config, o.signal), ...(o.callbacks ?? [])], ctx);
  await run.update({ status: 'running', pid: process.pid, error: undefined, note: undefined });

  try {
    await epochLoop(ctx, callbacks, {
      train: split.train, val: split.val, rng, numClasses, microBatch, signal: o.signal,
      // Full-size sources are decoded once per size, not every epoch (.cxr-lab/cache/decoded; same pixels).
      norm: { imageSize: config.imageSize, normalization: created.normalization, cache: decodedCacheFor(run.dir) },
    });
    await run.update({ status: 'completed' });
  } catch (caught) {
    const cancelled = caught instanceof CancelledError || o.signal?.aborted;
    const err = cancelled ? caught : diskFullError(caught, run.dir);
    const note = typeof o.signal?.reason === 'string' ? o.signal.reason : undefined;
    // A full disk may refuse run.json as well: try, and report the original error either way.
    await run.update(cancelled ? { status: 'cancelled', note } : { status: 'failed', error: (err as Error).message })
      .catch((e: Error) => log(`Could not record the run's status in run.json: ${e.message}`, 'warn'));
    if (!cancelled) throw err;
    log(ctx.state.epochsDone > 0
      ? `Cancelled; the run keeps ${ctx.state.epochsDone} finished epoch(s) and resumes from checkpoints/last.`
      : 'Cancelled before the first epoch finished; resume starts again from epoch 1 (same split and seed).', 'warn');
  } finally {
    averaging?.dispose();
    optimizer.dispose();
    model.dispose();
  }
  return { runDir: run.dir, status: run.info.status, epochsDone: ctx.state.epochsDone, best: run.info.best };
}

interface LoopData {
  train: ImageItem[]; val: ImageItem[]; rng: Rng; numClasses: number; microBatch: number; signal?: AbortSignal;
  norm: PreprocessOptions;
}

/**
 * Epochs from `ctx.state.epochsDone` to `config.epochs`: learning rate, seeded order, flips and augmentations (epochInputs.ts), training batches,
 * validation, the epoch record; everything else (history, checkpoints, schedule state, events, cancellation,
 * early stopping) is a callback. A stop requested by a callback takes effect before the next epoch starts.
 */
async function epochLoop(ctx: TrainContext, callbacks: CallbackList, d: LoopData): Promise<void> {
  const { config, model, optimizer } = ctx;
  const vars = trainableVariables(model);
  await callbacks.trainBegin();
  for (let epoch = ctx.state.epochsDone; epoch < config.epochs && !ctx.stopTraining; epoch++) {
    const started = performance.now();
    const lr = scheduledLr(config, epoch, ctx.state.plateau.reductions);
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
    const { order, flips, augment } = epochInputs(d.train, config, d.rng, epoch);
    let lossSum = 0, correct = 0, seen = 0, batchIndex = 0;
    await callbacks.call('onEpochBegin', { epoch, lr });
    for await (const batch of new BatchLoader(order, config.batchSize, { ...d.norm, flips, augment, signal: d.signal })) {
      for (const f of batch.failed) ctx.log(`Skipped ${f.item.rel}: ${f.error}`, 'warn');
      if (batch.labels.length > 0) {
        // One-cycle moves the rate every batch (the record keeps the epoch's first).
        if (config.scheduler === 'onecycle') (optimizer as unknown as { learningRate: number }).learningRate = batchLr(config, epoch, batchIndex, ctx.batchesPerEpoch);
        // AdamW's decay follows this batch's rate.
        const batchRate = (optimizer as unknown as { learningRate: number }).learningRate;
        const reg = { labelSmoothing: config.labelSmoothing, decay: config.weightDecay ? batchRate * config.weightDecay : 0 };
        // Dropout masks from the run's seed, keyed by epoch and batch: a fresh run and a resumed one draw the same.
        const r = withMathRandomSync(d.rng.fork(`dropout:${epoch}:${batchIndex}`),
          () => trainStep(model, optimizer, vars, batch.x, batch.labels, config.imageSize, d.numClasses, d.microBatch, reg));
        ctx.averaging?.update();
        lossSum += r.loss * batch.labels.length;
        correct += r.correct;
        seen += batch.labels.length;
      }
      batchIndex++;
      faultPoint(`epoch:${epoch + 1}:batch:${batchIndex}`);
      await callbacks.call('onBatchEnd', { epoch, batch: batchIndex, loss: lossSum / Math.max(1, seen) });
    }
    if (seen === 0) throw new Error('No training image could be read in this epoch.');

    // Validation, best checkpoint and epoch-end callbacks see the averaged weights; training goes on from its own.
    ctx.averaging?.swapIn();
    try {
      await validateAndRecord(ctx, callbacks, d, { epoch, started, lr, lossSum, correct, seen });
    } finally {
      ctx.averaging?.swapOut();
    }
  }
  await callbacks.trainEnd();
}

/** The epoch's validation, its record (best or not) and the epoch-end callbacks. */
async function validateAndRecord(ctx: TrainContext, callbacks: CallbackList, d: LoopData,
  e: { epoch: number; started: number; lr: number; lossSum: number; correct: number; seen: number }): Promise<void> {
  const { config, model } = ctx;
  const { epoch, started, lr, lossSum, correct, seen } = e;
  await callbacks.call('onValidationBegin', { epoch });
  const val = await predictItems(model, d.val, { ...d.norm, batchSize: config.batchSize, numClasses: d.numClasses, signal: d.signal,
    onBatch: (done, total) => callbacks.call('onValidationBatchEnd', { epoch, done, total }) });
  await callbacks.call('onValidationEnd', { epoch });
  const valAcc = val.items.length ? val.labels.filter((l, i) => argMax(val.probabilities[i]) === l).length / val.items.length : NaN;

  // "keep the checkpoint with the best validation loss": best whenever it does not increase.
  const isBest = Number.isFinite(val.loss) && val.loss <= ctx.state.bestValLoss;
  const record: EpochRecord = {
    epoch: epoch + 1, trainLoss: lossSum / seen, trainAcc: correct / seen, valLoss: val.loss, valAcc, lr,
    seconds: (performance.now() - started) / 1000, best: isBest,
  };
  ctx.state = { ...ctx.state, epochsDone: epoch + 1, bestValLoss: isBest ? val.loss : ctx.state.bestValLoss };
  await callbacks.call('onEpochEnd', { epoch, record, val });
}
