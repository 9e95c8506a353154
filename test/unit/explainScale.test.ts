/**
 * `explain` keeps the CAM's raw values and the scale of its colours in the JSON beside the PNGs, and those numbers
 * reproduce the heatmap PNG; the scale shared across classes is the union of every class's own range; colormaps.
 * On the committed tiny MobileNetV2 run (test/fixtures/run-format1), at a 4 × 4 layer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { initBackend } from '../../src/engine/backend';
import { explainImages, type ExplainOptions } from '../../src/engine/jobs/explain';
import { readCamFile } from '../../src/engine/run/runFiles';
import { applyColormap, colormapLut, displayMap, peakOnScale, resizeBilinear, unionRange } from '../../src/shared/camDisplay';

const FIXTURE = path.resolve('test/fixtures/run-format1');
const RUN = path.join(FIXTURE, 'run');
const IMAGE = path.join(FIXTURE, 'data', 'consolidation', 'img-0003.png');
const LAYER = 'features.6.add';
let tmp: string;
before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-explain-scale-'));
  await initBackend('auto');
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

const explain = (o: Partial<ExplainOptions> = {}) => explainImages({ runDir: RUN, images: [IMAGE], outDir: tmp, layer: LAYER, emit: () => undefined, ...o });

async function pixels(file: string) {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

test('the JSON keeps the raw map at the layer grid and its per-map scale; they reproduce the heatmap PNG', async () => {
  const tensors = tf.memory().numTensors;
  const { items } = await explain();
  assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
  const file = await readCamFile(items[0].json);
  const raw = file?.raw;
  assert.ok(raw && file.scale, 'raw values and scale are in the JSON');
  assert.deepEqual([raw.width, raw.height, raw.inputWidth, raw.inputHeight], [4, 4, 32, 32], 'a 4 × 4 layer, a 32-px input');
  assert.ok(raw.values.every((v) => v >= 0), 'after ReLU');
  assert.ok(Math.max(...raw.values) > 0, 'not a flat map');
  assert.equal(file.scale.mode, 'per-map');
  assert.equal(file.colormap, 'jet');
  const up = resizeBilinear(raw.values, raw.width, raw.height, raw.inputWidth, raw.inputHeight);
  assert.ok(Math.abs(Math.max(...up) - file.scale.max) < 1e-9 + 1e-6 * file.scale.max, 'the scale is the upsampled map\'s range');

  // Recompute the PNG from the JSON alone: upsample, scale, resize to the PNG's size, colour.
  const png = await pixels(items[0].heatmap);
  const drawn = displayMap(raw);
  const atPng = resizeBilinear(drawn.values, drawn.width, drawn.height, png.width, png.height);
  const expected = applyColormap(atPng, 'jet');
  let sum = 0;
  for (let i = 0; i < expected.length; i++) sum += Math.abs(expected[i] - png.data[i]);
  assert.ok(sum / expected.length < 1, `mean difference ${sum / expected.length} per channel`);
});

test('shared scale: one range for every class of the image, each class\'s own range as per-map explains it', async () => {
  const shared = await explain({ scale: 'shared' });
  const item = shared.items[0];
  assert.match(path.basename(item.json), /-features\.6\.add-shared\.json$/, 'its own files');
  const scale = item.scale!;
  assert.equal(scale.mode, 'shared');
  const classes = scale.classes!;
  assert.equal(classes.length, 3);
  assert.deepEqual({ min: scale.min, max: scale.max }, unionRange(classes));
  for (let c = 0; c < 3; c++) {
    const own = (await explain({ classIndex: c })).items[0].scale!;
    assert.ok(Math.abs(own.max - classes[c].max) <= 1e-6 * own.max + 1e-12, `class ${c}: per-map max ${own.max}, in the shared scale ${classes[c].max}`);
  }
  const peaks = [0, 1, 2].map((c) => peakOnScale(scale, c)!);
  const strongest = classes.findIndex((r) => r.max === scale.max);
  assert.ok(peaks[strongest] > 0.99, 'the strongest class reaches the top');
  assert.ok(peaks.some((p) => p < 0.5), `a weaker class stays low: peaks ${peaks.map((p) => p.toFixed(3))}`);
  // The PNG follows: the explained class's brightest heat is its peak on the shared scale, not 1.
  const forced = (await explain({ scale: 'shared', classIndex: peaks.indexOf(Math.min(...peaks)) })).items[0];
  const raw = forced.raw!;
  const drawn = displayMap(raw, forced.scale);
  assert.ok(Math.max(...drawn.values) < 0.5, 'a weak class is drawn weak');
  assert.ok(Math.abs(Math.max(...drawn.values) - Math.min(...peaks)) < 1e-4);
});

test('colormaps: the PNG in inferno uses inferno\'s colours; unknown colormap and shared + aug-smooth are refused', async () => {
  const { items } = await explain({ colormap: 'inferno', classIndex: 1 });
  assert.equal((await readCamFile(items[0].json))?.colormap, 'inferno');
  const png = await pixels(items[0].heatmap);
  const lut = colormapLut('inferno');
  const entries = new Set(Array.from({ length: 256 }, (_, i) => `${lut[3 * i]},${lut[3 * i + 1]},${lut[3 * i + 2]}`));
  for (let p = 0; p < png.width * png.height; p += 37) {
    const px = `${png.data[3 * p]},${png.data[3 * p + 1]},${png.data[3 * p + 2]}`;
    assert.ok(entries.has(px), `pixel ${p} (${px}) is not an inferno colour`);
  }
  await assert.rejects(explain({ colormap: 'rainbow' }), /Unknown colormap "rainbow"; use one of jet, inferno, turbo/);
  await assert.rejects(explain({ scale: 'shared', augSmooth: true }), /aug-smooth scales each augmented map/);
});
