import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import type { ExplainEvalRequest, ExplainEvalResult, JobEventSink } from '../../shared/engineProtocol';
import {
  RUN_FILES, RUN_LAYOUT_VERSION, faithfulnessFileName, faithfulnessName, type FaithfulnessFile, type FaithfulnessMethodResult, type Interval, type SplitName,
} from '../../shared/runFiles';
import { argMax } from '../../shared/format';
import { writeJsonAtomic } from '../io/atomic';
import { loadImageTensorData, type Normalization } from '../dataset/preprocess';
import { scanDataset, DatasetError } from '../dataset/scan';
import { splitFromRecord } from '../dataset/split';
import type { ImageItem } from '../dataset/types';
import { BaseCam } from '../cam/baseCam';
import { getCamMethod, listCamMethods } from '../cam/methods';
import type { CamMethod } from '../cam/camMethod';
import {
  DEFAULT_FAITHFULNESS, HEADLINE_METRIC, listFaithfulnessMetrics, normalFrom, scoreFaithfulness, type FaithfulnessSettings,
} from '../cam/faithfulness';
import { BOOTSTRAP_CONFIDENCE, BOOTSTRAP_RESAMPLES, bootstrapRng, clusterIndex, percentile, resampleWeights } from '../metrics/bootstrap';
import { createRng, type Rng } from '../random';
import { openRunCheckpoint } from '../run/checkpoint';
import { readRunSplit } from '../run/runFiles';
import { RunStore } from '../run/runStore';
import { CancelledError, ConfigError } from '../errors';
import { knownPatients } from './calibrationSet';

export type ExplainEvalOptions = Omit<ExplainEvalRequest, 'type' | 'id'> & { signal?: AbortSignal; emit: JobEventSink };

/** Images per split sample unless --limit says otherwise: Score-CAM on DenseNet121 is 1024 forward passes per image. */
export const DEFAULT_SAMPLE = 30;

/**
 * `cxr-lab explain-eval`: how faithful each CAM method is for a run's model on a split. A seeded sample of the split
 * (stratified by class), each image explained by every requested method for its predicted class, each map scored by
 * the faithfulness metrics (src/engine/cam/faithfulness: ROAD, Average Drop, Increase in Confidence); per-image values,
 * means with 95 % bootstrap intervals (patients resampled when known) and the ranking by ROAD combined, written to
 * cams/faithfulness-<split>.json.
 */
