import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { backendInfo, initBackend } from '../../src/engine/backend';
import { wasmTrainingKernelsRegistered } from '../../src/engine/wasm';
import { nativeBackendInstalled } from '../helpers/nativeBackend';

const skipWithNode = nativeBackendInstalled ? 'tfjs-node is installed here, so auto picks it' : false;

test('auto picks wasm with training kernels and reports why tfjs-node(-gpu) were not used', { skip: skipWithNode }, async () => {
  assert.equal(backendInfo(), undefined, 'nothing chosen before initBackend');
  const listenersBefore = process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection');
  const [info, again] = await Promise.all([initBackend('auto'), initBackend()]);
  assert.equal(again, info, 'concurrent calls share one initialisation');
  assert.equal(info.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.ok(wasmTrainingKernelsRegistered(), 'our training kernels are registered on wasm');
  assert.deepEqual(info.tried.map((t) => t.name), ['tfjs-node-gpu', 'tfjs-node']);
  for (const t of info.tried) {
    assert.match(t.error, /Cannot find module '@tensorflow\/tfjs-node/);
    assert.ok(!t.error.includes('\n'), 'reasons are one line');
  }
  assert.ok(info.threads >= 1);
  assert.equal(typeof info.simd, 'boolean');
  assert.ok((info.memoryLimitBytes ?? 0) > 2 ** 31, 'wasm heap limit reported');
  for (const k of ['tfjs-core', 'tfjs-backend-wasm', 'node']) assert.match(info.versions[k] ?? '', /^\d+\.\d+\.\d+/, k);
  const listenersAfter = process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection');
  assert.equal(listenersAfter, listenersBefore, 'emscripten process handlers are removed');
  assert.equal(await initBackend('auto'), info, 'idempotent');
  assert.equal(await initBackend('wasm'), info, 'same explicit name returns the same info');
  assert.equal(backendInfo(), info);
});

test('auto picks tfjs-node when installed and reports the TensorFlow library it runs on', { skip: nativeBackendInstalled ? false : 'tfjs-node is not installed (scripts/install-tfjs-node.sh installs it)' }, async () => {
  assert.equal(backendInfo(), undefined, 'nothing chosen before initBackend');
  const info = await initBackend('auto');
  assert.equal(info.name, 'tensorflow');
  assert.equal(tf.getBackend(), 'tensorflow');
  const pkgVersion = info.versions['tfjs-node'] ?? info.versions['tfjs-node-gpu'];
  for (const [k, v] of Object.entries({ 'tfjs-core': info.versions['tfjs-core'], 'tfjs-node(-gpu)': pkgVersion, tensorflow: info.versions['tensorflow'] })) {
    assert.match(v ?? '', /^\d+\.\d+\.\d+/, k);
  }
  assert.ok(info.threads >= 1);
  assert.equal(info.memoryLimitBytes, undefined, 'no heap cap outside wasm');
  const before = tf.memory().numTensors;
  const x = [1.5, -2, 3];
  const sumOfSquares = tf.tidy(() => tf.square(tf.tensor1d(x)).sum().dataSync()[0]);
  assert.equal(sumOfSquares, x.reduce((s, v) => s + v * v, 0), 'a kernel runs on libtensorflow');
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  assert.equal(await initBackend('auto'), info, 'idempotent');
  assert.equal(await initBackend('tensorflow'), info, 'same explicit name returns the same info');

  // Our two-op Step kernel (src/engine/native/stepKernel.ts): the ReLU gradient mask, and the stock one for alpha != 0.
  const v = [-2, -0.5, 0, 1e-7, 0.5, 3];
  const dy = [1, 2, 3, 4, 5, 6];
  const reluGrad = tf.tidy(() => Array.from(tf.grad((t: tf.Tensor) => tf.relu(t).mul(tf.tensor1d(dy)).sum())(tf.tensor1d(v)).dataSync()));
  assert.deepEqual(reluGrad, v.map((a, i) => (a > 0 ? dy[i] : 0)));
  const leaky = tf.tidy(() => Array.from(tf.step(tf.tensor1d(v), 0.25).dataSync()));
  assert.deepEqual(leaky, v.map((a) => (a > 0 ? 1 : 0.25)));
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind by the Step kernel');
});

test('an explicit tensorflow preference that is unavailable throws one clear line', { skip: skipWithNode }, async () => {
  const before = backendInfo();
  await assert.rejects(initBackend('tensorflow'), (err: Error) => {
    assert.match(err.message, /^Backend 'tensorflow' is not available/);
    assert.match(err.message, /tfjs-node-gpu: Cannot find module/);
    assert.match(err.message, /tfjs-node: Cannot find module/);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
  assert.equal(backendInfo(), before, 'a failed switch keeps the current backend');
});

test('cpu on request, without the "Hi, looks like you are running TensorFlow.js" banner', async () => {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => { warnings.push(args.join(' ')); };
  try {
    const info = await initBackend('cpu');
    assert.equal(info.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.match(info.versions['tfjs-backend-cpu'] ?? '', /^\d+\.\d+\.\d+/);
    tf.tidy(() => tf.add(tf.ones([2]), 1).dataSync());
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(warnings.filter((w) => w.includes('looks like you are running')), []);
});

test('switching back to wasm by name', async () => {
  const info = await initBackend('wasm');
  assert.equal(info.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(backendInfo(), info);
});
