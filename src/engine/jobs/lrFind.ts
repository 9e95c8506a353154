/**
 * `cxr-lab lr-find`: fastai's learning-rate range test on the training split (the split a training with these settings
 * would make; validation and test images are never read). The model is built and initialised as training would build it,
 * trained with the preset's augmentations at an exponentially growing rate, one batch per rate, until the smoothed loss
 * diverges or `numIt` batches are done; the model is then thrown away. Writes lr-find.json and lr-find.png into `outDir`.
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import type { JobEventSink, LrFindRequest, LrFindResult } from '../../shared/engineProtocol';
import { LAB_DIR, LR_FIND_DIR, LR_FIND_FILES, RUN_LAYOUT_VERSION, runFolderName, type LrFindFile } from '../../shared/runFiles';
import { claimNewFolder } from '../../shared/node/runFs';
import { backendInfo } from '../backend';
import { BatchLoader } from '../dataset/batchLoader';
import { CancelledError, ConfigError } from '../errors';
import { writeJsonAtomic } from '../io/atomic';
import { createRng, withMathRandom, withMathRandomSync } from '../random';
import { createModel } from '../zoo/createModel';
import { resolveTrainConfig } from '../train/config';
import { epochInputs } from '../train/epochInputs';
import { LR_FIND_DEFAULTS, SmoothLoss, diverged, lrFinderLr, suggestLrs } from '../train/lrFinder';
import { renderLrFindPng } from '../train/lrFindPlot';
import { pickMicroBatch } from '../train/microBatch';
import { prepareData } from '../train/prepareData';
import { trainStep, trainableVariables } from '../train/step';

export type LrFindOptions = Omit<LrFindRequest, 'type' | 'id'> & { signal?: AbortSignal; emit: JobEventSink };

export async function lrFind(o: LrFindOptions): Promise<LrFindResult> {
  const backend = backendInfo();
  if (!backend) throw new Error('Backend not initialised: call initBackend() first.');
  const config = resolveTrainConfig(o.config);
  const startLr = o.startLr ?? LR_FIND_DEFAULTS.startLr, endLr = o.endLr ?? LR_FIND_DEFAULTS.endLr;
  const numIt = Math.max(6, Math.floor(o.numIt ?? LR_FIND_DEFAULTS.numIt)); // fastai: at least 6
  if (!(startLr > 0 && endLr > startLr)) throw new ConfigError(`The LR finder needs 0 < start rate < end rate; got ${startLr} and ${endLr}.`);
  const started = performance.now();
  const { scan, split } = await prepareData(o.dataset, config, undefined, o);
  const rng = createRng(config.seed);
  const created = await withMathRandom(rng.fork('init'), () => createModel(config.arch, {
    numClasses: scan.classes.length, imageSize: config.imageSize, widthMultiplier: config.widthMultiplier,
    pretrained: config.pretrained, freezeBackbone: config.freezeBackbone, signal: o.signal,
    onDownloadProgress: (done, total) => o.emit({ type: 'progress', phase: 'download', done, total: total ?? 0, message: 'ImageNet weights' }),
  }));
  const model = created.model;
  const optimizer = tf.train.adam(startLr, 0.9, 0.999, 1e-8);
  const microBatch = config.microBatch || pickMicroBatch(created.spec, config.imageSize, config.batchSize, backend.name);
  const points: LrFindFile['points'] = [];
  let stoppedBy: LrFindFile['stoppedBy'] = 'done';
  o.emit({ type: 'log', level: 'info', message: `LR finder: ${config.arch} on ${split.train.length} training images, rates ${startLr} → ${endLr} over at most ${numIt} batches of ${config.batchSize}.` });
  try {
    const vars = trainableVariables(model);
    const smooth = new SmoothLoss(LR_FIND_DEFAULTS.beta);
    let best = Infinity;
    const norm = { imageSize: config.imageSize, normalization: created.normalization };
    run: for (let epoch = 0; ; epoch++) {
      const { order, flips, augment } = epochInputs(split.train, config, rng, epoch);
      for await (const batch of new BatchLoader(order, config.batchSize, { ...norm, flips, augment, signal: o.signal })) {
        if (batch.labels.length === 0) continue;
        const i = points.length;
        const lr = lrFinderLr(i, numIt, startLr, endLr);
        (optimizer as unknown as { learningRate: number }).learningRate = lr;
        const r = withMathRandomSync(rng.fork(`dropout:${epoch}:${i}`),
          () => trainStep(model, optimizer, vars, batch.x, batch.labels, config.imageSize, scan.classes.length, microBatch,
            { labelSmoothing: config.labelSmoothing, decay: lr * (config.weightDecay ?? 0) }));
        const s = smooth.add(r.loss);
        points.push({ lr, loss: r.loss, smooth: s });
        if (s < best) best = s;
        o.emit({ type: 'progress', phase: 'lr-find', done: i + 1, total: numIt, message: `lr ${lr.toExponential(1)} loss ${s.toFixed(3)}` });
        if (diverged(s, best)) { stoppedBy = 'diverged'; break run; }
        if (i + 1 >= numIt) break run;
        if (o.signal?.aborted) { stoppedBy = 'cancelled'; break run; }
      }
      if (points.length === 0) throw new Error('No training image could be read.');
    }
  } catch (e) {
    if (!(e instanceof CancelledError || o.signal?.aborted)) throw e;
    stoppedBy = 'cancelled';
  } finally {
    optimizer.dispose();
    model.dispose();
  }
  if (stoppedBy === 'cancelled' && points.length === 0) throw new CancelledError();
  const suggestions = suggestLrs(points.map((p) => p.lr), points.map((p) => p.smooth), numIt) ?? null;
  const file: LrFindFile = {
    format: RUN_LAYOUT_VERSION, createdAt: new Date().toISOString(),
    dataset: { root: scan.root, hash: scan.hash, classes: scan.classes, trainImages: split.train.length },
    config, startLr, endLr, numIt, beta: LR_FIND_DEFAULTS.beta, points, stoppedBy, suggestions,
    backend: backend.name, seconds: (performance.now() - started) / 1000,
  };
  const outDir = o.outDir ? path.resolve(o.outDir) : await claimNewFolder(path.resolve(LAB_DIR, LR_FIND_DIR), runFolderName(config.arch));
  const jsonPath = path.join(outDir, LR_FIND_FILES.json);
  const pngPath = path.join(outDir, LR_FIND_FILES.png);
  await writeJsonAtomic(jsonPath, file);
  await renderLrFindPng(file, pngPath);
  return { ...file, jsonPath, pngPath };
}
