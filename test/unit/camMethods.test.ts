import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BaseCam } from '../../src/engine/cam/baseCam';
import { GradCam } from '../../src/engine/cam/gradCam';
import { camMethodNames, DEFAULT_CAM_METHOD, getCamMethod, listCamMethods, type CamMethod } from '../../src/engine/cam/methods';
import { ConfigError } from '../../src/engine/errors';
import { projectRows, topEigenvector } from '../../src/engine/cam/projection';
import type { CamOptions } from '../../src/engine/cam/baseCam';
import { modelFromWeightsFile } from '../../src/engine/zoo/weightsFile';
import { compareMethods, pearson, type CamsFile, type CaseMeta } from '../parity/compareCase';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

const SIZE = 32;

/** conv1 -> pool -> conv2 -> GAP -> dense: a CAM at conv1 needs real backward kernels (max-pool, conv, ReLU). */
function convNet(seed: number): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let x = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1', kernelInitializer: init(1) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv2', kernelInitializer: init(2) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 3, name: 'logits', kernelInitializer: init(3) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

/** Kernels of a backward pass (tf.grad), by their names on the cpu backend. */
const isBackwardKernel = (name: string) => /Backprop|Grad/.test(name);

before(async () => {
  await tf.setBackend('cpu');
});

describe('CAM method registry', () => {
  test('lists the seven methods, gradcam the default, with ids usable in file names', () => {
    const ids = listCamMethods().map((m) => m.id);
    assert.deepEqual(ids, ['gradcam', 'gradcampp', 'hirescam', 'xgradcam', 'layercam', 'eigencam', 'scorecam']);
    assert.deepEqual(listCamMethods().filter((m) => !m.usesGradients).map((m) => m.id), ['eigencam', 'scorecam']);
    assert.equal(getCamMethod('gradcam++'), getCamMethod('gradcampp'), "the alias 'gradcam++'");
    assert.equal(getCamMethod('gradcam++').label, 'Grad-CAM++');
    assert.deepEqual(camMethodNames(), [...ids, 'gradcam++']);
    assert.equal(DEFAULT_CAM_METHOD, 'gradcam');
    assert.equal(getCamMethod().id, 'gradcam');
    assert.equal(getCamMethod('gradcam').label, 'Grad-CAM');
    assert.equal(getCamMethod('gradcam').usesGradients, true);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    for (const id of ids) assert.match(id, /^[a-z0-9-]+$/);
  });

  test('an unknown method id is a ConfigError naming the known ids', () => {
    assert.throws(() => getCamMethod('scorecam-typo'), (e: Error) =>
      e instanceof ConfigError && (e as ConfigError).kind === 'config' && /Unknown CAM method 'scorecam-typo'.*gradcam/.test(e.message));
  });

  test('BaseCam with the registry\'s gradcam is GradCam, value for value', () => {
    const model = convNet(1);
    const input = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const a = new GradCam(model, 'conv1');
    const b = new BaseCam(model, 'conv1', getCamMethod('gradcam'));
    for (const c of [undefined, 0, 2]) {
      const ra = a.compute(input, c);
      const rb = b.compute(input, c);
      assert.deepEqual(rb.cam, ra.cam);
      assert.deepEqual(rb.probabilities, ra.probabilities);
      assert.equal(rb.method, 'gradcam');
    }
    a.dispose();
    b.dispose();
    input.dispose();
    model.dispose();
  });
});

