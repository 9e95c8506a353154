import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { JobEvent } from '../../src/shared/engineProtocol';
import type { RunInfo } from '../../src/shared/runFiles';
import { initBackend } from '../../src/engine/backend';
import { registerModel } from '../../src/engine/models/index';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { train } from '../../src/engine/train/trainer';
import { trainStep, trainableVariables } from '../../src/engine/train/step';
import { evaluateRun } from '../../src/engine/jobs/evaluate';
import { explainImages } from '../../src/engine/jobs/explain';
import { readHistory } from '../../src/engine/run/runStore';
import { loadCheckpointModel } from '../../src/engine/run/checkpoint';

/** A tiny conv net so the whole recipe runs in seconds; registry architectures are covered in models.test.ts. */
function tinyNet({ numClasses, imageSize }: { numClasses: number; imageSize: number }, batchNorm = true): tf.LayersModel {
  const input = tf.input({ shape: [imageSize, imageSize, 3] });
  let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1' }).apply(input) as tf.SymbolicTensor;
  if (batchNorm) x = tf.layers.batchNormalization({ name: 'bn1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv2' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: numClasses, name: 'fc' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const events: JobEvent[] = [];
const emit = (e: JobEvent) => events.push(e);
let tmp: string;
let data: string;
const config = { arch: 'tiny-test', imageSize: 32, epochs: 2, batchSize: 4, microBatch: 2, lr: 1e-3, valPerClass: 2, testPerClass: 2, seed: 3 };

before(async () => {
  await initBackend('auto');
  registerModel({ name: 'tiny-test', description: 'test net', normalization: 'imagenet', defaultCamLayer: 'conv2', headLayers: ['fc'], build: tinyNet });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-trainer-'));
  data = path.join(tmp, 'data');
  await generatePhantomDataset(data, { perClass: 8, size: 40, classes: 3, seed: 5 });
});

const readRun = async (dir: string) => JSON.parse(await fs.readFile(path.join(dir, 'run.json'), 'utf8')) as RunInfo;
const exists = (p: string) => fs.access(p).then(() => true, () => false);

test('train → evaluate → explain writes a complete run directory and leaks no tensors', async () => {
  const runDir = path.join(tmp, 'run-a');
  const before = tf.memory().numTensors;
  const result = await train({ dataset: data, config, runDir, emit });
  assert.equal(result.status, 'completed');
  assert.equal(tf.memory().numTensors, before, 'tensors leaked by train');

  const info = await readRun(runDir);
  assert.equal(info.status, 'completed');
  assert.equal(info.epochsDone, 2);
  assert.deepEqual(info.dataset.classes, ['consolidation', 'effusion', 'normal']);
  assert.equal(info.split.groupedBy, 'patient');
  assert.equal(info.backend.name, tf.getBackend());
  const history = await readHistory(runDir);
  assert.deepEqual(history.map((h) => h.epoch), [1, 2]);
  for (const h of history) assert.ok([h.trainLoss, h.valLoss, h.trainAcc, h.valAcc, h.seconds].every(Number.isFinite));
  assert.ok(history.some((h) => h.best));
  for (const ck of ['checkpoints/best/model.json', 'checkpoints/last/model.json', 'checkpoints/last/optimizer.bin', 'split.json']) {
    assert.ok(await exists(path.join(runDir, ck)), ck);
  }
  assert.ok(events.some((e) => e.type === 'epoch-end') && events.some((e) => e.type === 'progress' && e.phase === 'train'));

  // The split keeps each patient (two images each, metadata.csv) on one side.
  const split = JSON.parse(await fs.readFile(path.join(runDir, 'split.json'), 'utf8')) as Record<string, string>;
  const csv = (await fs.readFile(path.join(data, 'metadata.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
  const sides = new Map<string, Set<string>>();
  for (const [file, , patient] of csv) sides.set(patient, (sides.get(patient) ?? new Set()).add(split[file]));
  for (const [patient, s] of sides) assert.equal(s.size, 1, `patient ${patient} on ${[...s]}`);

  const beforeEval = tf.memory().numTensors;
  const ev = await evaluateRun({ runDir, emit });
  assert.equal(tf.memory().numTensors, beforeEval, 'tensors leaked by evaluate');
  assert.equal(ev.confusion.flat().reduce((a, b) => a + b, 0), info.split.counts.test);
  const evJson = JSON.parse(await fs.readFile(ev.jsonPath, 'utf8')) as { predictions: { file: string }[] };
  assert.equal(evJson.predictions.length, info.split.counts.test);
  assert.ok(await exists(ev.pngPath));

  const image = evJson.predictions[0].file;
  const beforeCam = tf.memory().numTensors;
  const ex = await explainImages({ runDir, images: [image, image], classIndex: 1, emit });
  assert.equal(tf.memory().numTensors, beforeCam, 'tensors leaked by explain');
  assert.equal(ex.items.length, 2);
  assert.equal(ex.items[0].className, 'effusion');
  assert.ok(Math.abs(ex.items[0].probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  for (const f of [ex.items[0].heatmap, ex.items[0].overlay, ex.items[0].json]) assert.ok(await exists(f), f);
  await assert.rejects(explainImages({ runDir, images: [image], layer: 'no-such-layer', emit }), /not in this model/);
  // A layer without a spatial output: the error lists the layers that have one (the tiny net's conv layers).
  await assert.rejects(explainImages({ runDir, images: [image], layer: 'fc', emit }),
    (e: Error) => /^Layer "fc" has no spatial \(4-D\) output to explain; layers that do, deepest first: .*conv2.*conv1/.test(e.message));
  assert.equal(tf.memory().numTensors, beforeCam, 'the refused layer leaks no tensors');
});

test('cancel keeps the run consistent, and resume finishes it from checkpoints/last', async () => {
  const runDir = path.join(tmp, 'run-b');
  const controller = new AbortController();
  const r1 = await train({
    dataset: data, config: { ...config, epochs: 3 }, runDir, signal: controller.signal,
    emit: (e) => { if (e.type === 'epoch-end') controller.abort(); },
  });
  assert.equal(r1.status, 'cancelled');
  assert.equal((await readRun(runDir)).status, 'cancelled');
  assert.deepEqual((await readHistory(runDir)).map((h) => h.epoch), [1]);
  const last = await loadCheckpointModel(path.join(runDir, 'checkpoints/last'));
  last.dispose();

  const r2 = await train({ resume: runDir, emit });
  assert.equal(r2.status, 'completed');
  assert.equal(r2.epochsDone, 3);
  assert.deepEqual((await readHistory(runDir)).map((h) => h.epoch), [1, 2, 3]);
  const optimizerJson = JSON.parse(await fs.readFile(path.join(runDir, 'checkpoints/last/optimizer.json'), 'utf8')) as { specs: { name: string }[] };
  assert.ok(optimizerJson.specs.length > 2, 'Adam moments saved');
});

test('the seed reproduces a run: split, initial weights, sampling, augmentation', async () => {
  const history = async (name: string) => {
    await train({ dataset: data, config: { ...config, epochs: 1 }, runDir: path.join(tmp, name), emit: () => {} });
    return (await readHistory(path.join(tmp, name))).map(({ seconds: _s, ...rest }) => rest);
  };
  assert.deepEqual(await history('seed-a'), await history('seed-b'));
});

test('the seed also fixes dropout masks (SqueezeNet, VGG and MobileNetV2 heads have dropout)', async () => {
  const withDropout = ({ numClasses, imageSize }: { numClasses: number; imageSize: number }): tf.LayersModel => {
    const input = tf.input({ shape: [imageSize, imageSize, 3] });
    let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1' }).apply(input) as tf.SymbolicTensor;
    x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dropout({ rate: 0.5, name: 'drop' }).apply(x) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: numClasses, name: 'fc' }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: out });
  };
  registerModel({ name: 'tiny-dropout', description: 'test net with dropout', normalization: 'imagenet', defaultCamLayer: 'conv1', headLayers: ['fc'], build: withDropout });
  const history = async (name: string) => {
    await train({ dataset: data, config: { ...config, arch: 'tiny-dropout', epochs: 2 }, runDir: path.join(tmp, name), emit: () => {} });
    return (await readHistory(path.join(tmp, name))).map(({ seconds: _s, ...rest }) => rest);
  };
  assert.deepEqual(await history('dropout-a'), await history('dropout-b'));
});

test('gradient accumulation over micro-batches equals one full-batch step', () => {
  // No BatchNorm here: it normalises each micro-batch with its own statistics, so only BN-free nets are exactly equal.
  const weightsAfter = (microBatch: number) => {
    const model = tinyNet({ numClasses: 3, imageSize: 16 }, false);
    model.setWeights(model.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.3, 0.3, 'float32', 100 + i)));
    const opt = tf.train.adam(1e-2);
    const x = new Float32Array(4 * 16 * 16 * 3).map((_, i) => Math.sin(i));
    const r = trainStep(model, opt, trainableVariables(model), x, new Int32Array([0, 1, 2, 1]), 16, 3, microBatch);
    const w = model.getWeights().map((t) => Array.from(t.dataSync()));
    model.dispose();
    opt.dispose();
    return { w, loss: r.loss };
  };
  const full = weightsAfter(4);
  const accumulated = weightsAfter(1);
  assert.ok(Math.abs(full.loss - accumulated.loss) < 1e-5, `loss ${full.loss} vs ${accumulated.loss}`);
  let maxDiff = 0;
  full.w.forEach((a, i) => a.forEach((v, j) => { maxDiff = Math.max(maxDiff, Math.abs(v - accumulated.w[i][j])); }));
  assert.ok(maxDiff < 1e-5, `max weight difference ${maxDiff}`);
});

test('bad files are reported and skipped; training goes on with the rest', async () => {
  const bad = path.join(tmp, 'bad');
  await fs.cp(data, bad, { recursive: true });
  const cls = path.join(bad, 'normal');
  await fs.writeFile(path.join(cls, 'zero.png'), '');
  await fs.writeFile(path.join(cls, 'text.jpg'), 'this is not a JPEG');
  const good = (await fs.readdir(cls)).find((f) => f.endsWith('.png') && f !== 'zero.png')!;
  const bytes = await fs.readFile(path.join(cls, good));
  await fs.writeFile(path.join(cls, 'truncated.png'), bytes.subarray(0, bytes.length >> 1));
  await fs.writeFile(path.join(cls, 'notes.txt'), 'stray');
  await fs.mkdir(path.join(bad, 'empty_class'));
  const warnings: string[] = [];
  const runDir = path.join(tmp, 'run-c');
  const r = await train({ dataset: bad, config: { ...config, epochs: 1 }, runDir, emit: (e) => { if (e.type === 'log') warnings.push(e.message); } });
  assert.equal(r.status, 'completed');
  const info = await readRun(runDir);
  assert.equal(info.dataset.excluded, 3);
  assert.deepEqual(info.dataset.classes, ['consolidation', 'effusion', 'normal']);
  for (const name of ['zero.png', 'text.jpg', 'truncated.png', 'empty_class']) {
    assert.ok(warnings.some((w) => w.includes(name)), `no warning names ${name}: ${warnings.join(' | ')}`);
  }
});

test('an empty dataset fails with one clear sentence', async () => {
  const empty = path.join(tmp, 'empty');
  await fs.mkdir(path.join(empty, 'a'), { recursive: true });
  await assert.rejects(train({ dataset: empty, config, runDir: path.join(tmp, 'run-d'), emit }), (e: Error) => /image|class/i.test(e.message) && !e.message.includes('\n'));
});

test('--label-smoothing and --weight-decay reach the training: recorded in run.json, and each changes what is learned', async () => {
  const weightsOf = async (name: string, extra: { labelSmoothing?: number; weightDecay?: number }) => {
    const runDir = path.join(tmp, name);
    await train({ dataset: data, config: { ...config, epochs: 1, lr: 1e-2, ...extra }, runDir, emit: () => {} });
    const info = await readRun(runDir);
    assert.equal(info.config.labelSmoothing, extra.labelSmoothing);
    assert.equal(info.config.weightDecay, extra.weightDecay);
    const model = await loadCheckpointModel(path.join(runDir, 'checkpoints/last'));
    const w = model.getWeights().map((t) => Array.from(t.dataSync()));
    model.dispose();
    return w.flat();
  };
  const plain = await weightsOf('reg-plain', {});
  for (const [name, extra] of [['reg-ls', { labelSmoothing: 0.3 }], ['reg-wd', { weightDecay: 0.5 }]] as const) {
    const w = await weightsOf(name, extra);
    assert.ok(Math.max(...w.map((v, i) => Math.abs(v - plain[i]))) > 1e-4, `${name}: same weights as without it`);
  }
});

test('--ema-decay: the checkpoints hold the average, last keeps the training weights, and a resumed run equals an uninterrupted one', async () => {
  const emaConfig = { ...config, epochs: 3, lr: 1e-2, emaDecay: 0.6 };
  const weightsOf = async (dir: string) => {
    const model = await loadCheckpointModel(dir);
    const w = model.getWeights().flatMap((t) => Array.from(t.dataSync()));
    model.dispose();
    return w;
  };
  const trainingWeightsOf = async (runDir: string) =>
    Array.from(new Float32Array((await fs.readFile(path.join(runDir, 'checkpoints/last/training-weights.bin'))).buffer.slice(0)));
  const before = tf.memory().numTensors;
  const straight = path.join(tmp, 'ema-straight');
  await train({ dataset: data, config: emaConfig, runDir: straight, emit: () => {} });
  assert.equal(tf.memory().numTensors, before, 'tensors leaked by an averaged run');
  assert.equal((await readRun(straight)).config.emaDecay, 0.6);
  const trainer = JSON.parse(await fs.readFile(path.join(straight, 'checkpoints/last/trainer.json'), 'utf8')) as { averaging: { updates: number } };
  assert.equal(trainer.averaging.updates, 3 * Math.ceil(((await readRun(straight)).split.counts.train) / config.batchSize));
  const average = await weightsOf(path.join(straight, 'checkpoints/last'));
  const training = await trainingWeightsOf(straight);
  assert.equal(training.length, average.length);
  assert.ok(Math.max(...average.map((v, i) => Math.abs(v - training[i]))) > 1e-4, 'the checkpoint holds the average, not the training weights');

  const resumed = path.join(tmp, 'ema-resumed');
  const controller = new AbortController();
  await train({ dataset: data, config: emaConfig, runDir: resumed, signal: controller.signal, emit: (e) => { if (e.type === 'epoch-end') controller.abort(); } });
  await train({ resume: resumed, emit: () => {} });
  const history = async (dir: string) => (await readHistory(dir)).map(({ seconds: _s, ...rest }) => rest);
  assert.deepEqual(await history(resumed), await history(straight));
  assert.deepEqual(await weightsOf(path.join(resumed, 'checkpoints/last')), average);
  assert.deepEqual(await weightsOf(path.join(resumed, 'checkpoints/best')), await weightsOf(path.join(straight, 'checkpoints/best')));
  assert.deepEqual(await trainingWeightsOf(resumed), training);
});
