import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { GradCam } from '../../src/engine/cam/gradCam';
import { splitAtLayer } from '../../src/engine/cam/graphSplit';
import { locateCandidateLayer } from '../../src/engine/cam/locateLayer';
import { writeCamImages } from '../../src/engine/cam/camImages';
import { jet } from '../../src/engine/cam/colormap';
import { listModels } from '../../src/engine/models/index';
import { createModel } from '../../src/engine/zoo/createModel';
import { createRng } from '../../src/engine/random';

const SIZE = 32;

/** Seeded stream so the synthetic data are reproducible. */
function rng(seed: number): () => number {
  return createRng(seed).next;
}

/**
 * A noisy 32x32 image; with `quadrant` set (0 TL, 1 TR, 2 BL, 3 BR), an 8x8 bright square somewhere
 * inside that quadrant — the only evidence for class 1.
 */
function syntheticImage(rand: () => number, quadrant: number | null): Float32Array {
  const img = new Float32Array(SIZE * SIZE * 3);
  for (let i = 0; i < img.length; i++) img[i] = rand() * 0.4;
  if (quadrant !== null) {
    const half = SIZE / 2;
    const top = (quadrant >> 1) * half + 1 + Math.floor(rand() * 7);
    const left = (quadrant & 1) * half + 1 + Math.floor(rand() * 7);
    for (let y = top; y < top + 8; y++) {
      for (let x = left; x < left + 8; x++) {
        for (let c = 0; c < 3; c++) img[(y * SIZE + x) * 3 + c] = 1;
      }
    }
  }
  return img;
}

function quadrantOf(index: number, width: number, height: number): number {
  const y = Math.floor(index / width);
  const x = index % width;
  return (y >= height / 2 ? 2 : 0) + (x >= width / 2 ? 1 : 0);
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function smallConvNet(seed: number): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  // Downsample first: the cpu backend's filter gradient is slow, and 16x16 keeps training to seconds.
  let x = tf.layers.averagePooling2d({ poolSize: 2, name: 'down' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1', kernelInitializer: init(1) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv2', kernelInitializer: init(2) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 2, name: 'logits', kernelInitializer: init(3) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

/**
 * Functional net whose target layer sits mid-network: a residual Add around it, a Concatenate with a
 * branch that never sees it, BatchNorm and Dropout downstream (must run in inference mode).
 */
function residualNet(): tf.LayersModel {
  const conv = (filters: number, name: string) =>
    tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', name, kernelInitializer: tf.initializers.glorotUniform({ seed: name.length }) });
  const input = tf.input({ shape: [16, 16, 3] });
  const stem = conv(8, 'stem').apply(input) as tf.SymbolicTensor;
  const target = conv(8, 'target').apply(stem) as tf.SymbolicTensor;
  let y = tf.layers.batchNormalization({ name: 'bn' }).apply(target) as tf.SymbolicTensor;
  y = tf.layers.reLU({ name: 'relu' }).apply(y) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'add' }).apply([stem, y]) as tf.SymbolicTensor;
  const side = conv(4, 'side').apply(input) as tf.SymbolicTensor;
  let x = tf.layers.concatenate({ name: 'concat' }).apply([sum, side, target]) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.5, name: 'drop' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 3, name: 'logits' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logits });
  // Non-trivial BatchNorm statistics, so inference vs training mode would differ.
  const bn = model.getLayer('bn');
  const [gamma, beta, mean, variance] = bn.getWeights();
  bn.setWeights([gamma.add(0.5), beta.add(0.1), tf.randomNormal(mean.shape, 0, 1, 'float32', 7), variance.add(2)]);
  return model;
}

before(async () => {
  await tf.setBackend('cpu');
});

