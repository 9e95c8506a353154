import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { EpochRecord } from '../../src/shared/engineProtocol';
import type { TrainingRunView, TrainingToWebview } from '../../src/shared/webviewProtocol';
import {
  bestEpoch, bestSummary, canEvaluate, curveData, epochAxisRange, epochPartDone, initialTrainingState, lossAxisRange, lrAxisRange,
  progressModel, reduceTraining, runMeta, upsertEpoch, type TrainingState,
} from '../../src/webview/training/state';

const run: TrainingRunView = { runDir: '/r', id: 'r1', arch: 'resnet18', status: 'running', epochs: 4, backend: 'cpu', classes: ['a', 'b'] };
const rec = (epoch: number, over: Partial<EpochRecord> = {}): EpochRecord => ({
  epoch, trainLoss: 1 / epoch, trainAcc: 0.5 + epoch / 10, valLoss: 1.2 / epoch, valAcc: 0.4 + epoch / 10, lr: 1e-3, seconds: 10, best: true, ...over,
});
const fold = (messages: TrainingToWebview[], from: TrainingState = initialTrainingState) => messages.reduce(reduceTraining, from);

test('init sorts the history; epoch messages insert or replace by epoch', () => {
  const s = fold([{ type: 'init', run, history: [rec(2), rec(1)] }, { type: 'epoch', record: rec(3) }, { type: 'epoch', record: rec(2, { valLoss: 9 }) }]);
  assert.deepEqual(s.history.map((r) => r.epoch), [1, 2, 3]);
  assert.equal(s.history[1].valLoss, 9);
  assert.deepEqual(upsertEpoch([rec(3)], rec(1)).map((r) => r.epoch), [1, 3]);
});

test('the reducer never mutates the previous state', () => {
  const before = fold([{ type: 'init', run, history: [rec(1)] }]);
  const snapshot = JSON.stringify(before);
  fold([{ type: 'epoch', record: rec(2) }, { type: 'status', status: 'completed' }], before);
  assert.equal(JSON.stringify(before), snapshot);
});

test('best epoch: the latest epoch flagged best, or the run best if later', () => {
  const s = fold([{ type: 'init', run, history: [rec(1), rec(2), rec(3, { best: false })] }]);
  assert.equal(bestEpoch(s), 2);
  const t = fold([{ type: 'status', status: 'running', best: { epoch: 3, valLoss: 0.1, valAcc: 0.9, savedAt: '' } }], s);
  assert.equal(bestEpoch(t), 3);
  assert.equal(bestEpoch(fold([{ type: 'init', run, history: [rec(1, { best: false })] }])), undefined);
  assert.match(bestSummary(s), /epoch 2 — val loss 0\.6000, val acc 60\.0%/);
});

test('status: a stopped run drops its progress and the cancel request, and can be evaluated', () => {
  let s = fold([{ type: 'init', run, history: [rec(1)], progress: { phase: 'train', done: 1, total: 4, epoch: 2, epochs: 4 } }]);
  assert.ok(s.progress);
  s = { ...s, cancelRequested: true };
  assert.equal(canEvaluate(s), false);
  s = reduceTraining(s, { type: 'status', status: 'cancelled' });
  assert.equal(s.run?.status, 'cancelled');
  assert.equal(s.progress, undefined);
  assert.equal(s.cancelRequested, false);
  assert.equal(canEvaluate(s), true);
  // A status before any init has no run to update.
  assert.equal(reduceTraining(initialTrainingState, { type: 'status', status: 'failed' }), initialTrainingState);
});