export async function explainEval(o: ExplainEvalOptions): Promise<ExplainEvalResult> {
  const started = performance.now();
  const methods = (o.methods?.length ? o.methods : listCamMethods().map((m) => m.id)).map((id) => getCamMethod(id));
  if (new Set(methods.map((m) => m.id)).size !== methods.length) throw new ConfigError('--methods names a method twice.');
  const limit = o.limit ?? DEFAULT_SAMPLE;
  if (!(Number.isInteger(limit) && limit >= 1)) throw new ConfigError(`--limit must be a positive whole number, got ${limit}.`);
  const noise = o.noise ?? DEFAULT_FAITHFULNESS.noise;
  if (!(noise >= 0 && Number.isFinite(noise))) throw new ConfigError(`--noise must be a number ≥ 0, got ${noise}.`);
  const run = await RunStore.open(o.runDir);
  const seed = o.seed ?? run.info.config.seed;
  const split: SplitName = o.split ?? 'test';
  const checkpoint = o.checkpoint ?? 'best';
  const { classes } = run.info.dataset;

  const scan = await scanDataset(run.info.dataset.root, { classes, signal: o.signal, onProgress: (done, total) => o.emit({ type: 'progress', phase: 'scan', done, total }) });
  const all = splitFromRecord(scan, await readRunSplit(run.dir), run.info.config.seed)[split];
  if (all.length === 0) throw new DatasetError(`Nothing to explain: the ${split} set of run ${run.info.id} has no readable image.`);
  const sample = stratifiedSample(all, limit, createRng(seed).fork('explain-eval'));

  const { model } = await openRunCheckpoint(run, checkpoint, (message) => o.emit({ type: 'log', level: 'warn', message }));
  const layer = o.layer ?? run.info.model.camLayer;
  if (!model.layers.some((l) => l.name === layer)) {
    const last = model.layers.slice(-8).map((l) => l.name).join(', ');
    model.dispose();
    throw new ConfigError(`Layer "${layer}" is not in this model; its last layers are: ${last}.`);
  }
  const norm = { imageSize: run.info.config.imageSize, normalization: run.info.model.normalization as Normalization };
  const size = norm.imageSize;
  const settingsBase = { percentiles: DEFAULT_FAITHFULNESS.percentiles, noise, target: o.target ?? DEFAULT_FAITHFULNESS.target, tolerance: DEFAULT_FAITHFULNESS.tolerance };
  const metrics = listFaithfulnessMetrics();
  const scoreFn = (batch: tf.Tensor4D) => model.predict(batch, { batchSize: batch.shape[0] }) as tf.Tensor;
  const cams: BaseCam[] = [];

  const images: FaithfulnessFile['images'] = [];
  const used: ImageItem[] = [];
  const skipped: FaithfulnessFile['skipped'] = [];
  const perMethod = methods.map(() => ({ values: Object.fromEntries(metrics.map((m) => [m.id, [] as number[]])), cam: 0, perturb: 0, model: 0, passes: 0 }));
  const total = sample.length * methods.length;
  let done = 0;
  const loopStarted = performance.now();
  const progress = (message: string) => {
    const elapsed = (performance.now() - loopStarted) / 1000;
    o.emit({ type: 'progress', phase: 'explain-eval', done, total, message, ...(done > 0 ? { etaSeconds: (elapsed / done) * (total - done) } : {}) });
  };
  try {
    for (const m of methods) cams.push(new BaseCam(model, layer, m));
    for (const item of sample) {
      if (o.signal?.aborted) throw new CancelledError();
      let data: Float32Array;
      try {
        data = await loadImageTensorData(item.path, norm);
      } catch (e) {
        skipped.push({ file: item.path, error: (e as Error).message });
        o.emit({ type: 'log', level: 'warn', message: `Skipped ${item.rel}: ${(e as Error).message}` });
        done += methods.length;
        continue;
      }
      const input = tf.tensor4d(data, [1, size, size, 3]);
      try {
        const logits = tf.tidy(() => scoreFn(input).dataSync() as Float32Array);
        const probabilities = softmax(logits);
        const classIndex = argMax(probabilities);
        images.push({ file: item.path, rel: item.rel, label: item.label, classIndex, probability: probabilities[classIndex] });
        used.push(item);
        // The imputer's noise: one seeded stream per image and perturbed input, the same for every method.
        const settings: FaithfulnessSettings = { ...settingsBase, normalFor: (key) => normalFrom(createRng(seed).fork(`explain-eval/${item.rel}/${key}`).next) };
        for (const [k, method] of methods.entries()) {
          if (o.signal?.aborted) throw new CancelledError();
          progress(`${method.label} · ${path.basename(item.rel)}`);
          const t0 = performance.now();
          const cam = cams[k].compute(input, classIndex).cam;
          const t1 = performance.now();
          const scored = scoreFaithfulness(scoreFn, { image: data, height: size, width: size, channels: 3, cam, targetClass: classIndex }, settings, { metrics });
          const acc = perMethod[k];
          acc.cam += (t1 - t0) / 1000;
          acc.perturb += scored.perturbSeconds;
          acc.model += scored.modelSeconds;
          acc.passes = scored.forwardPasses;
          for (const m of metrics) acc.values[m.id].push(scored.values[m.id]);
          done++;
        }
      } finally {
        input.dispose();
      }
    }
    progress('done');
  } finally {
    for (const cam of cams) cam.dispose();
    model.dispose();
  }
  if (images.length === 0) throw new DatasetError(`None of the ${sample.length} sampled images of the ${split} set could be read.`);

  const clusters = knownPatients(used);
  const summary = summarise(methods, perMethod.map((a) => a.values), metrics.map((m) => ({ id: m.id, better: m.better })), { seed, clusters });
  const methodResults: FaithfulnessMethodResult[] = methods.map((m, k) => ({
    id: m.id, label: m.label, values: perMethod[k].values, means: summary.means[k], intervals: summary.intervals[k],
    seconds: { cam: round(perMethod[k].cam), perturb: round(perMethod[k].perturb), model: round(perMethod[k].model) }, forwardPasses: perMethod[k].passes,
  }));
  const name = faithfulnessName(split, checkpoint);
  const file: FaithfulnessFile = {
    format: RUN_LAYOUT_VERSION, name, runId: run.info.id, split, checkpoint, createdAt: new Date().toISOString(),
    settings: { percentiles: [...settingsBase.percentiles], noise, target: settingsBase.target, tolerance: settingsBase.tolerance, limit, seed, layer },
    metrics: metrics.map((m) => ({ id: m.id, label: m.label, better: m.better })),
    images, methods: methodResults, ranking: summary.ranking, best: summary.best, bootstrap: summary.bootstrap, skipped,
    seconds: round((performance.now() - started) / 1000),
  };
  const dir = path.join(run.dir, RUN_FILES.cams);
  await fs.mkdir(dir, { recursive: true });
  const jsonPath = path.join(dir, faithfulnessFileName(name));
  await writeJsonAtomic(jsonPath, file);
  return { ...file, jsonPath, classes };
}

/**
 * At most `limit` items, stratified by class: each class's items in a seeded order, then taken round-robin over the
 * classes (a class that runs out leaves its turns to the others), so 30 of three balanced classes are 10 of each.
 */