describe('a gradient-free method through BaseCam', () => {
  test('gets no gradients (no backward kernel runs), a working scoreFn, and its map is upsampled and scaled', async () => {
    const model = convNet(5);
    const input = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const calls: { gradients: unknown; targetClass: number; inputIsInput: boolean; scoreShape: number[]; scoreDiff: number }[] = [];
    // The channel mean of the activation as the map (Eigen-CAM's shape of answer: a map, not weights).
    const channelMean: CamMethod = {
      id: 'channel-mean',
      label: 'Channel mean',
      usesGradients: false,
      cam: (ctx) => {
        const batch = tf.concat([ctx.input, ctx.input.mul(0.5), ctx.input.reverse(2)]) as tf.Tensor4D;
        const scores = ctx.scoreFn(batch);
        const expected = model.predict(batch) as tf.Tensor;
        calls.push({
          gradients: ctx.gradients, targetClass: ctx.targetClass, inputIsInput: ctx.input === input,
          scoreShape: scores.shape, scoreDiff: scores.sub(expected).abs().max().dataSync()[0],
        });
        return { map: ctx.activations.mean(-1).squeeze([0]) }; // [h,w]
      },
    };
    const cam = new BaseCam(model, 'conv1', channelMean);

    const free = await tf.profile(() => { cam.compute(input); });
    const backward = free.kernelNames.filter(isBackwardKernel);
    assert.deepEqual(backward, [], 'no gradient computed for a method without usesGradients');
    // The check can see a backward pass: Grad-CAM at the same layer runs these kernels.
    const grad = new GradCam(model, 'conv1');
    const withGrad = await tf.profile(() => { grad.compute(input); });
    assert.ok(withGrad.kernelNames.some(isBackwardKernel), `Grad-CAM kernels: ${withGrad.kernelNames.join(', ')}`);
    grad.dispose();

    const result = cam.compute(input, 1);
    assert.equal(calls.length, 2);
    for (const call of calls) {
      assert.equal(call.gradients, undefined);
      assert.ok(call.inputIsInput);
      assert.deepEqual(call.scoreShape, [3, 3], 'scoreFn: [batch, classes] logits');
      assert.ok(call.scoreDiff < 1e-5, `scoreFn differs from model.predict by ${call.scoreDiff}`);
    }
    assert.equal(calls[1].targetClass, 1);
    assert.equal(result.classIndex, 1);
    assert.equal(result.method, 'channel-mean');
    const logits = tf.tidy(() => Array.from(tf.softmax(model.predict(input) as tf.Tensor).dataSync()));
    result.probabilities.forEach((p, i) => assert.ok(Math.abs(p - logits[i]) < 1e-5, 'probabilities from the head without tf.grad'));
    assert.equal(calls[0].targetClass, logits.indexOf(Math.max(...logits)), 'default target: the predicted class');

    const expected = tf.tidy(() => {
      const act = tf.model({ inputs: model.inputs, outputs: model.getLayer('conv1').getOutputAt(0) }).predict(input) as tf.Tensor4D;
      const up = tf.image.resizeBilinear(tf.relu(act.mean(-1, true)) as tf.Tensor4D, [SIZE, SIZE], false, true);
      return up.sub(up.min()).div(up.max().sub(up.min())).dataSync();
    });
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(result.cam[i] - expected[i]));
    assert.ok(maxDiff < 1e-5, `map path differs by ${maxDiff}`);

    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) cam.compute(input, i);
    assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
    cam.dispose();
    input.dispose();
    model.dispose();
  });

  test('a method answer of the wrong size is a clear error, and leaks nothing', () => {
    const model = convNet(7);
    const input = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const badWeights = new BaseCam(model, 'conv1', { id: 'bad-weights', label: 'x', usesGradients: false, cam: () => ({ weights: tf.ones([5]) }) });
    assert.throws(() => badWeights.compute(input), /bad-weights returned 5 channel weights for 6 channels/);
    const badMap = new BaseCam(model, 'conv1', { id: 'bad-map', label: 'x', usesGradients: false, cam: () => ({ map: tf.ones([3, 3]) }) });
    assert.throws(() => badMap.compute(input), /bad-map returned a map of shape \[3,3\] for a 32x32 activation/);
    badWeights.dispose();
    badMap.dispose();
    assert.equal(tf.memory().numTensors, before);
    input.dispose();
    model.dispose();
  });
});

