import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { EpochRecord, TrainConfig } from '../../src/shared/engineProtocol';
import type { RunInfo } from '../../src/shared/runFiles';
import { initBackend } from '../../src/engine/backend';
import { registerModel } from '../../src/engine/models/index';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { defaultCallbacks, train } from '../../src/engine/train/trainer';
import { resolveTrainConfig, ConfigError } from '../../src/engine/train/config';
import { readHistory } from '../../src/engine/run/runStore';
import {
  CancellationCallback, CancelledError, EarlyStoppingCallback, HistoryCallback, CheckpointCallback, ProgressCallback,
  PlateauCallback, updateEarlyStop, initialEarlyStop, type TrainContext, type TrainerCallback,
} from '../../src/engine/train/callbacks';
import type { Predictions } from '../../src/engine/predict/predict';

// ---- EarlyStopping logic on synthetic epochs (no training) ----

const record = (epoch: number, valLoss: number): EpochRecord =>
  ({ epoch, trainLoss: 1, trainAcc: 0.5, valLoss, valAcc: 0.5, lr: 1e-3, seconds: 1, best: false });
const noVal = {} as Predictions;

function fakeContext(o: { epochs?: number; epochsDone?: number; valSize?: number; history?: EpochRecord[] } = {}) {
  const logs: string[] = [];
  const ctx = {
    config: { epochs: o.epochs ?? 20 } as TrainConfig,
    run: { readHistory: async () => o.history ?? [] },
    state: { epochsDone: o.epochsDone ?? 0, bestValLoss: Infinity, plateau: { best: Infinity, badEpochs: 0, reductions: 0 } },
    valSize: o.valSize ?? 10, stopTraining: false,
    log: (m: string) => { logs.push(m); },
  } as unknown as TrainContext;
  return { ctx, logs };
}

/** Feeds val losses one epoch at a time, as the loop does; returns the 1-based epoch after which a stop was requested. */
async function stopEpoch(cb: EarlyStoppingCallback, ctx: TrainContext, losses: number[]): Promise<number | undefined> {
  await cb.onTrainBegin(ctx);
  for (let i = 0; i < losses.length && !ctx.stopTraining; i++) {
    ctx.state = { ...ctx.state, epochsDone: i + 1 };
    cb.onEpochEnd({ epoch: i, record: record(i + 1, losses[i]), val: noVal }, ctx);
    if (ctx.stopTraining) return i + 1;
  }
  return undefined;
}

test('early stopping: stops after `patience` epochs without a strictly lower validation loss', async () => {
  const losses = [1.0, 0.8, 0.85, 0.8, 0.9, 0.7, 0.75, 0.76, 0.77, 0.5];
  // best 0.8 at epoch 2; epochs 3, 4 (equal is no improvement), 5 do not improve; 0.7 at 6; 7, 8, 9 do not; 0.5 at 10.
  const expected: Record<number, number | undefined> = { 1: 3, 2: 4, 3: 5, 4: undefined };
  for (const [patience, at] of Object.entries(expected)) {
    const { ctx, logs } = fakeContext({ epochs: losses.length });
    const cb = new EarlyStoppingCallback(Number(patience));
    assert.equal(await stopEpoch(cb, ctx, losses), at, `patience ${patience}`);
    cb.onTrainEnd(ctx);
    if (at === undefined) assert.equal(logs.length, 0);
    else assert.match(logs[0], new RegExp(`^Stopped early at epoch ${at}: .*best epoch 2,`));
  }
});

test('early stopping: off at 0, NaN never improves, no validation images turns it off with a warning', async () => {
  const off = fakeContext();
  assert.equal(await stopEpoch(new EarlyStoppingCallback(0), off.ctx, [1, 2, 3, 4]), undefined);

  let s = initialEarlyStop();
  for (const [i, v] of [NaN, 0.5, NaN, null].entries()) s = updateEarlyStop(s, v as number, i + 1);
  assert.deepEqual(s, { best: 0.5, bestEpoch: 2, badEpochs: 2 });

  const empty = fakeContext({ valSize: 0 });
  assert.equal(await stopEpoch(new EarlyStoppingCallback(1), empty.ctx, [NaN, NaN, NaN]), undefined);
  assert.match(empty.logs[0], /no validation images/);
});

