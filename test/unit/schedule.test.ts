import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scheduledLr, updatePlateau, type PlateauState } from '../../src/engine/train/schedule';
import { weightedSample, epochOrder } from '../../src/engine/train/sampler';
import { createRng } from '../../src/engine/random';
import { resolveTrainConfig, ConfigError } from '../../src/engine/train/config';

const base = { lr: 1e-4, epochs: 25, stepSize: 3, gamma: 0.1 };

test('StepLR divides by 10 every 3 epochs, like torch StepLR(step_size=3, gamma=0.1)', () => {
  const lrs = [0, 1, 2, 3, 5, 6, 24].map((e) => scheduledLr({ ...base, scheduler: 'step' }, e));
  const expected = [1e-4, 1e-4, 1e-4, 1e-5, 1e-5, 1e-6, 1e-12];
  lrs.forEach((lr, i) => assert.ok(Math.abs(lr - expected[i]) <= 1e-12 * expected[i] + 1e-20, `epoch ${i}: ${lr}`));
});

test('cosine starts at lr and reaches half of it half-way', () => {
  const o = { ...base, scheduler: 'cosine' as const, epochs: 10 };
  assert.equal(scheduledLr(o, 0), 1e-4);
  assert.ok(Math.abs(scheduledLr(o, 5) - 5e-5) < 1e-15);
  assert.ok(scheduledLr(o, 9) < scheduledLr(o, 8));
});

test('plateau reduces after more than `patience` epochs without improvement', () => {
  let s: PlateauState = { best: Infinity, badEpochs: 0, reductions: 0 };
  for (const loss of [1.0, 0.9, 0.95, 0.96, 0.97, 0.98]) s = updatePlateau(s, loss, 3);
  assert.equal(s.reductions, 1);
  assert.equal(scheduledLr({ ...base, scheduler: 'plateau' }, 5, s.reductions), 1e-5);
  assert.equal(scheduledLr({ ...base, scheduler: 'none' }, 20), 1e-4);
});

test('weighted sampler draws classes equally often whatever their size, with replacement, epoch = train size', () => {
  const items = [...Array(900).fill(0), ...Array(90).fill(1), ...Array(10).fill(2)].map((label, i) => ({ label, i }));
  const drawn = weightedSample(items, createRng(7));
  assert.equal(drawn.length, items.length);
  const counts = [0, 0, 0];
  for (const d of drawn) counts[d.label]++;
  for (const c of counts) assert.ok(Math.abs(c - 333) < 60, `class counts ${counts}`);
  assert.ok(new Set(drawn.filter((d) => d.label === 2).map((d) => d.i)).size <= 10, 'minority items are repeated');
});

test('epoch order is a function of the seed', () => {
  const items = Array.from({ length: 50 }, (_, i) => ({ label: i % 3, i }));
  const a = epochOrder(items, 'shuffle', createRng(1)).map((x) => x.i);
  const b = epochOrder(items, 'shuffle', createRng(1)).map((x) => x.i);
  const c = epochOrder(items, 'shuffle', createRng(2)).map((x) => x.i);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual([...a].sort((x, y) => x - y), items.map((x) => x.i));
});

test('config defaults are the reference recipe and bad values are named', () => {
  const c = resolveTrainConfig({});
  assert.deepEqual([c.lr, c.batchSize, c.epochs, c.scheduler, c.stepSize, c.gamma, c.valPerClass, c.testPerClass, c.imageSize, c.sampler],
    [1e-4, 20, 25, 'step', 3, 0.1, 60, 60, 224, 'weighted']);
  assert.throws(() => resolveTrainConfig({ epochs: 0 }), (e: Error) => e instanceof ConfigError && /epochs/.test(e.message));
  assert.throws(() => resolveTrainConfig({ lr: -1 }), /lr/);
});