describe('every registered method through BaseCam', () => {
  const OPTIONS: CamOptions[] = [{}, { augSmooth: true }, { eigenSmooth: true }, { augSmooth: true, eigenSmooth: true }];

  test('runs at a mid and a last layer, with and without smoothing: a map in [0,1] of the input size, no tensor leaked', () => {
    const model = convNet(11);
    const input = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 12) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    for (const method of listCamMethods()) {
      for (const layer of ['conv1', 'conv2']) {
        for (const options of OPTIONS) {
          const cam = new BaseCam(model, layer, method, { ...options, batchSize: 4 });
          const r = cam.compute(input, 2);
          cam.dispose();
          const what = `${method.id} at ${layer} ${JSON.stringify(options)}`;
          assert.equal(r.method, method.id);
          assert.deepEqual([r.width, r.height, r.cam.length], [SIZE, SIZE, SIZE * SIZE], what);
          assert.equal(r.classIndex, 2);
          let min = Infinity;
          let max = -Infinity;
          for (const v of r.cam) { min = Math.min(min, v); max = Math.max(max, v); }
          assert.ok(min >= 0 && max <= 1, `${what}: values in [${min}, ${max}]`);
          assert.ok(max === 1 || max === 0, `${what}: min-max scaled (max ${max})`);
        }
      }
    }
    assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
    input.dispose();
    model.dispose();
  });

  test('the gradient-free methods (Eigen-CAM, Score-CAM) run no backward kernel, also smoothed; the others do', async () => {
    const model = convNet(13);
    const input = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 14) as tf.Tensor4D;
    for (const method of listCamMethods()) {
      for (const options of [{}, { augSmooth: true, eigenSmooth: true }]) {
        // At conv1 the backward pass crosses max-pool and conv2: kernels named *Grad / *Backprop*.
        const cam = new BaseCam(model, 'conv1', method, options);
        const kernels = (await tf.profile(() => { cam.compute(input); })).kernelNames;
        cam.dispose();
        const backward = kernels.filter(isBackwardKernel);
        if (method.usesGradients) assert.ok(backward.length > 0, `${method.id}: ${kernels.join(', ')}`);
        else assert.deepEqual(backward, [], `${method.id} ${JSON.stringify(options)} computed gradients`);
      }
    }
    input.dispose();
    model.dispose();
  });

  test('Score-CAM: masked inputs go through the model in batches of batchSize, and the map does not depend on it', () => {
    const model = convNet(15);
    const input = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 16) as tf.Tensor4D;
    const predict = model.predict.bind(model);
    const batches: number[] = [];
    model.predict = ((x: tf.Tensor, args?: Parameters<typeof predict>[1]) => { batches.push((x as tf.Tensor).shape[0]); return predict(x, args); }) as typeof model.predict;
    const maps = [1, 3, 32].map((batchSize) => {
      batches.length = 0;
      const cam = new BaseCam(model, 'conv2', getCamMethod('scorecam'), { batchSize });
      const r = cam.compute(input, 1);
      cam.dispose();
      // conv2 has 8 channels: ceil(8 / batchSize) passes, none larger than batchSize.
      assert.deepEqual(batches, { 1: [1, 1, 1, 1, 1, 1, 1, 1], 3: [3, 3, 2], 32: [8] }[batchSize]);
      return r.cam;
    });
    for (const m of maps.slice(1)) for (let i = 0; i < m.length; i++) assert.ok(Math.abs(m[i] - maps[0][i]) < 1e-5);
    model.predict = predict;
    input.dispose();
    model.dispose();
  });

  test('aug-smooth is flip-equivariant: the map of the mirrored image is the mirrored map', () => {
    const model = convNet(17);
    const input = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 18) as tf.Tensor4D;
    const mirrored = tf.reverse(input, 2) as tf.Tensor4D;
    for (const id of ['gradcam', 'eigencam']) {
      const cam = new BaseCam(model, 'conv1', getCamMethod(id), { augSmooth: true });
      const a = cam.compute(input, 0).cam;
      const b = cam.compute(mirrored, 0).cam;
      cam.dispose();
      let diff = 0;
      for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) diff = Math.max(diff, Math.abs(a[y * SIZE + x] - b[y * SIZE + SIZE - 1 - x]));
      assert.ok(diff < 1e-4, `${id}: ${diff}`);
    }
    tf.dispose([input, mirrored]);
    model.dispose();
  });
});