test('early stopping: on resume the state is rebuilt from history (checkpoints need not carry it)', async () => {
  const history = [record(1, 1.0), record(2, 0.8), record(3, 0.9)];
  // Patience 2, one bad epoch so far: the next bad epoch (4) stops.
  const a = fakeContext({ epochsDone: 3, history });
  const cbA = new EarlyStoppingCallback(2);
  await cbA.onTrainBegin(a.ctx);
  assert.deepEqual(cbA.state, { best: 0.8, bestEpoch: 2, badEpochs: 1 });
  assert.equal(a.ctx.stopTraining, false);
  a.ctx.state = { ...a.ctx.state, epochsDone: 4 };
  cbA.onEpochEnd({ epoch: 3, record: record(4, 0.85), val: noVal }, a.ctx);
  assert.equal(a.ctx.stopTraining, true);

  // A run that had already stopped (patience 1) stops again before training another epoch.
  const b = fakeContext({ epochsDone: 3, history });
  const cbB = new EarlyStoppingCallback(1);
  await cbB.onTrainBegin(b.ctx);
  assert.equal(b.ctx.stopTraining, true);
  cbB.onTrainEnd(b.ctx);
  assert.match(b.logs[0], /Stopped early at epoch 3: .*best epoch 2/);
});

test('--early-stop is a non-negative integer in the config, off unless given; it adds the callback', () => {
  assert.equal(resolveTrainConfig({}).earlyStop, undefined);
  assert.equal(resolveTrainConfig({ earlyStop: 3 }).earlyStop, 3);
  assert.throws(() => resolveTrainConfig({ earlyStop: -1 }), ConfigError);
  assert.throws(() => resolveTrainConfig({ earlyStop: 1.5 }), ConfigError);
  const kinds = (c: Partial<TrainConfig>) => defaultCallbacks(resolveTrainConfig(c)).map((cb) => cb.constructor.name);
  assert.deepEqual(kinds({}), [HistoryCallback.name, CheckpointCallback.name, ProgressCallback.name, CancellationCallback.name]);
  assert.deepEqual(kinds({ scheduler: 'plateau', earlyStop: 0 }),
    [PlateauCallback.name, HistoryCallback.name, CheckpointCallback.name, ProgressCallback.name, CancellationCallback.name]);
  assert.equal(kinds({ earlyStop: 2 }).at(-1), EarlyStoppingCallback.name);
});

test('cancellation callback throws CancelledError once the signal is aborted', () => {
  const controller = new AbortController();
  const cb = new CancellationCallback(controller.signal);
  cb.onBatchEnd();
  controller.abort();
  assert.throws(() => cb.onBatchEnd(), CancelledError);
  assert.throws(() => cb.onValidationEnd(), CancelledError);
});

// ---- the epoch loop with real (tiny) training ----