describe('Grad-CAM on a net trained to find a bright square', () => {
  let model: tf.LayersModel;
  let cam: GradCam;

  before(async () => {
    const rand = rng(42);
    const n = 128;
    const xs = new Float32Array(n * SIZE * SIZE * 3);
    const ys = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const positive = i % 2 === 0;
      xs.set(syntheticImage(rand, positive ? Math.floor(rand() * 4) : null), i * SIZE * SIZE * 3);
      ys[i * 2 + (positive ? 1 : 0)] = 1;
    }
    model = smallConvNet(1);
    model.compile({ optimizer: tf.train.adam(0.02), loss: (t: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(t, p) });
    const x = tf.tensor4d(xs, [n, SIZE, SIZE, 3]);
    const y = tf.tensor2d(ys, [n, 2]);
    await model.fit(x, y, { epochs: 4, batchSize: 32, shuffle: false, verbose: 0 });
    tf.dispose([x, y]);
    cam = new GradCam(model, 'conv2');
  });

  after(() => {
    cam.dispose();
    model.dispose();
  });

  test('the CAM peak lies in the quadrant holding the evidence, for each quadrant', () => {
    const rand = rng(7);
    for (let quadrant = 0; quadrant < 4; quadrant++) {
      for (let k = 0; k < 3; k++) {
        const input = tf.tensor4d(syntheticImage(rand, quadrant), [1, SIZE, SIZE, 3]);
        const result = cam.compute(input);
        input.dispose();
        assert.equal(result.classIndex, 1, `square in quadrant ${quadrant} should be classified as class 1`);
        assert.equal(result.cam.length, SIZE * SIZE);
        const peak = quadrantOf(argmax(result.cam), result.width, result.height);
        assert.equal(peak, quadrant, `CAM peak in quadrant ${peak}, evidence in quadrant ${quadrant}`);
      }
    }
  });

  test('output shape, value range, probabilities and the classIndex option', () => {
    const input = tf.tensor4d(syntheticImage(rng(3), 2), [1, SIZE, SIZE, 3]);
    const predicted = cam.compute(input);
    const forced = cam.compute(input, 0);
    input.dispose();
    assert.equal(predicted.width, SIZE);
    assert.equal(predicted.height, SIZE);
    assert.deepEqual(predicted.activationShape, [1, SIZE / 4, SIZE / 4, 16]);
    assert.equal(predicted.layer, 'conv2');
    const total = predicted.probabilities.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 1e-5, `probabilities sum to ${total}`);
    assert.equal(predicted.classIndex, argmax(predicted.probabilities));
    assert.equal(forced.classIndex, 0);
    assert.deepEqual(forced.probabilities, predicted.probabilities);
    for (const r of [predicted, forced]) {
      assert.ok(r.cam.every((v) => Number.isFinite(v) && v >= 0 && v <= 1));
    }
    assert.ok(Math.max(...predicted.cam) > 0.999, 'a non-empty CAM is scaled to reach 1');
    assert.notDeepEqual(forced.cam, predicted.cam, 'another class gives another map');
    assert.throws(() => cam.compute(tf.zeros([1, SIZE, SIZE, 3]) as tf.Tensor4D, 2), /out of range/);
  });

  test('repeated compute() calls do not leak tensors', () => {
    const input = tf.tensor4d(syntheticImage(rng(5), 1), [1, SIZE, SIZE, 3]);
    cam.compute(input);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) cam.compute(input, i % 2);
    assert.equal(tf.memory().numTensors, before);
    input.dispose();
  });

  test('writeCamImages writes a heatmap and an overlay of the display size', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cam-test-'));
    try {
      const result = cam.compute(tf.tidy(() => tf.tensor4d(syntheticImage(rng(11), 3), [1, SIZE, SIZE, 3])));
      const display = { width: 48, height: 40, data: Buffer.alloc(48 * 40 * 3, 128) };
      const out = await writeCamImages(result, display, path.join(dir, 'sub', 'img'));
      assert.equal(out.heatmap, path.join(dir, 'sub', 'img-heatmap.png'));
      for (const file of [out.heatmap, out.overlay]) {
        const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
        assert.equal(info.width, 48);
        assert.equal(info.height, 40);
        assert.equal(info.channels, 3);
        assert.equal(data.length, 48 * 40 * 3);
      }
      // Where the CAM peaks the heatmap is red; where it is zero, blue.
      const heat = await sharp(out.heatmap).raw().toBuffer();
      const peak = argmax(result.cam);
      const low = argmax(result.cam.map((v) => -v));
      const toDisplay = (i: number) => {
        const x = Math.min(47, Math.floor(((i % SIZE) + 0.5) * 48 / SIZE));
        const y = Math.min(39, Math.floor((Math.floor(i / SIZE) + 0.5) * 40 / SIZE));
        return (y * 48 + x) * 3;
      };
      const p = toDisplay(peak);
      const q = toDisplay(low);
      assert.ok(heat[p] > heat[p + 2], `peak pixel should be red-ish, got ${heat.subarray(p, p + 3).join(',')}`);
      assert.ok(heat[q + 2] > heat[q], `low pixel should be blue-ish, got ${heat.subarray(q, q + 3).join(',')}`);
      // The overlay is pytorch-grad-cam's show_cam_on_image: the 50/50 blend of grey 128 and the heatmap, stretched so
      // its brightest value is 255.
      const overlay = await sharp(out.overlay).raw().toBuffer();
      const blend = Array.from(heat, (v) => (128 + v) / 2);
      const brightest = Math.max(...blend);
      for (let i = 0; i < overlay.length; i += 97) assert.ok(Math.abs(overlay[i] - 255 * blend[i] / brightest) <= 1, `channel ${i}: ${overlay[i]}`);
      await assert.rejects(writeCamImages(result, { width: 4, height: 4, data: Buffer.alloc(5) }, path.join(dir, 'bad')));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('splitting mid-network', () => {
  test('head(activation, extras) reproduces the logits across a residual Add and a Concatenate', () => {
    const model = residualNet();
    const split = splitAtLayer(model, 'target');
    assert.equal(split.numExtras, 2, 'the stem (Add shortcut) and the side branch are extra head inputs');
    assert.deepEqual(split.activationShape, [-1, 16, 16, 8]);
    const input = tf.randomNormal([1, 16, 16, 3], 0, 1, 'float32', 3);
    assert.equal(split.numClasses, 3);
    const outs = split.features.predict(input) as tf.Tensor[];
    assert.equal(outs.length, 3);
    assert.deepEqual(outs.map((t) => t.shape), [[1, 16, 16, 8], [1, 16, 16, 8], [1, 16, 16, 4]]);
    const headLogits = split.head.predict(outs) as tf.Tensor;
    const modelLogits = model.predict(input) as tf.Tensor;
    const diff = (a: tf.Tensor, b: tf.Tensor) => a.sub(b).abs().max().dataSync()[0];
    assert.ok(diff(headLogits, modelLogits) < 1e-5, `head differs from model by ${diff(headLogits, modelLogits)}`);
    // The head shares the model's layers: changing a downstream weight changes both alike.
    const dense = model.getLayer('logits');
    dense.setWeights(dense.getWeights().map((w) => w.mul(2)));
    const headLogits2 = split.head.predict(outs) as tf.Tensor;
    const modelLogits2 = model.predict(input) as tf.Tensor;
    assert.ok(diff(headLogits2, modelLogits2) < 1e-5);
    assert.ok(diff(headLogits2, headLogits) > 1e-3);
    tf.dispose([input, ...outs, headLogits, modelLogits, headLogits2, modelLogits2]);
    split.head.dispose();
    model.dispose();
  });

  test('GradCam mid-network is finite and dispose() leaves the model usable', () => {
    const model = residualNet();
    const input = tf.randomNormal([1, 16, 16, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const tensorsBefore = tf.memory().numTensors;
    const topology = JSON.stringify(model.toJSON(null, false));
    const cam = new GradCam(model, 'target');
    assert.equal(JSON.stringify(model.toJSON(null, false)), topology, 're-applying layers for the head must not change what gets saved');
    const r = cam.compute(input);
    const expected = tf.tidy(() => Array.from(tf.softmax(model.predict(input) as tf.Tensor).dataSync()));
    r.probabilities.forEach((p, i) => assert.ok(Math.abs(p - expected[i]) < 1e-5, 'head ran in inference mode'));
    assert.equal(r.cam.length, 16 * 16);
    assert.ok(r.cam.every(Number.isFinite));
    cam.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore, 'dispose frees no model weights and leaks nothing');
    assert.throws(() => cam.compute(input), /dispose/);
    const logits = model.predict(input) as tf.Tensor;
    assert.ok(logits.dataSync().every(Number.isFinite));
    tf.dispose([logits, input]);
    model.dispose();
  });

  test('Grad-CAM matches the closed form when a dense layer follows global average pooling', () => {
    // For conv -> GAP -> dense, d(logit_c)/dA_k = W[k,c] / (h*w) everywhere, so the CAM is
    // ReLU(sum_k A_k W[k,c]) (Zhou et al.'s CAM), upsampled and min-max scaled.
    const model = smallConvNet(9);
    const input = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const cam = new GradCam(model, 'conv2');
    for (const c of [0, 1]) {
      const got = cam.compute(input, c).cam;
      const expected = tf.tidy(() => {
        const act = tf.model({ inputs: model.inputs, outputs: model.getLayer('conv2').getOutputAt(0) }).predict(input) as tf.Tensor4D;
        const w = (model.getLayer('logits').getWeights()[0] as tf.Tensor2D).slice([0, c], [-1, 1]).reshape([1, 1, 1, -1]);
        const map = tf.relu(act.mul(w).sum(-1, true)) as tf.Tensor4D;
        const up = tf.image.resizeBilinear(map, [SIZE, SIZE], false, true);
        return up.sub(up.min()).div(up.max().sub(up.min())).dataSync();
      });
      let maxDiff = 0;
      for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[i]));
      assert.ok(maxDiff < 1e-4, `class ${c}: max difference ${maxDiff}`);
    }
    cam.dispose();
    input.dispose();
    model.dispose();
  });

  test('unknown or non-spatial target layers are rejected', () => {
    const model = residualNet();
    assert.throws(() => new GradCam(model, 'nope'), /no top-level layer/);
    assert.throws(() => new GradCam(model, 'gap'), /rank 2/);
    model.dispose();
  });
});

describe('locateCandidateLayer', () => {
  test('picks the last layer with a spatial 4-D output', () => {
    const a = smallConvNet(2);
    assert.equal(locateCandidateLayer(a), 'conv2');
    const b = residualNet();
    assert.equal(locateCandidateLayer(b), 'drop');
    a.dispose();
    b.dispose();
  });

  test('skips a 4-D output of spatial size 1', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same', name: 'spatial' }),
        tf.layers.conv2d({ filters: 4, kernelSize: 8, name: 'one_by_one' }),
        tf.layers.flatten({ name: 'flat' }),
        tf.layers.dense({ units: 2, name: 'fc' }),
      ],
    });
    assert.equal(locateCandidateLayer(model), 'spatial');
    const cam = new GradCam(model, 'spatial'); // Sequential models split too
    const input = tf.randomNormal([1, 8, 8, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    assert.ok(cam.compute(input).cam.every(Number.isFinite));
    cam.dispose();
    input.dispose();
    model.dispose();
  });
});

