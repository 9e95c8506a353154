import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import type { EpochRecord, JobEventSink, TrainConfig, TrainResult } from '../../shared/engineProtocol';
import { RUN_FILES } from '../../shared/runFiles';
import { backendInfo } from '../backend';
import { BatchLoader } from '../dataset/batchLoader';
import { createRng, withMathRandom } from '../random';
import { createModel, countTrainableParams } from '../models/registry';
import { resolveTrainConfig } from './config';
import { epochOrder } from './sampler';
import { scheduledLr, updatePlateau } from './schedule';
import { freezeBatchNormStatistics, trainStep, trainableVariables } from './step';
import { argMax, predictItems } from './predict';
import { pickMicroBatch } from './microBatch';
import { Eta } from './eta';
import { loadCheckpointModel, restoreOptimizer, saveCheckpoint, type TrainerState } from '../run/checkpoint';
import { RunStore, defaultRunDir } from '../run/runStore';
import { prepareData } from './prepareData';

export interface TrainOptions {
  dataset?: string;
  config?: Partial<TrainConfig>;
  runDir?: string;
  /** Run directory to continue from its last checkpoint. */
  resume?: string;
  signal?: AbortSignal;
  emit: JobEventSink;
}

export class CancelledError extends Error {
  constructor() { super('Cancelled.'); }
}