describe('principal projection (Eigen-CAM, eigen-smooth)', () => {
  test('equals the first principal component of the centred rows, its sign following the channel mean', () => {
    // Rows = positions, columns = channels: a rank-one signal u vᵀ plus a channel offset (removed by centring).
    const n = 6;
    const u = [3, -1, 0.5, 2, -2.5, 1];
    const v = [0.5, 1, -0.25];
    const offset = [10, -3, 7];
    for (const sign of [1, -1]) {
      const x = Float64Array.from({ length: n * 3 }, (_, k) => sign * u[Math.floor(k / 3)] * v[k % 3] + offset[k % 3]);
      const p = projectRows(x, n, 3);
      const uMean = u.reduce((a, b) => a + b) / n;
      const norm = Math.hypot(...v);
      // X_c v̂ = ±(u − ū) |v|; the row (channel) mean is sign · u_i · Σv / 3 + const with Σv > 0, so the rule picks sign.
      u.forEach((ui, i) => assert.ok(Math.abs(p[i] - sign * (ui - uMean) * norm) < 1e-5, `${sign}: ${p[i]} vs ${sign * (ui - uMean) * norm}`));
    }
    // More channels than positions (the position Gram matrix) and a zero matrix.
    const wide = Float64Array.from({ length: 3 * 5 }, (_, k) => [1, -2, 4][Math.floor(k / 5)] * (k % 5 + 1));
    const pw = projectRows(wide, 3, 5);
    const r = pearson(Array.from(pw), [1, -2, 4]);
    assert.ok(r > 0.999999, `r ${r}`);
    assert.deepEqual(Array.from(projectRows(new Float64Array(12), 4, 3)), [0, 0, 0, 0]);
  });

  test('topEigenvector: a symmetric matrix with close top eigenvalues', () => {
    // diag(1, 0.999, 0.5) rotated: power iteration alone would need thousands of steps.
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const q = [[c, -s, 0], [s, c, 0], [0, 0, 1]];
    const d = [1, 0.999, 0.5];
    const g = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) g[i * 3 + j] += q[i][k] * d[k] * q[j][k];
    const { vector, value } = topEigenvector(g, 3);
    assert.ok(Math.abs(value - 1) < 1e-9, String(value));
    assert.ok(Math.abs(Math.abs(vector[0]) - c) < 1e-6 && Math.abs(Math.abs(vector[1]) - s) < 1e-6, Array.from(vector).join(', '));
  });
});

describe('parity with pytorch-grad-cam without Python', () => {
  // test/fixtures/weights/torch-mobilenetv2-tiny/cams.json: pytorch-grad-cam 1.5.7's map of every method (and aug_smooth /
  // eigen_smooth variants) at features[13] (4 x 4 x 16) of the tiny torchvision MobileNetV2, written by
  // `test/parity/make_torch.py --fixture`.
  test('each method equals pytorch-grad-cam on the committed torch fixture (r >= 0.99)', async () => {
    const dir = path.join(__dirname, '..', 'fixtures', 'weights', 'torch-mobilenetv2-tiny');
    const meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as CaseMeta;
    const file = JSON.parse(await fs.readFile(path.join(dir, meta.cams!), 'utf8')) as CamsFile;
    const { model } = await modelFromWeightsFile(path.join(dir, meta.weights), meta.arch, {
      imageSize: meta.imageSize, includeTop: true, widthMultiplier: meta.widthMultiplier ?? undefined,
    });
    const buf = await fs.readFile(path.join(dir, 'input.f32'));
    const input = tf.tensor4d(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)), meta.inputShape);
    const before = tf.memory().numTensors;
    const results = compareMethods(model, input, file, { batchSize: 5 });
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(input);
    model.dispose();
    const methods = new Set(results.map((r) => r.method));
    for (const m of listCamMethods()) assert.ok(methods.has(m.id), `${m.id} is in the fixture`);
    assert.ok(results.some((r) => r.augSmooth) && results.some((r) => r.eigenSmooth));
    for (const r of results) assert.ok(r.correlation >= 0.99, `${r.key}: r = ${r.correlation}`);
  });
});
