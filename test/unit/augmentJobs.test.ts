/**
 * The jobs of issue 15 on phantom data with tiny models: test-time augmentation (a flip-invariant model's TTA equals its
 * plain prediction; recorded in the eval file), the recommended preset's training, the LR finder, the sample grid and
 * tune (validation only; the test split evaluated once, for the winner).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import type { JobEvent } from '../../src/shared/engineProtocol';
import { parseEvalFile, parseHistory, parseLrFindFile, parseRunInfo, parseTuneFile } from '../../src/shared/runFiles';
import { initBackend } from '../../src/engine/backend';
import { registerModel } from '../../src/engine/models/index';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { train } from '../../src/engine/train/trainer';
import { evaluateRun } from '../../src/engine/jobs/evaluate';
import { lrFind } from '../../src/engine/jobs/lrFind';
import { sampleGrid } from '../../src/engine/jobs/samples';
import { aggregateRuns, pickWinner, tune } from '../../src/engine/jobs/tune';
import { lrFinderLr } from '../../src/engine/train/lrFinder';
import { oneCycleLr } from '../../src/engine/train/schedule';
import { PRESETS } from '../../src/engine/dataset/augment/presets';

/** Global average pooling of the input, then a dense layer: its output does not change when the image is mirrored. */
function flipInvariant({ numClasses, imageSize }: { numClasses: number; imageSize: number }): tf.LayersModel {
  const input = tf.input({ shape: [imageSize, imageSize, 3] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'relu', name: 'conv1' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: numClasses, name: 'fc' }).apply(x) as tf.SymbolicTensor });
}

