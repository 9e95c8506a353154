/**
 * Weight averaging (`--ema-decay`) against torch.optim.swa_utils.AveragedModel(get_ema_multi_avg_fn, use_buffers=True):
 * fixtures from test/fixtures/make_ema_fixtures.py. The swap that lets validation see the average keeps the training
 * weights exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { WeightAverage } from '../../src/engine/train/weightAverage';

interface Fixture { decay: number; steps: { weights: number[][][] | number[][]; average: number[][][] | number[][] }[] }
const fx = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/ema/averaged-model.json'), 'utf8')) as Fixture;
const flat = (ws: unknown[]) => ws.map((w) => (w as number[] | number[][]).flat() as number[]);

test(`the average equals torch's AveragedModel (EMA ${fx.decay}, BatchNorm statistics included) after each of ${fx.steps.length} steps`, () => {
  const before = tf.memory().numTensors;
  const shapes = [[3, 2], [2], [2], [2], [2], [2]];
  const vars = tf.tidy(() => shapes.map((s) => tf.variable(tf.zeros(s))));
  const average = new WeightAverage(fx.decay, vars);
  fx.steps.forEach((step, t) => {
    flat(step.weights).forEach((w, i) => tf.tidy(() => vars[i].assign(tf.tensor(w, shapes[i]))));
    average.update();
    average.swapIn();
    const got = vars.map((v) => Array.from(v.dataSync()));
    average.swapOut();
    const want = flat(step.average);
    const diff = Math.max(...got.flatMap((g, i) => g.map((v, j) => Math.abs(v - want[i][j]))));
    assert.ok(diff < 1e-6, `step ${t + 1}: max difference ${diff} from torch`);
    // Swapping back restores the training weights bit for bit.
    vars.forEach((v, i) => assert.deepEqual(Array.from(v.dataSync()), Array.from(Float32Array.from(flat(step.weights)[i]))));
  });
  assert.equal(average.updates, fx.steps.length);
  average.dispose();
  tf.dispose(vars);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
});

test('while the average is swapped in, trainingWeights() are the weights training continues from; before any update swapIn changes nothing', () => {
  const v = tf.variable(tf.tensor1d([1, 2]));
  const average = new WeightAverage(0.5, [v]);
  average.swapIn();
  assert.deepEqual(Array.from(v.dataSync()), [1, 2]);
  average.update(); // copies [1, 2]
  v.assign(tf.tensor1d([3, 6]));
  average.update(); // [2, 4]
  average.swapIn();
  assert.deepEqual(Array.from(v.dataSync()), [2, 4]);
  assert.deepEqual(Array.from(average.trainingWeights()[0].tensor.dataSync()), [3, 6]);
  average.swapOut();
  assert.deepEqual(Array.from(v.dataSync()), [3, 6]);
  assert.deepEqual(Array.from(average.trainingWeights()[0].tensor.dataSync()), [3, 6]);
  average.dispose();
  v.dispose();
});
