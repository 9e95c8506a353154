/**
 * Label smoothing and decoupled weight decay (`--label-smoothing`, `--weight-decay`) against torch: four steps of a linear
 * classifier with nn.CrossEntropyLoss(label_smoothing) and torch.optim.AdamW (the bias not decayed) — fixtures from
 * test/fixtures/make_regularization_fixtures.py.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { trainStep, trainableVariables } from '../../src/engine/train/step';
import { resolveTrainConfig } from '../../src/engine/train/config';
import { recipeText } from '../../src/engine/report/sections/facts';

interface Fixture {
  x: number[][]; y: number[]; kernel0: number[][]; bias0: number[]; lrs: number[];
  cases: { labelSmoothing: number; weightDecay: number; losses: number[]; kernel: number[][]; bias: number[] }[];
}
const fx = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/regularization/adamw.json'), 'utf8')) as Fixture;

for (const c of fx.cases) {
  test(`label smoothing ${c.labelSmoothing}, weight decay ${c.weightDecay}: losses and weights equal torch's AdamW after ${fx.lrs.length} steps`, () => {
    const before = tf.memory().numTensors;
    // 12 features as a 2×2×3 "image": flatten keeps their order (NHWC), so the dense kernel sees torch's inputs.
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 3] }), tf.layers.dense({ units: 3 })] });
    const initial = [tf.tensor2d(fx.kernel0), tf.tensor1d(fx.bias0)];
    model.setWeights(initial);
    tf.dispose(initial);
    const optimizer = tf.train.adam(fx.lrs[0], 0.9, 0.999, 1e-8);
    const x = Float32Array.from(fx.x.flat()), y = Int32Array.from(fx.y);
    const losses = fx.lrs.map((lr) => {
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      return trainStep(model, optimizer, trainableVariables(model), x, y, 2, 3, y.length, { labelSmoothing: c.labelSmoothing, decay: lr * c.weightDecay }).loss;
    });
    losses.forEach((l, i) => assert.ok(Math.abs(l - c.losses[i]) < 1e-5, `step ${i + 1}: loss ${l} vs torch ${c.losses[i]}`));
    const [kernel, bias] = model.getWeights().map((t) => Array.from(t.dataSync()));
    const diff = Math.max(...kernel.map((v, i) => Math.abs(v - c.kernel.flat()[i])), ...bias.map((v, i) => Math.abs(v - c.bias[i])));
    assert.ok(diff < 1e-5, `max parameter difference ${diff}`);
    model.dispose();
    optimizer.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  });
}

test('the fixture cases differ from each other: smoothing and decay each change the result', () => {
  const k = fx.cases.map((c) => c.kernel.flat());
  for (let i = 1; i < k.length; i++) assert.ok(Math.max(...k[i].map((v, j) => Math.abs(v - k[0][j]))) > 1e-4, `case ${i} equals the plain one`);
});

test('config: label smoothing in [0, 1), weight decay ≥ 0, both absent by default', () => {
  const c = resolveTrainConfig({});
  assert.equal(c.labelSmoothing, undefined);
  assert.equal(c.weightDecay, undefined);
  assert.deepEqual([resolveTrainConfig({ labelSmoothing: 0.1, weightDecay: 0.01 }).labelSmoothing, resolveTrainConfig({ weightDecay: 0.01 }).weightDecay], [0.1, 0.01]);
  assert.throws(() => resolveTrainConfig({ labelSmoothing: 1 }), /labelSmoothing: must be in \[0, 1\)/);
  assert.throws(() => resolveTrainConfig({ weightDecay: -0.1 }), /weightDecay: must be 0 or more/);
  assert.equal(c.emaDecay, undefined);
  assert.throws(() => resolveTrainConfig({ emaDecay: 1 }), /emaDecay: must be in \[0, 1\)/);
});

test("the report's recipe sentence names the optimiser, the loss and the schedule as run.json has them", () => {
  const base = resolveTrainConfig({ arch: 'mobilenetv2' });
  const run = (config: object) => ({ info: { config: { ...base, ...config }, model: { normalization: 'imagenet' } } }) as never;
  assert.match(recipeText(run({})), /^Adam \(lr 0\.0001\), cross-entropy, batch 20, 25 epochs, StepLR ×0\.1 every 3 epochs,/);
  assert.match(recipeText(run(resolveTrainConfig({ preset: 'recommended' }))),
    /^AdamW \(lr 0\.0005, weight decay 0\.05\), cross-entropy with label smoothing 0\.1, batch 20, 25 epochs, one-cycle schedule/);
  assert.match(recipeText(run({ emaDecay: 0.995 })),
    /^Adam \(lr 0\.0001\), cross-entropy, validated and kept as an exponential moving average of the weights \(decay 0\.995 per step\), batch 20,/);
});
