/**
 * The faithfulness metrics (src/engine/cam/faithfulness): numpy's percentile, ROAD's pixel orders, the noisy linear
 * imputer against a direct solve of pytorch-grad-cam's system, ROAD and the confidence change on hand-checkable models,
 * tensor hygiene, and parity with pytorch-grad-cam / torch-cam on the committed torch fixture.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { float32Percentile, keptPixels } from '../../src/engine/cam/faithfulness/percentile';
import { imputeLinear, NEIGHBOR_WEIGHTS } from '../../src/engine/cam/faithfulness/imputer';
import { listFaithfulnessMetrics, normalFrom, scoreFaithfulness, ROAD_PERCENTILES, type FaithfulnessInput, type FaithfulnessSettings } from '../../src/engine/cam/faithfulness';
import { averageDrop, increaseInConfidence } from '../../src/engine/cam/faithfulness/confidenceChange';
import { roadCombined, roadLeastRelevantFirst, roadMostRelevantFirst } from '../../src/engine/cam/faithfulness/road';
import { createRng } from '../../src/engine/random';
import { modelFromWeightsFile } from '../../src/engine/zoo/weightsFile';
import { compareFaithfulness, readFaithfulnessFile } from '../parity/compareFaithfulness';
import type { CaseMeta } from '../parity/compareCase';

before(async () => {
  await tf.setBackend('cpu');
});

const settings = (o: Partial<FaithfulnessSettings> = {}): FaithfulnessSettings =>
  ({ percentiles: ROAD_PERCENTILES, noise: 0, normalFor: () => () => 0, target: 'probability', tolerance: 1e-8, ...o });

describe('ROAD pixel order (pytorch-grad-cam RemoveMostRelevantFirst / RemoveLeastRelevantFirst)', () => {
  test('float32Percentile is numpy 2.x np.percentile of a float32 array, float32 rounding included', () => {
    const a = Float32Array.from([0.1, 0.7, 0.3, 0.3, 0.9, 0.0, 0.25, 1.0, 0.05, 0.6, 0.33]).sort();
    // np.percentile(np.array([...], dtype=np.float32), q), numpy 2.4.6
    const numpy: [number, number][] = [[10, 0.05000000074505806], [20, 0.10000000149011612], [25, 0.17499999701976776], [50, 0.30000001192092896],
      [75, 0.6499999761581421], [90, 0.8999999761581421], [0, 0], [100, 1]];
    for (const [q, v] of numpy) assert.equal(float32Percentile(a, q), v, `q = ${q}`);
    const b = Float32Array.from([1, 2, 3, 4, 5, 6, 7], (v) => v / 7);
    // float32: 0.22857144474983215; the float64 lerp would give 0.2285714387893677
    assert.equal(float32Percentile(b, 10), 0.22857144474983215);
    assert.equal(float32Percentile(b, 70), 0.7428571581840515);
    assert.throws(() => float32Percentile(b, 101), /range/);
  });

  test('most-relevant-first keeps the p % least relevant pixels (ties at the threshold removed); least-relevant-first the p % most relevant', () => {
    const cam = Float32Array.from({ length: 10 }, (_, i) => i / 9);
    assert.deepEqual(Array.from(keptPixels(cam, 30, 'most-relevant-first')), [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(keptPixels(cam, 30, 'least-relevant-first')), [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    // A map of zeros and ones: at p = 10 the threshold is 0 and nothing is below it — every pixel is removed.
    const flat = Float32Array.from([0, 0, 0, 0, 1, 1]);
    assert.deepEqual(Array.from(keptPixels(flat, 10, 'most-relevant-first')), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(keptPixels(flat, 90, 'most-relevant-first')), [1, 1, 1, 1, 0, 0]);
  });
});

/** pytorch-grad-cam's setup_sparse_system as a dense matrix, solved by Gaussian elimination with partial pivoting. */
function denseImpute(image: Float32Array, h: number, w: number, c: number, keep: Uint8Array): Float64Array {
  const unknown: number[] = [];
  for (let p = 0; p < h * w; p++) if (!keep[p]) unknown.push(p);
  const n = unknown.length, index = new Map(unknown.map((p, i) => [p, i]));
  const out = Float64Array.from(image);
  for (let ch = 0; ch < c; ch++) {
    const a = Array.from({ length: n }, () => new Float64Array(n + 1));
    unknown.forEach((p, i) => {
      const y = Math.floor(p / w), x = p % w;
      let sum = 1;
      for (const [dy, dx, wt] of NEIGHBOR_WEIGHTS) {
        const yy = y + dy, xx = x + dx;
        if (yy < 0 || xx < 0 || yy >= h || xx >= w) { sum -= wt; continue; }
        const q = yy * w + xx;
        if (keep[q]) a[i][n] -= wt * image[q * c + ch];
        else a[i][index.get(q)!] = wt;
      }
      a[i][i] = -sum;
    });
    for (let col = 0; col < n; col++) {
      let piv = col;
      for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) piv = r;
      [a[col], a[piv]] = [a[piv], a[col]];
      for (let r = 0; r < n; r++) {
        if (r === col) continue;
        const f = a[r][col] / a[col][col];
        for (let k = col; k <= n; k++) a[r][k] -= f * a[col][k];
      }
    }
    unknown.forEach((p, i) => { out[p * c + ch] = a[i][n] / a[i][i]; });
  }
  return out;
}