/** A 3×3 conv keeps where things are: mirrored images give other outputs. */
function positional({ numClasses, imageSize }: { numClasses: number; imageSize: number }): tf.LayersModel {
  const input = tf.input({ shape: [imageSize, imageSize, 3] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu', name: 'conv1' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: numClasses, name: 'fc' }).apply(x) as tf.SymbolicTensor });
}

const events: JobEvent[] = [];
const emit = (e: JobEvent) => events.push(e);
let tmp: string, data: string;
const base = { imageSize: 32, epochs: 1, batchSize: 4, microBatch: 4, valPerClass: 2, testPerClass: 2, seed: 3 };

before(async () => {
  await initBackend('auto');
  registerModel({ name: 'tiny-gap', description: 'flip-invariant test net', normalization: 'imagenet', defaultCamLayer: 'conv1', headLayers: ['fc'], build: flipInvariant });
  registerModel({ name: 'tiny-pos', description: 'positional test net', normalization: 'imagenet', defaultCamLayer: 'conv1', headLayers: ['fc'], build: positional });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-augjobs-'));
  data = path.join(tmp, 'data');
  await generatePhantomDataset(data, { perClass: 8, size: 40, classes: 3, seed: 5 });
});

const probs = async (file: string) => parseEvalFile(await fs.readFile(file, 'utf8'), file).predictions.map((p) => p.probabilities);

test('TTA of a flip-invariant model equals its plain prediction; a positional model differs; the eval file records the views', async () => {
  for (const arch of ['tiny-gap', 'tiny-pos']) {
    const runDir = path.join(tmp, `run-${arch}`);
    assert.equal((await train({ dataset: data, config: { ...base, arch }, runDir, emit })).status, 'completed');
    const before = tf.memory().numTensors;
    const plain = await evaluateRun({ runDir, emit });
    const tta = await evaluateRun({ runDir, emit, tta: true });
    assert.equal(tf.memory().numTensors, before, 'tensors leaked by evaluation');
    assert.equal(path.basename(tta.jsonPath), 'test-tta.json');
    assert.equal(path.basename(plain.jsonPath), 'test.json', 'TTA does not overwrite the plain evaluation');
    const [p, q] = [await probs(plain.jsonPath), await probs(tta.jsonPath)];
    const diff = Math.max(...p.flatMap((row, i) => row.map((v, c) => Math.abs(v - q[i][c]))));
    if (arch === 'tiny-gap') assert.ok(diff < 1e-6, `flip-invariant model: TTA moved a probability by ${diff}`);
    else assert.ok(diff > 1e-4, `positional model: TTA changed nothing (${diff})`);
    const file = parseEvalFile(await fs.readFile(tta.jsonPath, 'utf8'), tta.jsonPath);
    assert.deepEqual(file.tta, { preset: 'reference', views: PRESETS.reference.tta });
  }
});

test('the recommended preset trains with one-cycle per batch and records its augmentations in run.json', async () => {
  const runDir = path.join(tmp, 'run-recommended');
  const r = await train({ dataset: data, config: { ...base, arch: 'tiny-pos', epochs: 2, preset: 'recommended' }, runDir, emit });
  assert.equal(r.status, 'completed');
  const info = parseRunInfo(await fs.readFile(path.join(runDir, 'run.json'), 'utf8'), 'run.json');
  assert.equal(info.config.preset, 'recommended');
  assert.equal(info.config.scheduler, 'onecycle');
  assert.deepEqual(info.augmentation?.transforms, PRESETS.recommended.transforms);
  const history = parseHistory(await fs.readFile(path.join(runDir, 'history.jsonl'), 'utf8'), 'history.jsonl');
  assert.deepEqual(history.map((h) => h.lr), [oneCycleLr(5e-4, 0), oneCycleLr(5e-4, 0.5)]);
  // TTA of a recommended run averages its four views
  const tta = await evaluateRun({ runDir, emit, tta: true });
  assert.equal(tta.tta?.views.length, 4);
});

test('lr-find: exponentially growing rates on the training split, fastai suggestions, a JSON its schema reads and a PNG', async () => {
  const outDir = path.join(tmp, 'lrf');
  const r = await lrFind({ dataset: data, config: { ...base, arch: 'tiny-pos' }, numIt: 20, outDir, emit });
  assert.ok(r.points.length > 0 && r.points.length <= 20);
  r.points.forEach((p, i) => assert.ok(Math.abs(p.lr - lrFinderLr(i, 20)) <= 1e-12 * p.lr));
  assert.ok(r.stoppedBy === 'done' ? r.points.length === 20 : r.stoppedBy === 'diverged');
  const file = parseLrFindFile(await fs.readFile(r.jsonPath, 'utf8'), r.jsonPath);
  assert.equal(file.points.length, r.points.length);
  assert.equal(file.dataset.trainImages < 24, true, 'only the training split is used');
  const png = await sharp(r.pngPath).metadata();
  assert.deepEqual([png.width, png.height], [720, 440]);
});

test('samples: a seeded grid per class with the preset augmentations, histograms and sizes; the same seed draws the same', async () => {
  const png = path.join(tmp, 'grid.png');
  const thumbs = path.join(tmp, 'thumbs');
  const a = await sampleGrid({ root: data, perClass: 3, seed: 9, png, thumbnailsDir: thumbs, emit });
  const b = await sampleGrid({ root: data, perClass: 3, seed: 9, emit });
  const c = await sampleGrid({ root: data, perClass: 3, seed: 10, emit });
  const key = (r: typeof a) => r.classes.map((k) => k.samples.map((s) => `${s.rel} ${s.augmentation}`));
  assert.deepEqual(key(a), key(b));
  assert.notDeepEqual(key(a), key(c));
  assert.equal(a.preset, 'recommended');
  for (const k of a.classes) {
    assert.equal(k.samples.length, 3);
    assert.ok(k.samples.every((s) => s.rel.startsWith(`${k.className}/`)), 'each sample is an image of its class');
    assert.ok(Math.abs(k.histogram.bins.reduce((s, v) => s + v, 0) - 1) < 1e-9);
    assert.deepEqual([k.size.minWidth, k.size.maxHeight, k.size.images], [40, 40, 8]);
    for (const s of k.samples) assert.ok(existsSync(s.original!) && existsSync(s.augmented!));
  }
  const meta = await sharp(png).metadata();
  assert.ok(meta.width! > 3 * 160 && meta.height! > 3 * 2 * 160, `${meta.width}×${meta.height}`);
});

test('tune: candidates compared on validation only (with and without TTA); the winner alone is evaluated on the test split, the way it won', async () => {
  const outDir = path.join(tmp, 'tune');
  const r = await tune({ dataset: data, config: { ...base, arch: 'tiny-pos' }, presets: ['reference', 'recommended'], lrs: [1e-3], tta: true, outDir, emit });
  assert.equal(r.status, 'completed');
  const file = parseTuneFile(await fs.readFile(r.jsonPath, 'utf8'), r.jsonPath);
  assert.deepEqual(file.candidates.map((c) => c.name), ['reference-lr1e-3', 'recommended-lr1e-3']);
  const choice = pickWinner(file.candidates, 'val-macro-f1', true)!;
  assert.equal(file.winner, choice.candidate.name);
  assert.equal(file.winnerTta, choice.tta);
  assert.equal(file.test?.tta, choice.tta);
  for (const c of file.candidates) {
    assert.equal(c.status, 'completed');
    assert.ok(c.valTta && c.valTta.macroF1 >= 0 && Number.isFinite(c.valTta.loss), `${c.name}: scored with TTA`);
    assert.ok(existsSync(path.join(outDir, c.runDir, 'eval', 'val.json')) && existsSync(path.join(outDir, c.runDir, 'eval', 'val-tta.json')));
    const testFiles = (await fs.readdir(path.join(outDir, c.runDir, 'eval'))).filter((f) => f.startsWith('test') && f.endsWith('.json'));
    assert.deepEqual(testFiles, c.name === file.winner ? [choice.tta ? 'test-tta.json' : 'test.json'] : [], `${c.name}: test evaluated only for the winner`);
  }
  assert.ok(file.test && file.test.macroF1 >= 0);
});

test('tune --seeds: each candidate trained once per seed on one split, ranked by its mean validation scores; every run of the winner tested once', async () => {
  const outDir = path.join(tmp, 'tune-seeds');
  const whileTraining: string[] = [];
  const watch = (e: JobEvent) => {
    emit(e);
    if (e.type !== 'epoch-end') return;
    const now = parseTuneFile(readFileSync(path.join(outDir, 'tune.json'), 'utf8'), 'tune.json');
    whileTraining.push(now.candidates.map((c) => `${c.status}(${c.runs!.map((x) => x.status).join(',')})`).join(' '));
  };
  const r = await tune({ dataset: data, config: { ...base, arch: 'tiny-pos' }, presets: ['reference', 'recommended'], lrs: [1e-3], seeds: [4, 5], outDir, emit: watch });
  assert.equal(r.status, 'completed');
  assert.deepEqual([...new Set(whileTraining)], [
    'running(running,queued) queued(queued,queued)', 'running(completed,running) queued(queued,queued)',
    'completed(completed,completed) running(running,queued)', 'completed(completed,completed) running(completed,running)',
  ], 'tune.json says which candidate and seed is training');
  const file = parseTuneFile(await fs.readFile(r.jsonPath, 'utf8'), r.jsonPath);
  assert.deepEqual(file.seeds, [4, 5]);
  assert.equal(file.config.splitSeed, 4, 'one split for every run: the first seed\'s');
  const splits = new Set<string>();
  for (const c of file.candidates) {
    assert.deepEqual(c.runs?.map((x) => [x.seed, x.runDir, x.status]), [[4, `${c.name}/seed4`, 'completed'], [5, `${c.name}/seed5`, 'completed']]);
    const f1s = [];
    for (const run of c.runs!) {
      const info = parseRunInfo(await fs.readFile(path.join(outDir, run.runDir, 'run.json'), 'utf8'), 'run.json');
      assert.equal(info.config.seed, run.seed);
      splits.add(await fs.readFile(path.join(outDir, run.runDir, 'split.json'), 'utf8'));
      const val = parseEvalFile(await fs.readFile(path.join(outDir, run.runDir, 'eval', 'val.json'), 'utf8'), 'val.json');
      assert.equal(run.valMacroF1, val.macro.f1);
      f1s.push(val.macro.f1);
      const tested = existsSync(path.join(outDir, run.runDir, 'eval', 'test.json'));
      assert.equal(tested, c.name === file.winner, `${run.runDir}: test evaluated only for the winner's runs`);
    }
    assert.ok(Math.abs(c.valMacroF1! - (f1s[0] + f1s[1]) / 2) < 1e-12, `${c.name}: ranked by the mean`);
  }
  assert.equal(splits.size, 1, 'all runs share one split');
  assert.equal(file.winner, pickWinner(file.candidates, 'val-macro-f1')!.candidate.name);
  assert.deepEqual(file.test?.runs?.map((t) => t.seed), [4, 5]);
  assert.ok(Math.abs(file.test!.macroF1 - (file.test!.runs![0].macroF1 + file.test!.runs![1].macroF1) / 2) < 1e-12);
});

test('aggregateRuns: completed only when every seed is; the means of their scores; a failure or cancellation named', () => {
  const run = (seed: number, f1: number, tta?: number) => ({ seed, runDir: `c/seed${seed}`, status: 'completed' as const, bestEpoch: 2, valLoss: f1 / 2, valAccuracy: f1, valMacroF1: f1,
    ...(tta === undefined ? {} : { valTta: { loss: 0.1, accuracy: tta, macroF1: tta } }) });
  assert.deepEqual(aggregateRuns([run(1, 0.5), run(2, 1)]), { status: 'completed', valLoss: 0.375, valAccuracy: 0.75, valMacroF1: 0.75 });
  assert.deepEqual(aggregateRuns([run(1, 0.5, 0.5), run(2, 1, 0.75)]).valTta, { loss: 0.1, accuracy: 0.625, macroF1: 0.625 });
  assert.equal(aggregateRuns([run(1, 0.8, 0.6), run(2, 0.9)]).valTta, undefined, 'TTA only when every seed has it');
  assert.deepEqual(aggregateRuns([run(1, 0.8), { seed: 2, runDir: 'c/seed2', status: 'failed', reason: 'disk full' }]), { status: 'failed', reason: 'seed 2: disk full' });
  assert.deepEqual(aggregateRuns([run(1, 0.8), { seed: 2, runDir: 'c/seed2', status: 'queued' }]), { status: 'running' });
  assert.deepEqual(aggregateRuns([run(1, 0.8), { seed: 2, runDir: 'c/seed2', status: 'cancelled' }]), { status: 'cancelled' });
});

test('pickWinner: highest validation macro-F1, ties broken by the lower loss; or the loss alone; TTA as a second choice per candidate', () => {
  const c = (name: string, valMacroF1: number, valLoss: number, valTta?: { macroF1: number; loss: number }) =>
    ({ name, preset: 'reference' as const, lr: 1, runDir: name, status: 'completed' as const, valMacroF1, valLoss, ...(valTta ? { valTta: { ...valTta, accuracy: 0 } } : {}) });
  const cands = [c('a', 0.9, 0.5), c('b', 0.95, 0.6), c('d', 0.95, 0.4), c('e', 0.8, 0.2)];
  assert.equal(pickWinner(cands, 'val-macro-f1')!.candidate.name, 'd');
  assert.equal(pickWinner(cands, 'val-loss')!.candidate.name, 'e');
  assert.equal(pickWinner([{ ...c('x', 1, 0.1), status: 'failed' as const }], 'val-loss'), undefined);
  const withTta = [c('a', 0.9, 0.5, { macroF1: 0.97, loss: 0.45 }), c('d', 0.95, 0.4, { macroF1: 0.94, loss: 0.1 })];
  assert.deepEqual(pickWinner(withTta, 'val-macro-f1', true), { candidate: withTta[0], tta: true });
  assert.deepEqual(pickWinner(withTta, 'val-loss', true), { candidate: withTta[1], tta: true });
  assert.deepEqual(pickWinner(withTta, 'val-macro-f1'), { candidate: withTta[1], tta: false }, 'TTA scores ignored unless tta is asked for');
  const tie = [c('t', 0.9, 0.3, { macroF1: 0.9, loss: 0.3 })];
  assert.deepEqual(pickWinner(tie, 'val-macro-f1', true), { candidate: tie[0], tta: false }, 'a tie: the plain prediction');
});
