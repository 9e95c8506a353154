/**
 * One-cycle schedule and LR finder against fastai 2.8.12 (fixtures from test/fixtures/make_schedule_fixtures.py):
 * fit_one_cycle's rate at every batch, and the LR finder's smoothed loss, stop rule and 'valley' / 'steep' suggestions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { batchLr, ONE_CYCLE, oneCycleLr, scheduledLr } from '../../src/engine/train/schedule';
import { diverged, lrFinderLr, SmoothLoss, steep, suggestLrs, valley } from '../../src/engine/train/lrFinder';

const FIX = path.resolve(__dirname, '../fixtures/schedule');
const oneCycle = JSON.parse(readFileSync(path.join(FIX, 'onecycle.json'), 'utf8')) as {
  div: number; divFinal: number; pctStart: number; cases: { lrMax: number; epochs: number; batches: number; lrs: number[] }[];
};
const lrFind = JSON.parse(readFileSync(path.join(FIX, 'lrfind.json'), 'utf8')) as {
  curves: { name: string; numIt: number; raw: number[]; lrs: number[]; smooth: number[]; valley: { lr: number; loss: number }; steep: { lr: number; loss: number } }[];
};

const close = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-30);

test("one-cycle uses fit_one_cycle's defaults: pct_start 0.25, div 25, div_final 1e5", () => {
  assert.deepEqual({ pctStart: ONE_CYCLE.pctStart, div: ONE_CYCLE.div, divFinal: ONE_CYCLE.divFinal }, { pctStart: oneCycle.pctStart, div: oneCycle.div, divFinal: oneCycle.divFinal });
});

test("one-cycle's rate at every batch equals fastai's fit_one_cycle (combined_cos at pct_train)", () => {
  for (const c of oneCycle.cases) {
    const o = { scheduler: 'onecycle' as const, lr: c.lrMax, epochs: c.epochs, stepSize: 3, gamma: 0.1 };
    c.lrs.forEach((expected, k) => {
      const got = batchLr(o, Math.floor(k / c.batches), k % c.batches, c.batches);
      // fastai computes the phase position in float32 tensors: within 1e-6 of lr_max
      assert.ok(Math.abs(got - expected) <= 1e-6 * c.lrMax, `${c.lrMax}/${c.epochs}×${c.batches} batch ${k}: ${got} vs fastai ${expected}`);
    });
    // The peak is lr_max at 25 % of the batches (never above); the start lr_max/25; the history's per-epoch rate is the epoch's first batch.
    assert.ok(Math.max(...c.lrs) <= c.lrMax && close(oneCycleLr(c.lrMax, 0.25), c.lrMax));
    assert.ok(close(oneCycleLr(c.lrMax, 0), c.lrMax / 25));
    assert.ok(close(scheduledLr(o, 1), batchLr(o, 1, 0, c.batches)));
  }
});

test('the other schedules keep one rate per epoch (batchLr = scheduledLr)', () => {
  for (const scheduler of ['step', 'cosine', 'plateau', 'none'] as const) {
    const o = { scheduler, lr: 1e-4, epochs: 10, stepSize: 3, gamma: 0.1 };
    for (const epoch of [0, 3, 7]) assert.equal(batchLr(o, epoch, 5, 9, 1), scheduledLr(o, epoch, 1));
  }
});

test("the LR finder's rates, smoothed loss and stop rule equal fastai's LRFinder / AvgSmoothLoss", () => {
  for (const c of lrFind.curves) {
    const smooth = new SmoothLoss();
    let best = Infinity;
    const got: number[] = [];
    for (let i = 0; i < c.numIt; i++) {
      assert.ok(close(lrFinderLr(i, c.numIt), c.lrs[i] ?? lrFinderLr(i, c.numIt), 1e-6), `${c.name}: rate of batch ${i}`);
      const s = smooth.add(c.raw[i]);
      got.push(s);
      best = Math.min(best, s);
      if (diverged(s, best) || i + 1 >= c.numIt) break;
    }
    assert.equal(got.length, c.smooth.length, `${c.name}: stopped after ${got.length} batches, fastai after ${c.smooth.length}`);
    // fastai keeps the losses and their running mean in float32
    got.forEach((s, i) => assert.ok(close(s, c.smooth[i], 1e-5), `${c.name}: smooth loss ${i}: ${s} vs ${c.smooth[i]}`));
  }
});

test("valley and steep suggest fastai's rates on the recorded curves (first num_it/10 and last 5 points left out)", () => {
  for (const c of lrFind.curves) {
    const fromFastai = suggestLrs(c.lrs, c.smooth, c.numIt)!;
    assert.ok(close(fromFastai.valley.lr, c.valley.lr, 1e-6), `${c.name}: valley ${fromFastai.valley.lr} vs fastai ${c.valley.lr}`);
    assert.ok(close(fromFastai.steep.lr, c.steep.lr, 1e-6), `${c.name}: steep ${fromFastai.steep.lr} vs fastai ${c.steep.lr}`);
    assert.ok(close(fromFastai.valley.loss, c.valley.loss, 1e-6));
    // The same from our own smoothing of the raw losses.
    const smooth = new SmoothLoss();
    const ours = c.smooth.map((_, i) => smooth.add(c.raw[i]));
    const s = suggestLrs(c.lrs, ours, c.numIt)!;
    assert.ok(close(s.valley.lr, c.valley.lr, 1e-6) && close(s.steep.lr, c.steep.lr, 1e-6), c.name);
  }
});

test('valley and steep on hand-made curves: the middle of the longest descent, the steepest drop per log-rate', () => {
  const lrs = Array.from({ length: 12 }, (_, i) => 10 ** (i - 8));
  const losses = [2, 2, 1.9, 1.6, 1.2, 0.9, 0.8, 0.75, 0.9, 1.5, 3, 6];
  // the longest decreasing run is indices 1..7 (length 7): max_start = 7 - 7 = 0; sections 7/3 → idx 0 + 2 + 1 = 3
  assert.equal(valley(lrs, losses).index, 3);
  assert.equal(steep(lrs, losses).index, 3); // 1.6 → 1.2, the largest drop
  assert.equal(suggestLrs(lrs.slice(0, 6), losses.slice(0, 6), 100), undefined, 'too few points after the cuts');
});