/** Tiny conv net without BatchNorm: with a learning rate of ~0 its validation loss stays exactly the same. */
function tinyNoBn({ numClasses, imageSize }: { numClasses: number; imageSize: number }): tf.LayersModel {
  const input = tf.input({ shape: [imageSize, imageSize, 3] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: numClasses, name: 'fc' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

let tmp: string;
let data: string;
const config = { arch: 'tiny-nobn', imageSize: 32, epochs: 3, batchSize: 4, microBatch: 2, lr: 1e-3, valPerClass: 2, testPerClass: 2, seed: 3 };
const readRun = async (dir: string) => JSON.parse(await fs.readFile(path.join(dir, 'run.json'), 'utf8')) as RunInfo;

before(async () => {
  await initBackend('auto');
  registerModel({ name: 'tiny-nobn', description: 'test net', normalization: 'imagenet', defaultCamLayer: 'conv1', headLayers: ['fc'], build: tinyNoBn });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-callbacks-'));
  data = path.join(tmp, 'data');
  await generatePhantomDataset(data, { perClass: 8, size: 40, classes: 3, seed: 5 });
});

test('callbacks are called in order, after the built-in ones; a stop request ends the run completed early; no tensor leak', async () => {
  const runDir = path.join(tmp, 'run-order');
  const calls: string[] = [];
  const seenAtEpochEnd: { history: number[]; lastEpoch: number; runEpochs: number }[] = [];
  const recorder: TrainerCallback = {
    onTrainBegin: () => { calls.push('trainBegin'); },
    onEpochBegin: ({ epoch }) => { calls.push(`epochBegin ${epoch}`); },
    onBatchEnd: ({ epoch, batch }) => { calls.push(`batchEnd ${epoch}.${batch}`); },
    onValidationBegin: ({ epoch }) => { calls.push(`validationBegin ${epoch}`); },
    onValidationBatchEnd: ({ epoch }) => { calls.push(`validationBatchEnd ${epoch}`); },
    onValidationEnd: ({ epoch }) => { calls.push(`validationEnd ${epoch}`); },
    onEpochEnd: async ({ epoch, record: r }, ctx) => {
      calls.push(`epochEnd ${epoch}`);
      assert.equal(r.epoch, epoch + 1);
      assert.equal(ctx.state.epochsDone, epoch + 1);
      const meta = JSON.parse(await fs.readFile(path.join(runDir, 'checkpoints/last/meta.json'), 'utf8')) as { epoch: number };
      seenAtEpochEnd.push({ history: (await readHistory(runDir)).map((h) => h.epoch), lastEpoch: meta.epoch, runEpochs: (await readRun(runDir)).epochsDone });
      if (epoch === 1) ctx.stopTraining = true;
    },
    onTrainEnd: () => { calls.push('trainEnd'); },
  };
  const before = tf.memory().numTensors;
  const result = await train({ dataset: data, config, runDir, emit: () => {}, callbacks: [recorder] });
  assert.equal(tf.memory().numTensors, before, 'tensors leaked by train');

  assert.equal(result.status, 'completed');
  assert.equal(result.epochsDone, 2);
  const info = await readRun(runDir);
  assert.equal(info.status, 'completed');
  assert.equal(info.epochsDone, 2);
  assert.deepEqual((await readHistory(runDir)).map((h) => h.epoch), [1, 2]);
  // History, checkpoints and run.json are written before a user callback's onEpochEnd.
  assert.deepEqual(seenAtEpochEnd, [{ history: [1], lastEpoch: 1, runEpochs: 1 }, { history: [1, 2], lastEpoch: 2, runEpochs: 2 }]);

  const batches = info.split.counts.train / config.batchSize;
  const epochCalls = (e: number) => [
    `epochBegin ${e}`, ...Array.from({ length: Math.ceil(batches) }, (_, b) => `batchEnd ${e}.${b + 1}`),
    `validationBegin ${e}`, ...Array.from({ length: Math.ceil(info.split.counts.val / config.batchSize) }, () => `validationBatchEnd ${e}`),
    `validationEnd ${e}`, `epochEnd ${e}`,
  ];
  assert.deepEqual(calls, ['trainBegin', ...epochCalls(0), ...epochCalls(1), 'trainEnd']);
});

test('train() with --early-stop 1 stops when the validation loss stops going down', async () => {
  const runDir = path.join(tmp, 'run-early');
  const logs: string[] = [];
  // lr ~0 and no BatchNorm: the weights (and so the validation loss) do not change after epoch 1.
  const before = tf.memory().numTensors;
  const result = await train({
    dataset: data, config: { ...config, epochs: 5, lr: 1e-30, scheduler: 'none', earlyStop: 1 }, runDir,
    emit: (e) => { if (e.type === 'log') logs.push(e.message); },
  });
  assert.equal(tf.memory().numTensors, before, 'tensors leaked by train');
  assert.equal(result.status, 'completed');
  assert.equal(result.epochsDone, 2);
  const history = await readHistory(runDir);
  assert.deepEqual(history.map((h) => h.epoch), [1, 2]);
  assert.equal(history[1].valLoss, history[0].valLoss);
  assert.equal((await readRun(runDir)).config.earlyStop, 1);
  assert.ok(logs.some((m) => /^Stopped early at epoch 2: .*best epoch 1/.test(m)), logs.join(' | '));

  // Resuming an early-stopped run trains no further epoch.
  const again = await train({ resume: runDir, emit: () => {} });
  assert.equal(again.status, 'completed');
  assert.equal(again.epochsDone, 2);
});