function randomImage(h: number, w: number, c: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: h * w * c }, () => rng.next() * 4 - 2);
}

describe('noisy linear imputer', () => {
  test('equals a direct dense solve of pytorch-grad-cam\'s system on small images (noise 0)', () => {
    for (const [h, w, seed, share] of [[7, 6, 1, 0.5], [9, 11, 2, 0.8], [5, 5, 3, 0.96], [16, 13, 4, 0.3]] as const) {
      const image = randomImage(h, w, 3, seed);
      const rng = createRng(seed + 100);
      const keep = Uint8Array.from({ length: h * w }, () => (rng.next() < share ? 0 : 1));
      keep[0] = 1; // at least one kept pixel
      const ours = imputeLinear(image, h, w, 3, keep, { noise: 0, tolerance: 1e-12 });
      const ref = denseImpute(image, h, w, 3, keep);
      let err = 0;
      for (let k = 0; k < ref.length; k++) err = Math.max(err, Math.abs(ours.image[k] - ref[k]));
      assert.ok(err < 1e-6, `${h}x${w}: max error ${err}`);
      for (let p = 0; p < h * w; p++) if (keep[p]) for (let ch = 0; ch < 3; ch++) assert.equal(ours.image[p * 3 + ch], image[p * 3 + ch], 'kept pixels unchanged');
    }
  });

  test('converges in a few multigrid-preconditioned CG iterations on 224 × 224, whatever the share removed', () => {
    const h = 224, w = 224;
    const image = randomImage(h, w, 3, 5);
    // A smooth map, like an upsampled CAM: large connected removed regions.
    const cam = Float32Array.from({ length: h * w }, (_, p) => Math.sin((p % w) / 40) * Math.cos(Math.floor(p / w) / 30) + 1);
    for (const p of [10, 50, 90]) {
      const keep = keptPixels(cam, p, 'most-relevant-first');
      const r = imputeLinear(image, h, w, 3, keep, { noise: 0 });
      assert.ok(r.iterations <= 12 && r.residual <= 1e-6, `p ${p}: ${r.iterations} iterations, residual ${r.residual}`);
    }
  });

  test('grey channels are solved once (affine copies), colour channels each; the result is the same', () => {
    const h = 12, w = 10, rng = createRng(9);
    const grey = Float32Array.from({ length: h * w }, () => rng.next());
    const image = new Float32Array(h * w * 3);
    grey.forEach((v, p) => { image[p * 3] = (v - 0.485) / 0.229; image[p * 3 + 1] = (v - 0.456) / 0.224; image[p * 3 + 2] = (v - 0.406) / 0.225; });
    const keep = Uint8Array.from({ length: h * w }, (_, p) => (p % 7 < 3 ? 1 : 0));
    const ours = imputeLinear(image, h, w, 3, keep, { noise: 0, tolerance: 1e-12 });
    const ref = denseImpute(image, h, w, 3, keep);
    for (let k = 0; k < ref.length; k++) assert.ok(Math.abs(ours.image[k] - ref[k]) < 1e-5, `${k}: ${ours.image[k]} vs ${ref[k]}`);
  });

  test('everything removed: zeros (spsolve would return NaN); nothing removed: the image; noise: that standard deviation on removed pixels only', () => {
    const image = randomImage(6, 6, 3, 1);
    assert.ok(imputeLinear(image, 6, 6, 3, new Uint8Array(36), { noise: 0 }).image.every((v) => v === 0));
    assert.deepEqual(imputeLinear(image, 6, 6, 3, new Uint8Array(36).fill(1), { noise: 0 }).image, image);
    const big = randomImage(64, 64, 3, 2);
    const keep = Uint8Array.from({ length: 64 * 64 }, (_, p) => (p < 2048 ? 1 : 0));
    const clean = imputeLinear(big, 64, 64, 3, keep, { noise: 0 }).image;
    const noisy = imputeLinear(big, 64, 64, 3, keep, { noise: 0.5, normal: normalFrom(createRng(3).next) }).image;
    let s = 0, s2 = 0, m = 0;
    for (let p = 0; p < 64 * 64; p++) {
      for (let c = 0; c < 3; c++) {
        const d = noisy[p * 3 + c] - clean[p * 3 + c];
        if (keep[p]) { assert.equal(d, 0); continue; }
        s += d; s2 += d * d; m++;
      }
    }
    const sd = Math.sqrt(s2 / m - (s / m) ** 2);
    assert.ok(Math.abs(sd - 0.5) < 0.03 && Math.abs(s / m) < 0.03, `sd ${sd}, mean ${s / m}`);
    assert.throws(() => imputeLinear(big, 64, 64, 3, keep, { noise: 0.1 }), /normal/);
  });
});