/** The reference recipe end to end: data, model, epochs, checkpoints, history; resumable and cancellable. */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const backend = backendInfo();
  if (!backend) throw new Error('Backend not initialised: call initBackend() first.');
  const store = o.resume ? await RunStore.open(o.resume) : undefined;
  const config: TrainConfig = store ? store.info.config : resolveTrainConfig(o.config ?? {});
  const datasetRoot = store ? store.info.dataset.root : o.dataset;
  if (!datasetRoot) throw new Error('No dataset folder given.');
  const runDir = store?.dir ?? path.resolve(o.runDir ?? defaultRunDir(config.arch));
  const log = (message: string, level: 'info' | 'warn' = 'info') => o.emit({ type: 'log', level, message });

  const data = await prepareData(datasetRoot, config, runDir, store, o);
  const { scan, split } = data;
  const numClasses = scan.classes.length;
  const rng = createRng(config.seed);
  const created = await withMathRandom(rng.fork('init'), () => createModel(config.arch, {
    numClasses, imageSize: config.imageSize, widthMultiplier: config.widthMultiplier,
    pretrained: config.pretrained, freezeBackbone: config.freezeBackbone, signal: o.signal,
    onDownloadProgress: (done, total) => o.emit({ type: 'progress', phase: 'download', done, total: total ?? 0, message: 'ImageNet weights' }),
  }));
  let model = created.model;
  const microBatch = config.microBatch || pickMicroBatch(config.arch, config.imageSize, config.batchSize, backend.name);
  const run = store ?? await RunStore.create(runDir, {
    config, scan, split, backend,
    model: { arch: config.arch, camLayer: created.camLayer, normalization: created.normalization, trainableParams: countTrainableParams(model), microBatch },
  });
  o.emit({ type: 'log', level: 'info', message: `Run ${run.dir} — ${config.arch} on ${backend.name}, ${split.train.length}/${split.val.length}/${split.test.length} train/val/test images, batch ${config.batchSize} (micro-batch ${microBatch}).` });

  const optimizer = tf.train.adam(config.lr, 0.9, 0.999, 1e-8); // torch.optim.Adam defaults
  let state: TrainerState = { epochsDone: 0, bestValLoss: Infinity, plateau: { best: Infinity, badEpochs: 0, reductions: 0 } };
  if (store) {
    model.dispose();
    model = await loadCheckpointModel(path.join(run.dir, RUN_FILES.last));
    state = await restoreOptimizer(path.join(run.dir, RUN_FILES.last), optimizer);
    await run.truncateHistory(state.epochsDone);
    log(`Resuming after epoch ${state.epochsDone}.`);
  }
  if (config.freezeBackbone) freezeBatchNormStatistics(model);
  const vars = trainableVariables(model);
  const norm = { imageSize: config.imageSize, normalization: created.normalization };
  const batchesPerEpoch = Math.ceil(split.train.length / config.batchSize);
  const eta = new Eta();
  await run.update({ status: 'running', pid: process.pid, error: undefined });

  try {
    for (let epoch = state.epochsDone; epoch < config.epochs; epoch++) {
      const started = performance.now();
      const lr = scheduledLr(config, epoch, state.plateau.reductions);
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const order = epochOrder(split.train, config.sampler, rng.fork(`sampler:${epoch}`));
      const flipRng = rng.fork(`flip:${epoch}`);
      const flips = order.map(() => flipRng.next() < 0.5);
      let lossSum = 0, correct = 0, seen = 0, batchIndex = 0;
      eta.pause();
      for await (const batch of new BatchLoader(order, config.batchSize, { ...norm, flips, signal: o.signal })) {
        for (const f of batch.failed) log(`Skipped ${f.item.rel}: ${f.error}`, 'warn');
        if (batch.labels.length > 0) {
          const r = trainStep(model, optimizer, vars, batch.x, batch.labels, config.imageSize, numClasses, microBatch);
          lossSum += r.loss * batch.labels.length;
          correct += r.correct;
          seen += batch.labels.length;
        }
        batchIndex++;
        eta.tick();
        const left = (config.epochs - epoch - 1) * batchesPerEpoch + (batchesPerEpoch - batchIndex);
        o.emit({ type: 'progress', phase: 'train', done: batchIndex, total: batchesPerEpoch, epoch: epoch + 1, epochs: config.epochs,
          etaSeconds: eta.remaining(left), message: `loss ${(lossSum / Math.max(1, seen)).toFixed(4)}` });
        if (o.signal?.aborted) break;
      }
      if (o.signal?.aborted) throw new CancelledError();
      if (seen === 0) throw new Error('No training image could be read in this epoch.');

      o.emit({ type: 'progress', phase: 'validate', done: 0, total: split.val.length, epoch: epoch + 1, epochs: config.epochs });
      const val = await predictItems(model, split.val, { ...norm, batchSize: config.batchSize, numClasses, signal: o.signal,
        onBatch: (done, total) => o.emit({ type: 'progress', phase: 'validate', done, total, epoch: epoch + 1, epochs: config.epochs }) });
      if (o.signal?.aborted) throw new CancelledError();
      const valAcc = val.items.length ? val.labels.filter((l, i) => argMax(val.probabilities[i]) === l).length / val.items.length : NaN;

      // "keep the checkpoint with the best validation loss": saved whenever it does not increase.
      const isBest = Number.isFinite(val.loss) && val.loss <= state.bestValLoss;
      const record: EpochRecord = {
        epoch: epoch + 1, trainLoss: lossSum / seen, trainAcc: correct / seen, valLoss: val.loss, valAcc, lr,
        seconds: (performance.now() - started) / 1000, best: isBest,
      };
      state = {
        epochsDone: epoch + 1,
        bestValLoss: isBest ? val.loss : state.bestValLoss,
        plateau: config.scheduler === 'plateau' ? updatePlateau(state.plateau, val.loss, config.stepSize) : state.plateau,
      };
      const meta = { epoch: epoch + 1, valLoss: val.loss, valAcc, savedAt: new Date().toISOString() };
      await run.appendHistory(record);
      if (isBest) await saveCheckpoint(path.join(run.dir, RUN_FILES.best), model, meta);
      await saveCheckpoint(path.join(run.dir, RUN_FILES.last), model, meta, { optimizer, state });
      await run.update({ epochsDone: state.epochsDone, ...(isBest ? { best: meta } : {}) });
      o.emit({ type: 'epoch-end', runDir: run.dir, record });
      eta.pause();
    }
    await run.update({ status: 'completed' });
  } catch (err) {
    const cancelled = err instanceof CancelledError || o.signal?.aborted;
    await run.update(cancelled ? { status: 'cancelled' } : { status: 'failed', error: (err as Error).message });
    if (!cancelled) throw err;
    log(`Cancelled; the run keeps ${state.epochsDone} finished epoch(s) and resumes from checkpoints/last.`, 'warn');
  } finally {
    optimizer.dispose();
    model.dispose();
  }
  return { runDir: run.dir, status: run.info.status, epochsDone: state.epochsDone, best: run.info.best };
}