export function stratifiedSample(items: readonly ImageItem[], limit: number, rng: Rng): ImageItem[] {
  const byClass = new Map<number, ImageItem[]>();
  for (const it of [...items].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))) {
    let list = byClass.get(it.label);
    if (!list) byClass.set(it.label, (list = []));
    list.push(it);
  }
  const queues = [...byClass.keys()].sort((a, b) => a - b).map((label) => rng.fork(`class ${label}`).shuffle(byClass.get(label)!));
  const out: ImageItem[] = [];
  for (let round = 0; out.length < limit && queues.some((q) => round < q.length); round++) {
    for (const q of queues) if (round < q.length && out.length < limit) out.push(q[round]);
  }
  return out;
}

interface Summary {
  means: Record<string, number>[];
  intervals: Record<string, Interval | null>[];
  ranking: FaithfulnessFile['ranking'];
  best: Record<string, string>;
  bootstrap: FaithfulnessFile['bootstrap'];
}

/**
 * Means per method and metric, their 95 % percentile-bootstrap intervals (images, or patients when known, resampled
 * with replacement — the same resample for every method, so the methods are compared on the same images), the
 * ranking by the headline metric and how often each method is first over the resamples.
 */
export function summarise(methods: readonly Pick<CamMethod, 'id'>[], values: Record<string, number[]>[], metrics: { id: string; better: 'higher' | 'lower' }[],
  o: { seed: number; clusters?: readonly string[]; resamples?: number }): Summary {
  const n = values[0]?.[metrics[0]?.id]?.length ?? 0;
  const resamples = o.resamples ?? BOOTSTRAP_RESAMPLES;
  const weightedMean = (v: number[], w: ArrayLike<number> | undefined) => {
    let s = 0, t = 0;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) continue;
      const wi = w ? w[i] : 1;
      s += wi * v[i];
      t += wi;
    }
    return t > 0 ? s / t : NaN;
  };
  const means = values.map((byMetric) => Object.fromEntries(metrics.map((m) => [m.id, weightedMean(byMetric[m.id], undefined)])));
  const { of, count } = o.clusters ? clusterIndex(o.clusters) : { of: Int32Array.from({ length: n }, (_, i) => i), count: n };
  const rng = bootstrapRng(o.seed).fork('explain-eval');
  const samples = values.map(() => Object.fromEntries(metrics.map((m) => [m.id, new Float64Array(resamples)])));
  const headline = metrics.find((m) => m.id === HEADLINE_METRIC) ?? metrics[0];
  const sign = (m: { better: string }) => (m.better === 'higher' ? 1 : -1);
  const order = methods.map((_, k) => k).sort((a, b) => sign(headline) * ((means[b][headline.id] ?? NaN) - (means[a][headline.id] ?? NaN)) || a - b);
  const firsts = new Float64Array(methods.length);
  if (n >= 2) {
    const weights = new Float64Array(n), drawn = new Float64Array(count);
    for (let b = 0; b < resamples; b++) {
      resampleWeights(of, count, rng, weights, drawn);
      // Methods tied for first (the same maps give the same scores) share the resample's credit.
      let bestV = -Infinity;
      const tied: number[] = [];
      values.forEach((byMetric, k) => {
        for (const m of metrics) {
          const v = weightedMean(byMetric[m.id], weights);
          samples[k][m.id][b] = v;
          if (m.id !== headline.id || !Number.isFinite(v)) continue;
          if (sign(m) * v > bestV) { bestV = sign(m) * v; tied.length = 0; tied.push(k); } else if (sign(m) * v === bestV) tied.push(k);
        }
      });
      for (const k of tied) firsts[k] += 1 / tied.length;
    }
  }
  const lowQ = (1 - BOOTSTRAP_CONFIDENCE) / 2;
  const intervals = samples.map((byMetric) => Object.fromEntries(metrics.map((m) => {
    if (n < 2) return [m.id, null];
    const defined = byMetric[m.id].filter((v) => Number.isFinite(v)).sort();
    return [m.id, defined.length ? { low: percentile(defined, lowQ), high: percentile(defined, 1 - lowQ) } : null];
  })));
  const best = Object.fromEntries(metrics.map((m) => {
    const k = methods.map((_, i) => i).sort((a, b) => sign(m) * ((means[b][m.id] ?? NaN) - (means[a][m.id] ?? NaN)) || a - b)[0];
    return [m.id, methods[k].id];
  }));
  return {
    means, intervals, best,
    ranking: {
      metric: headline.id, order: order.map((k) => methods[k].id), bestShare: n >= 2 ? firsts[order[0]] / resamples : NaN,
      firstShare: Object.fromEntries(methods.map((m, k) => [m.id, n >= 2 ? firsts[k] / resamples : NaN])),
    },
    bootstrap: { unit: o.clusters ? 'patient' : 'image', clusters: count, resamples: n >= 2 ? resamples : 0, confidence: BOOTSTRAP_CONFIDENCE, seed: o.seed },
  };
}

function softmax(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

const round = (s: number) => Math.round(s * 100) / 100;