/**
 * A "model" that looks at one region only: logit 0 = 2 × the mean of channel 0 over the region's pixels, logit 1 = 0.
 * The image is bright (1) on the region and dark (−1) elsewhere: p(class 0) = 0.88.
 */
function regionModel(h: number, w: number, region: (y: number, x: number) => boolean) {
  const mask = tf.tensor4d(Float32Array.from({ length: h * w }, (_, p) => (region(Math.floor(p / w), p % w) ? 1 : 0)), [1, h, w, 1]);
  const count = mask.sum().dataSync()[0];
  const scoreFn = (batch: tf.Tensor4D) => tf.tidy(() => {
    const z = batch.slice([0, 0, 0, 0], [-1, -1, -1, 1]).mul(mask).sum([1, 2, 3]).div(count).mul(2);
    return tf.stack([z, tf.zerosLike(z)], 1);
  });
  const image = new Float32Array(h * w * 3);
  for (let p = 0; p < h * w; p++) image.fill(region(Math.floor(p / w), p % w) ? 1 : -1, p * 3, p * 3 + 3);
  return { scoreFn, image, dispose: () => mask.dispose() };
}

describe('ROAD and the confidence change on a model that uses known pixels', () => {
  const h = 32, w = 32;
  const region = (y: number, x: number) => y >= 8 && y < 20 && x >= 10 && x < 22;

  test('the map that highlights exactly the used pixels beats a random map: a larger MoRF drop, a higher LeRF and ROAD', () => {
    const m = regionModel(h, w, region);
    const right = Float32Array.from({ length: h * w }, (_, p) => (region(Math.floor(p / w), p % w) ? 0.5 + 0.5 * ((p * 7919) % 97) / 97 : 0.4 * ((p * 104729) % 89) / 89));
    const rng = createRng(4);
    const random = Float32Array.from({ length: h * w }, () => rng.next());
    const score = (cam: Float32Array) => scoreFaithfulness(m.scoreFn, { image: m.image, height: h, width: w, channels: 3, cam, targetClass: 0 }, settings()).values;
    const good = score(right), bad = score(random);
    m.dispose();
    assert.ok(good['road-morf'] < bad['road-morf'] - 0.1, `MoRF ${good['road-morf']} vs random ${bad['road-morf']}`);
    assert.ok(good['road-lerf'] > bad['road-lerf'] + 0.03, `LeRF ${good['road-lerf']} vs random ${bad['road-lerf']}`);
    assert.ok(good.road > bad.road + 0.1, `ROAD ${good.road} vs random ${bad.road}`);
    assert.ok(Math.abs(good.road - (good['road-lerf'] - good['road-morf']) / 2) < 1e-12, 'ROAD combined = (LeRF − MoRF) / 2');
    // Removing the least relevant pixels first keeps only region pixels (all 1) at every percentile: the imputation of
    // constant kept values is that constant, so the score does not move at all.
    assert.ok(Math.abs(good['road-lerf']) < 1e-6, String(good['road-lerf']));
  });

  test('Average Drop and Increase in Confidence: torch-cam\'s formulas on the input times the map', () => {
    const before = Float32Array.from([2, 0]), p = 1 / (1 + Math.exp(-2));
    const drop = (after: number[]) => averageDrop.value({ before, after: [Float32Array.from(after)], targetClass: 0, settings: settings() });
    const inc = (after: number[]) => increaseInConfidence.value({ before, after: [Float32Array.from(after)], targetClass: 0, settings: settings() });
    const q = 1 / (1 + Math.exp(-1));
    assert.ok(Math.abs(drop([1, 0]) - (Math.fround(p) - Math.fround(q)) / (Math.fround(p) + 1e-7)) < 1e-7);
    assert.equal(drop([3, 0]), 0, 'a rise is no drop');
    assert.equal(inc([3, 0]), 1);
    assert.equal(inc([1, 0]), 0);
    assert.equal(inc([2, 0]), 0, 'equal is no increase');
    // A map of ones keeps the input: no drop, no increase; a map of zeros leaves the model at 50 %.
    const m = regionModel(h, w, region);
    const input = (v: number): FaithfulnessInput => ({ image: m.image, height: h, width: w, channels: 3, cam: new Float32Array(h * w).fill(v), targetClass: 0 });
    const ones = scoreFaithfulness(m.scoreFn, input(1), settings(), { metrics: [averageDrop, increaseInConfidence] }).values;
    const zeros = scoreFaithfulness(m.scoreFn, input(0), settings(), { metrics: [averageDrop, increaseInConfidence] }).values;
    m.dispose();
    assert.deepEqual(ones, { 'avg-drop': 0, increase: 0 });
    const pTwo = Math.fround(1 / (1 + Math.exp(-2)));
    assert.ok(Math.abs(zeros['avg-drop'] - (pTwo - 0.5) / (pTwo + 1e-7)) < 1e-6, String(zeros['avg-drop']));
  });

  test('shared perturbations are made and scored once; no tensor is left behind', () => {
    const m = regionModel(h, w, region);
    const cam = Float32Array.from({ length: h * w }, (_, p) => (p % 17) / 16);
    let made = 0;
    const counting = { ...roadMostRelevantFirst, id: 'counting', perturbations: (i: FaithfulnessInput, s: FaithfulnessSettings) =>
      roadMostRelevantFirst.perturbations(i, s).map((p) => ({ key: p.key, make: () => { made++; return p.make(); } })) };
    const before = tf.memory().numTensors;
    const run = scoreFaithfulness(m.scoreFn, { image: m.image, height: h, width: w, channels: 3, cam, targetClass: 0 }, settings(),
      { metrics: [counting, roadCombined, roadLeastRelevantFirst, ...listFaithfulnessMetrics()], batchSize: 4 });
    assert.equal(tf.memory().numTensors, before);
    m.dispose();
    assert.equal(made, 9, 'the nine MoRF inputs, made by the first metric that asks');
    assert.equal(run.forwardPasses, 1 + 18 + 1, 'original + 18 ROAD inputs + the map times the input');
    assert.equal(run.values.counting, run.values['road-morf']);
  });
});

