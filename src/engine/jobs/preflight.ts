/**
 * The preflight of a training, before any run folder is created: scan and split the data (headers only), check the
 * pretrained weights (cache, file, or a download that answers), build the model as training would (with the weights
 * when they are here, so a broken file shows now) and time a few training steps on images of the split at the chosen
 * size and micro-batch.
 */
import * as path from 'node:path';
import type { JobEventSink, PreflightRequest } from '../../shared/engineProtocol';
import type { PreflightResult, PreflightWeights } from '../../shared/preflight';
import { splitSeedOf } from '../../shared/runFiles';
import { backendInfo } from '../backend';
import { DatasetError, scanDataset } from '../dataset/scan';
import { splitDataset } from '../dataset/split';
import { resolveTrainConfig } from '../train/config';
import { pickMicroBatch } from '../train/microBatch';
import { refuseUnusableSplit } from '../train/prepareData';
import { timeTrainingSteps } from '../train/timeSteps';
import { createModel, type CreatedModel } from '../zoo/createModel';
import { weightsAvailability } from '../zoo/weightsAvailability';

type PreflightOptions = Omit<PreflightRequest, 'type' | 'id'> & { signal?: AbortSignal; emit: JobEventSink; fetchImpl?: typeof fetch };

export async function preflight(o: PreflightOptions): Promise<PreflightResult> {
  const started = performance.now();
  const backend = backendInfo();
  if (!backend) throw new Error('Backend not initialised: call initBackend() first.');
  const config = resolveTrainConfig(o.config ?? {});
  const progress = (done: number, total: number, message: string) => o.emit({ type: 'progress', phase: 'preflight', done, total, message });

  const scan = await scanDataset(path.resolve(o.dataset), {
    patientPattern: config.patientPattern, signal: o.signal, verify: false,
    onProgress: (done, total) => o.emit({ type: 'progress', phase: 'scan', done, total }),
  });
  if (scan.classes.length < 2) throw new DatasetError(`Training needs at least two classes with images; ${scan.root} has ${scan.classes.length}.`);
  const split = splitDataset(scan, { seed: splitSeedOf(config), valPerClass: config.valPerClass, testPerClass: config.testPerClass, valFraction: config.valFraction, testFraction: config.testFraction });
  refuseUnusableSplit(split);

  progress(0, 1, 'checking the pretrained weights');
  let weights: PreflightWeights = await weightsAvailability(config.arch, config.pretrained, { timeoutMs: o.timeoutMs, fetchImpl: o.fetchImpl });
  const build = (pretrained: string | undefined) => createModel(config.arch, {
    numClasses: scan.classes.length, imageSize: config.imageSize, widthMultiplier: config.widthMultiplier, pretrained,
    freezeBackbone: config.freezeBackbone, signal: o.signal,
  });
  // Load the weights when they are here (as training will); time a fresh model of the architecture otherwise.
  const loadable = weights.source === 'path' ? weights.state === 'ok' : weights.source === 'imagenet' && weights.state === 'cached';
  let created: CreatedModel;
  try {
    created = await build(loadable ? config.pretrained : undefined);
  } catch (err) {
    if (!loadable || o.signal?.aborted) throw err;
    const problem = (err as Error).message;
    weights = weights.source === 'path'
      ? { source: 'path', state: 'invalid', path: weights.path, problem }
      : { source: 'imagenet', state: 'unavailable', problem, cacheDir: path.dirname((weights as { file: string }).file) };
    created = await build(undefined);
  }
  const microBatch = config.microBatch || pickMicroBatch(created.spec, config.imageSize, config.batchSize, backend.name);
  try {
    progress(0, 1, 'timing training steps');
    const times = await timeTrainingSteps(created.model, {
      train: split.train, val: split.val, imageSize: config.imageSize, normalization: created.normalization,
      microBatch, numClasses: scan.classes.length, steps: o.steps ?? 3, lr: config.lr, signal: o.signal,
      onStep: (k, n) => progress(k, n, `timed training step ${k} of ${n}`),
    });
    const native = backend.name === 'tensorflow';
    const nativeProblem = native ? undefined : backend.tried.find((t) => t.name === 'tfjs-node')?.error;
    return {
      arch: config.arch, imageSize: config.imageSize, batchSize: config.batchSize, epochs: config.epochs,
      dataset: { root: scan.root, classes: scan.classes, split: { train: split.train.length, val: split.val.length, test: split.test.length }, groupedBy: split.groupedBy, warnings: split.warnings },
      backend: { name: backend.name, threads: backend.threads, simd: backend.simd, native, ...(nativeProblem ? { nativeProblem } : {}) },
      weights,
      timing: { steps: times.steps, microBatch, trainSecondsPerImage: times.trainSecondsPerImage, inferSecondsPerImage: times.inferSecondsPerImage },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    created.model.dispose();
  }
}
