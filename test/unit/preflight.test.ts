/**
 * The preflight (issue 17, item 4): the report's arithmetic and wording (src/shared/preflight.ts), the weights check
 * that never hangs offline (src/engine/zoo/weightsAvailability.ts), and the engine job on a phantom dataset: split counts
 * as training makes them, timed steps, a broken weights file reported instead of thrown, no tensor left behind.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  estimateTrainingSeconds, formatEstimate, formatPreflight, preflightReport, scaleToImageSize, type PreflightResult,
} from '../../src/shared/preflight';
import { initBackend } from '../../src/engine/backend';
import { registerModel } from '../../src/engine/models/index';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { scanDataset } from '../../src/engine/dataset/scan';
import { splitDataset } from '../../src/engine/dataset/split';
import { preflight } from '../../src/engine/jobs/preflight';
import { weightsAvailability } from '../../src/engine/zoo/weightsAvailability';

function result(over: Partial<PreflightResult> = {}): PreflightResult {
  return {
    arch: 'densenet121', imageSize: 224, batchSize: 20, epochs: 25,
    dataset: { root: '/data', classes: ['COVID', 'Normal', 'Viral_Pneumonia'], split: { train: 903, val: 180, test: 180 }, groupedBy: 'patient', warnings: [] },
    backend: { name: 'wasm', threads: 1, simd: true, native: false, nativeProblem: 'Cannot find module @tensorflow/tfjs-node' },
    weights: { source: 'imagenet', state: 'cached', file: '/cache/densenet121-a639ec97.pth' },
    timing: { steps: 3, microBatch: 2, trainSecondsPerImage: 0.4, inferSecondsPerImage: 0.1 },
    seconds: 12,
    ...over,
  };
}

test('ETA: every training image and every validation image once per epoch, from the timed seconds per image', () => {
  const r = result();
  const eta = estimateTrainingSeconds(r.timing, { train: 903, val: 180, epochs: 25 });
  assert.equal(eta, 25 * (903 * 0.4 + 180 * 0.1));
  assert.equal(preflightReport(r).etaSeconds, eta);
  // A quarter of the pixels, a quarter of the time (the planner's pixel-count rule).
  assert.equal(scaleToImageSize(1000, 224, 112), 250);
});

test('report: a short training is ok and says how long, with the split and the weights', () => {
  const r = result({ epochs: 1, timing: { steps: 3, microBatch: 20, trainSecondsPerImage: 0.01, inferSecondsPerImage: 0.002 } });
  const report = preflightReport(r);
  assert.equal(report.level, 'ok');
  assert.deepEqual(report.fixes, []);
  assert.match(report.headline, /^About 10 s on wasm: training densenet121 at 224 px for 1 epoch\.$/);
  assert.match(report.lines.join('\n'), /903 \/ 180 \/ 180 train \/ val \/ test images, 3 classes, split by patient/);
  assert.match(report.lines.join('\n'), /in the download cache: \/cache\/densenet121-a639ec97\.pth/);
  assert.match(report.lines.join('\n'), /10 ms per training image, 2\.0 ms per validation image, timed on 3 steps of 20 images/);
});

test('report: a long training on wasm warns and offers the native backend and an image size that fits the limit', () => {
  const report = preflightReport(result(), { longSeconds: 15 * 60 });
  assert.equal(report.level, 'warning');
  assert.match(report.headline, /will take about 2 h 38 min on wasm/);
  const size = report.fixes.find((f) => f.kind === 'image-size');
  assert.deepEqual(report.fixes.map((f) => f.kind), ['install-native', 'image-size']);
  assert.ok(report.lines.includes('Backend: wasm (1 thread, SIMD). The native backend (TensorFlow) would train several times faster; it is not in use: Cannot find module @tensorflow/tfjs-node.'), report.lines.join('\n'));
  // 9480 s at 224 px: 64 px is the largest offered size within 15 min (96 px: 1741 s, 64 px: 774 s).
  assert.ok(size && size.kind === 'image-size');
  assert.equal(size.imageSize, 64);
  assert.ok(Math.abs(size.etaSeconds - 9480 * (64 / 224) ** 2) < 1e-6);
  // With a looser limit the largest size under it is chosen.
  const looser = preflightReport(result(), { longSeconds: 40 * 60 }).fixes.find((f) => f.kind === 'image-size');
  assert.equal(looser?.kind === 'image-size' && looser.imageSize, 96);
  // On the native backend only the size is offered; at the smallest size there is nothing smaller.
  assert.deepEqual(preflightReport(result({ backend: { name: 'tensorflow', threads: 2, simd: true, native: true } })).fixes.map((f) => f.kind), ['image-size']);
  assert.deepEqual(preflightReport(result({ imageSize: 64, timing: { steps: 1, microBatch: 2, trainSecondsPerImage: 1, inferSecondsPerImage: 1 } })).fixes.map((f) => f.kind), ['install-native']);
});

test('report: weights that cannot be had are an error with the ways out, whatever the time', () => {
  const offline = result({ weights: { source: 'imagenet', state: 'unreachable', url: 'https://download.pytorch.org/models/densenet121-a639ec97.pth', problem: 'did not answer within 4 s', cacheDir: '/cache', fileName: 'densenet121-a639ec97.pth' } });
  const report = preflightReport(offline);
  assert.equal(report.level, 'error');
  assert.match(report.headline, /^The ImageNet weights for densenet121 are not in the download cache and cannot be downloaded: https:\/\/download\.pytorch\.org\/models\/densenet121-a639ec97\.pth did not answer within 4 s\. Training densenet121 at 224 px for 25 epochs would also take about 2 h 38 min on wasm\.$/);
  assert.deepEqual(report.fixes.map((f) => f.kind), ['choose-weights', 'no-weights', 'install-native', 'image-size']);
  assert.ok(report.lines.includes('Weights: ImageNet (densenet121) — not in the download cache /cache; to use them offline, put densenet121-a639ec97.pth there (or set CXR_LAB_WEIGHTS_MIRROR to a mirror).'));
  const broken = preflightReport(result({ epochs: 1, weights: { source: 'path', state: 'invalid', path: '/w/x.pth', problem: 'not a zip or pickle file' } }));
  assert.equal(broken.level, 'error');
  assert.match(broken.headline, /^The pretrained weights \/w\/x\.pth cannot be used: not a zip or pickle file$/);
  assert.deepEqual(broken.fixes.map((f) => f.kind), ['choose-weights', 'no-weights']);
  assert.equal(preflightReport(result({ epochs: 1, weights: { source: 'none' } })).level, 'ok');
});

test('estimates are rounded to what they are worth; the CLI text lists the ways out', () => {
  assert.deepEqual([3, 42, 89, 91, 754, 3599, 10_620].map(formatEstimate), ['5 s', '40 s', '90 s', '2 min', '13 min', '60 min', '2 h 57 min']);
  const text = formatPreflight(preflightReport(result()));
  assert.match(text, /^preflight: warning: Training densenet121/);
  assert.match(text, /ways out: install the native backend \(npm run install:native\); --image-size 64 \(about 13 min\)$/);
});

// ---- the weights check ----

const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'cxr-preflight-'));
const headOk = (length: number) => (async () => new Response(null, { status: 200, headers: { 'content-length': String(length) } })) as unknown as typeof fetch;

test('weights: a cached ImageNet file is used without asking the network', async () => {
  const cacheDir = await tmp();
  await fs.writeFile(path.join(cacheDir, 'resnet18-f37072fd.pth'), 'x');
  let asked = 0;
  const w = await weightsAvailability('resnet18', 'imagenet', { cacheDir, fetchImpl: (async () => { asked++; throw new Error('no'); }) as unknown as typeof fetch });
  assert.deepEqual(w, { source: 'imagenet', state: 'cached', file: path.join(cacheDir, 'resnet18-f37072fd.pth') });
  assert.equal(asked, 0);
});

test('weights: not cached — a download that answers, one that fails, one that never answers (bounded by the timeout)', async () => {
  const cacheDir = await tmp();
  const env = { CXR_LAB_WEIGHTS_MIRROR: 'http://mirror.local' };
  const up = await weightsAvailability('resnet18', 'imagenet', { cacheDir, env, fetchImpl: headOk(46_830_571) });
  assert.deepEqual(up, { source: 'imagenet', state: 'download', url: 'http://mirror.local/models/resnet18-f37072fd.pth', bytes: 46_830_571 });

  const dns = await weightsAvailability('resnet18', 'imagenet', { cacheDir, env, fetchImpl: (async () => { throw new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } }); }) as unknown as typeof fetch });
  assert.equal(dns.source === 'imagenet' && dns.state, 'unreachable');
  assert.match((dns as { problem: string }).problem, /^cannot be reached \(ENOTFOUND\)$/);

  const t0 = Date.now();
  const hang = ((_url: string, init: RequestInit) => new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as unknown as typeof fetch;
  const silent = await weightsAvailability('resnet18', 'imagenet', { cacheDir, env, fetchImpl: hang, timeoutMs: 300 });
  assert.ok(Date.now() - t0 < 3000, 'bounded by the timeout');
  assert.match((silent as { problem: string }).problem, /did not answer within 0\.3 s/);

  const notFound = await weightsAvailability('resnet18', 'imagenet', { cacheDir, env, fetchImpl: (async () => new Response(null, { status: 404 })) as unknown as typeof fetch });
  assert.match((notFound as { problem: string }).problem, /answered HTTP 404/);
});

test('weights: none, a path that exists, one that does not, an architecture without ImageNet weights', async () => {
  const dir = await tmp();
  assert.deepEqual(await weightsAvailability('resnet18', undefined), { source: 'none' });
  assert.deepEqual(await weightsAvailability('resnet18', dir), { source: 'path', state: 'ok', path: dir });
  assert.equal((await weightsAvailability('resnet18', path.join(dir, 'gone.pth'))).source === 'path' && 'missing', 'missing');
  const none = await weightsAvailability('no-such-arch', 'imagenet', { cacheDir: dir });
  assert.equal(none.source === 'imagenet' && none.state, 'unavailable');
});

// ---- the engine job ----

function tinyNet({ numClasses, imageSize }: { numClasses: number; imageSize: number }): tf.LayersModel {
  const input = tf.input({ shape: [imageSize, imageSize, 3] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: numClasses, name: 'fc' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

let data = '';
before(async () => {
  await initBackend('auto');
  registerModel({ name: 'tiny-preflight', description: 'test net', normalization: 'imagenet', defaultCamLayer: 'conv1', headLayers: ['fc'], build: tinyNet });
  data = path.join(await tmp(), 'data');
  await generatePhantomDataset(data, { perClass: 8, size: 32, seed: 5, classes: 3 });
});

test('preflight job: the split training would make, timed steps, no run folder, no tensor left', async () => {
  const config = { arch: 'tiny-preflight', imageSize: 32, batchSize: 4, epochs: 2, valPerClass: 2, testPerClass: 2, seed: 3 };
  const before = tf.memory().numTensors;
  const phases: string[] = [];
  const r = await preflight({ dataset: data, config, steps: 2, emit: (e) => { if (e.type === 'progress') phases.push(e.phase); } });
  assert.equal(tf.memory().numTensors, before, 'tensors disposed');
  const split = splitDataset(await scanDataset(data), { seed: 3, valPerClass: 2, testPerClass: 2 });
  assert.deepEqual(r.dataset.split, { train: split.train.length, val: split.val.length, test: split.test.length });
  assert.equal(r.dataset.split.train + r.dataset.split.val + r.dataset.split.test, 24);
  assert.deepEqual(r.dataset.warnings, split.warnings);
  assert.deepEqual(r.weights, { source: 'none' });
  assert.equal(r.timing.steps, 2);
  assert.equal(r.timing.microBatch, 4);
  assert.ok(r.timing.trainSecondsPerImage > 0 && r.timing.inferSecondsPerImage > 0);
  assert.ok(phases.includes('scan') && phases.includes('preflight'));
  assert.deepEqual(await fs.readdir(path.dirname(data)), ['data'], 'nothing written beside the data');
});

test('preflight job: a weights file that does not load is reported (and the steps still timed); a refused split throws', async () => {
  const bad = path.join(path.dirname(data), 'broken.pth');
  await fs.writeFile(bad, 'not a checkpoint');
  const r = await preflight({ dataset: data, config: { arch: 'tiny-preflight', imageSize: 32, batchSize: 4, pretrained: bad, valPerClass: 2, testPerClass: 2 }, steps: 1, emit: () => {} });
  assert.equal(r.weights.source === 'path' && r.weights.state, 'invalid');
  assert.ok(r.timing.trainSecondsPerImage > 0);
  assert.equal(preflightReport(r).level, 'error');
  await assert.rejects(preflight({ dataset: data, config: { arch: 'tiny-preflight', imageSize: 32, valPerClass: 0, testPerClass: 2 }, emit: () => {} }), /The split left no validation images/);
});

test('scan summary of the patients: the source, distinct ids, the patient column and the other columns of metadata.csv', async () => {
  const { patientSummary } = await import('../../src/engine/dataset/patientSummary');
  const items = ['a', 'a', 'b', 'c'].map((patient, i) => ({ path: `/d/x${i}.png`, rel: `x${i}.png`, label: 0, className: 'x', patient }));
  const values = new Map<string, (string | undefined)[]>([['patient', ['a', 'a', 'b', undefined]], ['source', ['s', 's', 't', undefined]]]);
  assert.deepEqual(patientSummary({ items, patientSource: 'metadata.csv', metadata: { file: '/d/metadata.csv', columns: ['patient', 'source'], patientColumn: 'patient', values } }),
    { source: 'metadata.csv', count: 3, metadata: { file: '/d/metadata.csv', column: 'patient', columns: ['source'], matched: 3 } });
  assert.deepEqual(patientSummary({ items, patientSource: 'none' }), { source: 'none', count: 3 });
});