describe('parity with pytorch-grad-cam and torch-cam without Python', () => {
  // test/fixtures/weights/torch-mobilenetv2-tiny/faithfulness.json: `make_torch.py --fixture … --faithfulness-only`,
  // pytorch-grad-cam 1.5.7 (ROAD, imputer noise 0) and torch-cam 0.5.0 on pytorch-grad-cam's Grad-CAM and Layer-CAM
  // maps at features.13 of the tiny torchvision MobileNetV2.
  test('ROAD (each percentile, both averages, combined; probability and logit) and the confidence change within 1e-3', async () => {
    const dir = path.join(__dirname, '..', 'fixtures', 'weights', 'torch-mobilenetv2-tiny');
    const meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as CaseMeta;
    const file = await readFaithfulnessFile(dir);
    assert.ok(file, 'faithfulness.json is in the fixture');
    const { model } = await modelFromWeightsFile(path.join(dir, meta.weights), meta.arch, {
      imageSize: meta.imageSize, includeTop: true, widthMultiplier: meta.widthMultiplier ?? undefined,
    });
    const buf = await fs.readFile(path.join(dir, 'input.f32'));
    const input = tf.tensor4d(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)), meta.inputShape);
    const before = tf.memory().numTensors;
    const checks = compareFaithfulness(model, input, file!);
    assert.equal(tf.memory().numTensors, before);
    input.dispose();
    model.dispose();
    assert.equal(checks.length, 2 * (2 * (3 + 1 + 18) + 3), 'two maps × (two targets × (3 averages, ROADCombined, 18 percentiles) + 3 confidence checks)');
    for (const c of checks) assert.ok(Math.abs(c.ours - c.peer) <= 1e-3, `${c.method} ${c.what}: ours ${c.ours}, pytorch-grad-cam/torch-cam ${c.peer}`);
    assert.ok(checks.some((c) => c.what.startsWith('avg-drop') && c.peer > 0.01), 'a map with a real drop is among them');
  });
});