test('progress model: epoch fraction, batch label, ETA while running; a summary when stopped', () => {
  const s = fold([{ type: 'init', run, history: [rec(1), rec(2)] }, { type: 'progress', progress: { phase: 'train', done: 10, total: 40, epoch: 3, epochs: 4, etaSeconds: 125, message: 'loss 0.3' } }]);
  const m = progressModel(s);
  assert.equal(m.epochLabel, 'Epoch 3 / 4');
  assert.ok(Math.abs(m.epochFraction - (2 + 0.9 * 0.25) / 4) < 1e-12);
  assert.equal(m.batch?.label, 'Training — batch 10 / 40');
  assert.equal(m.batch?.fraction, 0.25);
  assert.equal(m.eta, 'ETA 2 min 05 s');
  assert.equal(m.message, 'loss 0.3');
  const v = progressModel(reduceTraining(s, { type: 'progress', progress: { phase: 'validate', done: 5, total: 10, epoch: 3, epochs: 4 } }));
  assert.equal(v.batch?.label, 'Validating — image 5 / 10');
  assert.equal(v.eta, 'ETA —');
  const done = progressModel(fold([{ type: 'epoch', record: rec(3) }, { type: 'status', status: 'completed' }], s));
  assert.equal(done.batch, null);
  assert.equal(done.epochLabel, '3 / 4 epochs');
  assert.equal(done.epochFraction, 0.75);
  assert.equal(done.eta, 'Completed after 30 s');
});

test('epochPartDone: training fills 90% of an epoch, validation the rest', () => {
  assert.equal(epochPartDone({ phase: 'train', done: 0, total: 8 }), 0);
  assert.equal(epochPartDone({ phase: 'train', done: 8, total: 8 }), 0.9);
  assert.ok(Math.abs(epochPartDone({ phase: 'validate', done: 4, total: 8 }) - 0.95) < 1e-12);
  assert.equal(epochPartDone({ phase: 'train', done: 3, total: 0 }), 0);
});

test('curve data maps NaN and null (JSON NaN) to gaps and spans the planned epochs', () => {
  const s = fold([{ type: 'init', run, history: [rec(1, { valAcc: NaN }), rec(2, { valLoss: null as unknown as number, valAcc: 0.6 })] }]);
  const d = curveData(s);
  assert.deepEqual(d.epochs, [1, 2]);
  assert.deepEqual(d.valAcc, [null, 0.6]);
  assert.deepEqual(d.valLoss, [1.2, null]);
  assert.deepEqual(d.xRange, [1, 4]);
  assert.deepEqual(epochAxisRange(1, 1), [0.5, 1.5]);
  assert.deepEqual(epochAxisRange(3, 5), [1, 5]);
});

test('axis ranges: loss fitted to the data with a little room, LR with headroom', () => {
  // Losses around 1.1 fill the axis instead of a flat line at the top of [0, 1.2].
  const [lo, hi] = lossAxisRange(1.08, 1.13);
  assert.ok(lo > 0.9 && lo < 1.08 && hi > 1.13 && hi < 1.25, `[${lo}, ${hi}]`);
  assert.ok((1.13 - 1.08) / (hi - lo) > 0.4, 'the data spans a good part of the axis');
  const [a, b] = lossAxisRange(0.1, 0.93);
  assert.ok(a >= 0 && a < 0.1 && b > 0.93 && b <= 1.25, `[${a}, ${b}]`);
  assert.equal(lossAxisRange(0.01, 2.3)[0], 0, 'never below 0');
  const [s0, s1] = lossAxisRange(1.1, 1.1); // one epoch: a band around the point
  assert.ok(s0 < 1.1 && s1 > 1.1 && s1 - s0 < 0.5, `[${s0}, ${s1}]`);
  assert.deepEqual(lossAxisRange(null, null), [0, 1]);
  assert.deepEqual(lrAxisRange(1e-4, 1e-3), [5e-5, 2e-3]);
  assert.deepEqual(lrAxisRange(null, 1), [1e-5, 1e-1]);
});

test('header meta: classes once known, "scanning dataset…" while a new run has none', () => {
  assert.equal(runMeta(initialTrainingState), 'Waiting for the run…');
  assert.equal(runMeta(fold([{ type: 'init', run, history: [] }])), 'resnet18 · backend cpu · 2 classes: a, b');
  const scanning = fold([{ type: 'init', run: { ...run, backend: '', classes: [] }, history: [], progress: { phase: 'scan', done: 3, total: 9 } }]);
  assert.equal(runMeta(scanning), 'resnet18 · scanning dataset…');
  assert.doesNotMatch(runMeta(scanning), /0 classes/);
  assert.equal(runMeta(reduceTraining(scanning, { type: 'status', status: 'failed' })), 'resnet18', 'a run that failed in the scan has no classes to list');
});
