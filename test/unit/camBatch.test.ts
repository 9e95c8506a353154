import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BaseCam } from '../../src/engine/cam/baseCam';
import { getCamMethod, listCamMethods } from '../../src/engine/cam/methods';

const SIZE = 32;
const N = 5;

/** conv1 -> batchnorm -> pool -> conv2 -> GAP -> dense: the images of a batch must stay independent (BN in inference mode). */
function convNet(seed: number): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let x = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1', kernelInitializer: init(1) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv2', kernelInitializer: init(2) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 3, name: 'logits', kernelInitializer: init(3) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

before(async () => {
  await tf.setBackend('cpu');
});

describe('BaseCam.computeBatch', () => {
  test('the batch-safe methods are the per-image gradient ones', () => {
    assert.deepEqual(listCamMethods().filter((m) => m.batchSafe).map((m) => m.id), ['gradcam', 'gradcampp', 'hirescam', 'xgradcam', 'layercam']);
  });

  for (const id of ['gradcam', 'gradcampp', 'hirescam', 'xgradcam', 'layercam', 'eigencam', 'scorecam']) {
    test(`${id}: n images at once equal compute() on each (< 1e-5), at both layers, predicted and given classes; no tensor leaks`, () => {
      const model = convNet(11);
      const inputs = tf.randomUniform([N, SIZE, SIZE, 3], -1, 1, 'float32', 12) as tf.Tensor4D;
      for (const layer of ['conv1', 'conv2']) {
        const cam = new BaseCam(model, layer, getCamMethod(id), { batchSize: 4 });
        for (const classes of [undefined, [0, 2, 1, 1, 0]]) {
          const before = tf.memory().numTensors;
          const batch = cam.computeBatch(inputs, classes);
          assert.equal(tf.memory().numTensors, before, 'computeBatch leaves no tensor behind');
          assert.equal(batch.length, N);
          for (let i = 0; i < N; i++) {
            const one = tf.slice(inputs, [i, 0, 0, 0], [1, SIZE, SIZE, 3]);
            const r = cam.compute(one, classes?.[i]);
            one.dispose();
            const b = batch[i];
            assert.equal(b.classIndex, r.classIndex);
            assert.equal(b.method, id);
            assert.equal(b.layer, layer);
            assert.deepEqual([b.width, b.height], [r.width, r.height]);
            assert.deepEqual(b.activationShape, r.activationShape);
            assert.ok(maxAbsDiff(b.probabilities, r.probabilities) < 1e-5, `${layer} image ${i}: probabilities`);
            const d = maxAbsDiff(b.cam, r.cam);
            assert.ok(d < 1e-5, `${layer} image ${i}: cam max |diff| ${d}`);
          }
        }
        cam.dispose();
      }
      inputs.dispose();
      model.dispose();
    });
  }

  test('a batch of one and the per-image fallback with smoothing; bad class indices are refused', () => {
    const model = convNet(21);
    const inputs = tf.randomUniform([2, SIZE, SIZE, 3], -1, 1, 'float32', 22) as tf.Tensor4D;
    const smooth = new BaseCam(model, 'conv2', getCamMethod('gradcam'), { eigenSmooth: true });
    const before = tf.memory().numTensors;
    const batch = smooth.computeBatch(inputs);
    assert.equal(tf.memory().numTensors, before);
    const one = tf.slice(inputs, [1, 0, 0, 0], [1, SIZE, SIZE, 3]);
    assert.deepEqual(batch[1].cam, smooth.compute(one).cam, 'the fallback is compute() itself');
    const plain = new BaseCam(model, 'conv2', getCamMethod('gradcam'));
    assert.ok(maxAbsDiff(plain.computeBatch(one as tf.Tensor4D)[0].cam, plain.compute(one as tf.Tensor4D).cam) < 1e-5);
    assert.throws(() => plain.computeBatch(inputs, [0]), /1 class indices for a batch of 2/);
    assert.throws(() => plain.computeBatch(inputs, [0, 3]), /classIndex 3 out of range/);
    one.dispose();
    smooth.dispose();
    plain.dispose();
    assert.throws(() => plain.computeBatch(inputs), /after dispose/);
    inputs.dispose();
    model.dispose();
  });
});
