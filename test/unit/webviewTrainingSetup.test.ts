/**
 * The training panel (issue 17, items 4–6): the configuration and split counts it shows, the reason of a failure where
 * the best checkpoint would be, and the accuracy axis fitted to the curves with a toggle back to 0–100 %.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrainingRunView } from '../../src/shared/webviewProtocol';
import {
  accAxisRange, bestSummary, failureSummary, initialTrainingState, reduceTraining, setupRows, splitSummary, type TrainingState,
} from '../../src/webview/training/state';
import { fittedRange } from '../../src/webview/common/scales';

const run = (over: Partial<TrainingRunView> = {}): TrainingRunView => ({
  runDir: '/ws/.cxr-lab/runs/r', id: 'r', arch: 'mobilenetv2', status: 'completed', epochs: 8, backend: 'wasm', classes: ['a', 'b', 'c'],
  setup: {
    config: {
      arch: 'mobilenetv2', epochs: 8, batchSize: 20, microBatch: 0, lr: 1e-4, imageSize: 224, valPerClass: 60, testPerClass: 60, sampler: 'weighted',
      scheduler: 'step', stepSize: 3, gamma: 0.1, seed: 42, pretrained: '/data/weights/mobilenetv2-0.35-imagenet-notop', freezeBackbone: false,
    },
    split: { train: 903, val: 180, test: 180, groupedBy: 'patient' },
    backend: { name: 'wasm', threads: 1, simd: true }, microBatch: 4, trainableParams: 412_000,
  },
  ...over,
});

test('configuration rows: architecture, weights, optimiser, batch, sampler, schedule, epochs, size, seed, backend', () => {
  const rows = setupRows(run());
  assert.deepEqual(rows.map((r) => `${r.label}: ${r.value}`), [
    'Architecture: mobilenetv2 · 412 k trainable parameters',
    'Pretrained weights: mobilenetv2-0.35-imagenet-notop',
    'Optimiser: Adam, lr 1e-4',
    'Batch: 20 (micro-batches of 4)',
    'Sampler: weighted (1 / class count)',
    'Schedule: step: ×0.1 every 3 epochs',
    'Epochs: 8',
    'Image size: 224 px',
    'Seed: 42',
    'Backend: wasm (1 thread, SIMD)',
  ]);
  assert.equal(rows[1].title, '/data/weights/mobilenetv2-0.35-imagenet-notop', 'the full path on hover');
  const other = setupRows(run({ setup: { ...run().setup!, microBatch: 20, config: { ...run().setup!.config, pretrained: 'imagenet', scheduler: 'cosine', sampler: 'shuffle', earlyStop: 3, freezeBackbone: true } } }));
  assert.equal(other[1].value, 'ImageNet (torchvision, download cache) · backbone frozen');
  assert.equal(other[3].value, '20');
  assert.equal(other[4].value, 'shuffle (each image once)');
  assert.equal(other[5].value, 'cosine to 0 over 8 epochs');
  assert.equal(other[6].value, '8 (early stop after 3 without improvement)');
  const regularised = setupRows(run({ setup: { ...run().setup!, config: { ...run().setup!.config, lr: 1e-3, weightDecay: 0.05, labelSmoothing: 0.1 } } }));
  assert.equal(regularised[2].value, 'AdamW (weight decay 0.05), lr 1e-3 · label smoothing 0.1');
  const averaged = setupRows(run({ setup: { ...run().setup!, config: { ...run().setup!.config, lr: 1e-3, emaDecay: 0.995 } } }));
  assert.equal(averaged[2].value, 'Adam, lr 1e-3 · weight EMA 0.995');
  assert.deepEqual(setupRows(run({ setup: undefined })), [], 'nothing before run.json is read');
  assert.equal(setupRows(run({ setup: { ...run().setup!, config: { ...run().setup!.config, pretrained: undefined } } }))[1].value, 'none (from scratch)');
});

test('split counts: train / val / test and how they were grouped', () => {
  assert.deepEqual(splitSummary(run()), { counts: '903 / 180 / 180', how: 'train / val / test images, grouped by patient' });
  assert.match(splitSummary(run({ setup: { ...run().setup!, split: { train: 10, val: 2, test: 2, groupedBy: 'file' } } }))!.how, /patients unknown/);
  assert.equal(splitSummary(run({ setup: undefined })), undefined);
});

test('a failure is said where the best checkpoint would be; no green "No checkpoint yet" for a run that stopped', () => {
  const failed: TrainingState = { ...initialTrainingState, run: run({ status: 'failed', error: 'Cannot download densenet121 ImageNet weights' }) };
  assert.equal(failureSummary(failed), 'Training failed before its first epoch: Cannot download densenet121 ImageNet weights');
  assert.equal(bestSummary(failed), 'No checkpoint');
  const later: TrainingState = { ...failed, history: [{ epoch: 1, trainLoss: 1, trainAcc: 0.5, valLoss: 1, valAcc: 0.5, lr: 1e-4, seconds: 1, best: true }] };
  assert.match(failureSummary(later)!, /^Training failed after epoch 1: /);
  assert.equal(failureSummary({ ...initialTrainingState, run: run() }), undefined);
  assert.equal(bestSummary({ ...initialTrainingState, run: run({ status: 'running' }) }), 'No checkpoint yet');

  // The reason arrives with the status message; a run that goes on running drops it.
  let s = reduceTraining(initialTrainingState, { type: 'init', run: run({ status: 'running' }), history: [] });
  s = reduceTraining(s, { type: 'status', status: 'failed', error: 'out of memory' });
  assert.equal(s.run?.error, 'out of memory');
  s = reduceTraining(s, { type: 'status', status: 'running' });
  assert.equal(s.run?.error, undefined);
});

test('accuracy axis: fitted to the curves within 0–100 %, or the full range on request; the choice survives a reload', () => {
  const [lo, hi] = accAxisRange(0.85, 0.95);
  assert.ok(lo > 0.7 && lo <= 0.85 && hi >= 0.95 && hi <= 1, `${lo}–${hi}`);
  assert.deepEqual([lo, hi], fittedRange(0.85, 0.95, { pad: 0.1, floor: 0 }));
  assert.deepEqual(accAxisRange(0.85, 0.95, 'full'), [0, 1]);
  assert.equal(accAxisRange(0.9, 1)[1], 1, 'never above 100 %');
  assert.equal(accAxisRange(0, 0.05)[0], 0, 'never below 0 %');
  assert.deepEqual(accAxisRange(null, null), [0, 1]);
  const toggled: TrainingState = { ...initialTrainingState, accAxis: 'full' };
  assert.equal(reduceTraining(toggled, { type: 'init', run: run(), history: [] }).accAxis, 'full');
  assert.equal(initialTrainingState.accAxis, 'fit');
});
