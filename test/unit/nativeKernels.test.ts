import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { useFusedBatchNorm } from '../../src/engine/native/fusedBatchNorm';
import { nativeBackendInstalled } from '../helpers/nativeBackend';

/** tfjs-node only: TensorFlow's fused BatchNorm in training against the stock tfjs-layers computation. */
const skip = nativeBackendInstalled ? false : 'tfjs-node is not installed (npm run install:native installs it)';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

test('fused BatchNorm training matches stock tfjs: output, gradients, moving mean; moving variance unbiased as in torch', { skip }, async () => {
  await initBackend('tensorflow');
  const [n, h, w, c] = [3, 5, 4, 6];
  const run = (fused: boolean) => {
    useFusedBatchNorm(fused);
    const layer = tf.layers.batchNormalization({ axis: -1, epsilon: 1e-5, momentum: 0.9 });
    const x = tf.randomNormal([n, h, w, c], 1, 2, 'float32', 7);
    layer.build(x.shape);
    const [gamma, beta, movingMean, movingVariance] = layer.weights;
    gamma.write(tf.randomUniform([c], 0.5, 1.5, 'float32', 1));
    beta.write(tf.randomUniform([c], -1, 1, 'float32', 2));
    const weights = tf.randomNormal([n, h, w, c], 0, 1, 'float32', 3);
    const loss = (input: tf.Tensor) => (layer.apply(input, { training: true }) as tf.Tensor).mul(weights).sum() as tf.Scalar;
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => loss(x), [gamma.read() as tf.Variable, beta.read() as tf.Variable]);
    const dx = tf.grad(loss)(x);
    const out = {
      loss: value.dataSync()[0], dx: dx.dataSync(), dGamma: grads[(gamma.read() as tf.Variable).name].dataSync(), dBeta: grads[(beta.read() as tf.Variable).name].dataSync(),
      movingMean: movingMean.read().dataSync(), movingVariance: movingVariance.read().dataSync(),
    };
    tf.dispose([value, dx, ...Object.values(grads)]);
    const leaked = tf.memory().numTensors - before;
    tf.dispose([x, weights]);
    layer.weights.forEach((v) => v.dispose());
    return { ...out, leaked };
  };
  try {
    const stock = run(false);
    const fused = run(true);
    assert.ok(Math.abs(stock.loss - fused.loss) < 1e-4, `loss ${stock.loss} vs ${fused.loss}`);
    for (const k of ['dx', 'dGamma', 'dBeta', 'movingMean'] as const) {
      assert.ok(maxAbsDiff(stock[k], fused[k]) < 1e-4, `${k} differs by ${maxAbsDiff(stock[k], fused[k])}`);
    }
    // two training calls (variableGrads, grad) each move the statistics: v1 = 0.9 + 0.1 s, v2 = 0.9 v1 + 0.1 s
    // (ones init, s = batch variance); unbiased s = biased s * m / (m - 1), m = n*h*w values per channel
    const m = n * h * w;
    for (let i = 0; i < c; i++) {
      const sBiased = (stock.movingVariance[i] - 0.81) / 0.19;
      const expected = 0.81 + 0.19 * sBiased * m / (m - 1);
      assert.ok(Math.abs(fused.movingVariance[i] - expected) < 1e-4, `channel ${i}: ${fused.movingVariance[i]} vs ${expected}`);
    }
    assert.equal(fused.leaked, 0, 'no tensor left behind by the fused path');
  } finally {
    useFusedBatchNorm(true);
  }
});
