import '../fakes/vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { asWeightsError, CancelledError, ConfigError, DatasetError, errorKind, KindedError, RunError, WeightsError } from '../../src/engine/errors';
import { DatasetError as DatasetErrorFromDataset } from '../../src/engine/dataset/errors';
import { scanDataset } from '../../src/engine/dataset/scan';
import { resolveTrainConfig, ConfigError as ConfigErrorFromConfig } from '../../src/engine/train/config';
import { CancelledError as CancelledErrorFromTrainer } from '../../src/engine/train/trainer';
import { WeightsDownloadError } from '../../src/engine/weights/download';
import { modelWithPretrainedWeights } from '../../src/engine/zoo/pretrainedWeights';
import { RunStore } from '../../src/engine/run/runStore';
import { EngineError } from '../../src/extension/engine/engineClient';
import { carriedKind, ERROR_KINDS, isErrorKind } from '../../src/shared/errorKind';
import { errorActions, showError } from '../../src/extension/engine/errorNotice';
import { fake } from '../fakes/vscode';

test('the old import paths give the same classes', () => {
  assert.equal(DatasetErrorFromDataset, DatasetError);
  assert.equal(ConfigErrorFromConfig, ConfigError);
  assert.equal(CancelledErrorFromTrainer, CancelledError);
});

test('errorKind: the engine\'s error classes, cancellation, Node I/O errors, anything else', () => {
  assert.equal(errorKind(new DatasetError('x')), 'dataset');
  assert.equal(errorKind(new ConfigError('x')), 'config');
  assert.equal(errorKind(new WeightsError('x')), 'weights');
  assert.equal(errorKind(new RunError('x')), 'run');
  assert.equal(errorKind(new CancelledError()), 'cancelled');
  assert.equal(new CancelledError().message, 'Cancelled.');
  const controller = new AbortController();
  controller.abort();
  assert.equal(errorKind(controller.signal.reason), 'cancelled');
  assert.equal(errorKind(new WeightsDownloadError('offline', 'offline')), 'weights');
  assert.equal(errorKind(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })), 'io');
  assert.equal(errorKind(new Error('something broke')), 'internal');
  assert.equal(errorKind(new TypeError('x is not a function')), 'internal');
  assert.equal(errorKind('a string'), 'internal');
  assert.equal(errorKind(undefined), 'internal');
  // Other `kind` fields (image decoding, downloads) are not error kinds.
  assert.equal(errorKind(Object.assign(new Error('x'), { kind: 'not-image' })), 'internal');
});

test('thrown where they happen: dataset, config, run, weights', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-errors-'));
  try {
    await assert.rejects(scanDataset(path.join(tmp, 'missing')), (e) => errorKind(e) === 'dataset');
    assert.throws(() => resolveTrainConfig({ epochs: 0 }), (e) => errorKind(e) === 'config');
    await assert.rejects(RunStore.open(tmp), (e) => errorKind(e) === 'run' && /not a CXR Lab run directory/.test((e as Error).message));
    const bad = path.join(tmp, 'bad.pth');
    await fs.writeFile(bad, 'not weights');
    await assert.rejects(modelWithPretrainedWeights('resnet18', bad, { numClasses: 2, imageSize: 32 }),
      (e) => e instanceof WeightsError && /neither a PyTorch/.test(e.message));
    await assert.rejects(modelWithPretrainedWeights('resnet18', path.join(tmp, 'nope.pth'), { numClasses: 2, imageSize: 32 }),
      (e) => errorKind(e) === 'weights' && /no such file or directory/.test((e as Error).message));
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
});

test('the parent side reads the kind an error carries (EngineError), and only our kinds', () => {
  assert.equal(carriedKind(new EngineError('x', 'dataset')), 'dataset');
  assert.equal(carriedKind(new ConfigError('x')), 'config');
  assert.equal(carriedKind(new WeightsDownloadError('offline', 'offline')), undefined);
  assert.equal(carriedKind(new Error('x')), undefined);
  assert.equal(carriedKind(null), undefined);
  assert.ok(isErrorKind('io') && !isErrorKind('offline'));
  assert.deepEqual([...ERROR_KINDS].sort(), ['cancelled', 'config', 'dataset', 'internal', 'io', 'run', 'weights']);
});

test('asWeightsError keeps the message and stack, and keeps errors that already have a kind', () => {
  const plain = new Error('truncated file');
  const wrapped = asWeightsError(plain);
  assert.ok(wrapped instanceof WeightsError);
  assert.equal(wrapped.message, 'truncated file');
  assert.equal(wrapped.stack, plain.stack);
  assert.equal((wrapped as KindedError).cause, plain);
  const download = new WeightsDownloadError('offline', 'offline');
  assert.equal(asWeightsError(download), download);
  const io = Object.assign(new Error('EACCES'), { code: 'EACCES' });
  assert.equal(asWeightsError(io), io);
});

test('notices react to the kind: dataset offers its problems, cancelled says nothing', async () => {
  const dataset = new EngineError('The dataset folder /x does not exist.', 'dataset');
  assert.deepEqual(errorActions(dataset), ['Show Log', 'Open Dataset Problems']);
  // The wording alone no longer decides.
  assert.deepEqual(errorActions(new EngineError('The dataset folder /x does not exist.', 'internal')), ['Show Log']);
  assert.deepEqual(errorActions(new EngineError('Invalid option epochs: too small', 'config')), ['Show Log']);

  fake.reset();
  fake.messageAnswers.push('Open Dataset Problems');
  await showError('cannot start training', dataset);
  assert.deepEqual(fake.messages, [{ level: 'error', text: 'CXR Lab: cannot start training: The dataset folder /x does not exist.' }]);
  assert.deepEqual(fake.executed.map((e) => e.command), ['cxrLab.dataset.focus', 'workbench.actions.view.problems']);

  fake.reset();
  await showError('training failed', new EngineError('Cancelled.', 'cancelled'));
  assert.deepEqual(fake.messages, [], 'no notification for a cancelled job');

  fake.reset();
  fake.messageAnswers.push('Show Log');
  await showError('evaluation failed', new Error('boom'));
  assert.equal(fake.messages.length, 1);
  assert.deepEqual(fake.executed.map((e) => e.command), ['cxrLab.showLog']);
});
