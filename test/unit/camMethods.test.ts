import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BaseCam } from '../../src/engine/cam/baseCam';
import { GradCam } from '../../src/engine/cam/gradCam';
import { DEFAULT_CAM_METHOD, getCamMethod, listCamMethods, type CamMethod } from '../../src/engine/cam/methods';
import { ConfigError } from '../../src/engine/errors';

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
  test('lists gradcam, the default, with ids usable in file names', () => {
    const ids = listCamMethods().map((m) => m.id);
    assert.ok(ids.includes('gradcam'));
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