describe('GradCam on every registry architecture', () => {
  for (const spec of listModels()) {
    test(`${spec.name}: default camLayer gives a finite CAM of the input size`, async (t) => {
      // 64 px gives most nets a 2x2 (not 1x1) final map; VGG's adaptive pool only accepts 32-63 px.
      let size = 64;
      let created;
      try {
        created = await createModel(spec.name, { numClasses: 2, imageSize: size });
      } catch (err) {
        t.diagnostic(`${spec.name} rejected ${size} px (${(err as Error).message.slice(0, 80)}...); using 32 px`);
        size = 32;
        created = await createModel(spec.name, { numClasses: 2, imageSize: size });
      }
      const { model, camLayer } = created;
      const input = tf.randomNormal([1, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const tensorsBefore = tf.memory().numTensors;
      const cam = new GradCam(model, camLayer);
      const r = cam.compute(input);
      assert.equal(r.width, size);
      assert.equal(r.height, size);
      assert.equal(r.cam.length, size * size);
      assert.ok(r.cam.every((v) => Number.isFinite(v) && v >= 0 && v <= 1), 'CAM values finite, in [0,1]');
      assert.equal(r.probabilities.length, 2);
      assert.ok(Math.abs(r.probabilities[0] + r.probabilities[1] - 1) < 1e-5);
      assert.equal(r.activationShape.length, 4);
      t.diagnostic(`${spec.name} ${camLayer} activation ${r.activationShape.join('x')}, auto layer ${locateCandidateLayer(model)}`);
      cam.compute(input, 1);
      cam.dispose();
      assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensors leaked, no weights freed');
      input.dispose();
      model.dispose();
    });
  }
});

test('jet colormap runs blue -> green -> red', () => {
  const [r0, g0, b0] = jet(0);
  const [r5, g5, b5] = jet(0.5);
  const [r1, g1, b1] = jet(1);
  assert.ok(b0 > r0 && b0 > g0);
  assert.ok(g5 > r5 - 1 && g5 > b5 - 1 && g5 === 255);
  assert.ok(r1 > g1 && r1 > b1);
  assert.deepEqual(jet(2), jet(1));
  assert.deepEqual(jet(Number.NaN), jet(0));
});
