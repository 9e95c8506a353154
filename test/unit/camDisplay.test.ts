/**
 * The Grad-CAM display maths (src/shared/camDisplay.ts) against pytorch-grad-cam 1.5.7 and OpenCV on
 * test/fixtures/cam/display.json (made by test/fixtures/make_cam_fixtures.py): scale_cam_image, BaseCAM's scaling
 * path, cv2.resize, the colormap tables and show_cam_on_image; then the view's heat-following overlay and the shared scale.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  COLORMAPS, applyColormap, colormapIndex, colormapLut, displayMap, heatmapRgba, overlayAlpha, overlayPixel, resizeBilinear, scaleCam, showCamOnImage,
  unionRange, valueRange,
} from '../../src/shared/camDisplay';
import { camFileSchema, camRawSchema, camScaleSchema, parseCamFile } from '../../src/shared/runFiles';

interface Fixture {
  scale: { width: number; height: number; raw: number[]; scaled: number[]; targets: { width: number; height: number; resized: number[]; scaleCamImage: number[]; baseCam: number[] }[] }[];
  colormaps: Record<string, number[]>;
  overlay: { width: number; height: number; image: number[]; mask: number[]; cases: { colormap: 'jet' | 'inferno' | 'turbo'; imageWeight: number; rgb: number[] }[] };
}
const fixture = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/cam/display.json'), 'utf8')) as Fixture;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('per-map scaling equals pytorch-grad-cam scale_cam_image on the same raw maps (weak ones too)', () => {
  for (const [k, c] of fixture.scale.entries()) {
    const d = maxDiff(scaleCam(c.raw), c.scaled);
    assert.ok(d < 1e-6, `class ${k}: scale_cam_image differs by ${d}`);
  }
  // The weakest class (peak ~0.004 in raw units) still reaches ~1 per map: the very effect the shared scale removes.
  const weakest = fixture.scale[2];
  assert.ok(Math.max(...scaleCam(weakest.raw)) > 0.99);
  // A flat (all-zero) map scales to 0, not NaN, as scale_cam_image's 1e-7 ensures.
  assert.deepEqual(Array.from(scaleCam([0, 0, 0, 0])), [0, 0, 0, 0]);
});

test('bilinear upsampling equals cv2.resize (half-pixel centres) and tf.image.resizeBilinear', () => {
  for (const c of fixture.scale) {
    for (const t of c.targets) {
      const ours = resizeBilinear(c.raw, c.width, c.height, t.width, t.height);
      assert.ok(maxDiff(ours, t.resized) < 1e-5, `${c.width}→${t.width}×${t.height}: cv2.resize differs by ${maxDiff(ours, t.resized)}`);
      const viaTf = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(c.raw, [1, c.height, c.width, 1]), [t.height, t.width], false, true).dataSync());
      assert.ok(maxDiff(ours, viaTf) < 1e-5, `tf differs by ${maxDiff(ours, viaTf)}`);
    }
  }
  assert.throws(() => resizeBilinear([1, 2, 3], 2, 2, 4, 4), /3 values for a 2×2 map/);
});

test('the map drawn per-map equals the map pytorch-grad-cam BaseCAM returns (scaled, upsampled, scaled again)', () => {
  for (const [k, c] of fixture.scale.entries()) {
    for (const t of c.targets) {
      const raw = camRawSchema.parse({ width: c.width, height: c.height, values: c.raw, inputWidth: t.width, inputHeight: t.height });
      const drawn = displayMap(raw);
      assert.deepEqual([drawn.width, drawn.height], [t.width, t.height]);
      assert.ok(maxDiff(drawn.values, t.baseCam) < 1e-5, `class ${k} at ${t.width}×${t.height}: BaseCAM map differs by ${maxDiff(drawn.values, t.baseCam)}`);
    }
  }
});

test('a scale shared by the classes of an image keeps weak maps weak; each class alone reaches 1', () => {
  const t = fixture.scale[0].targets[0];
  const raws = fixture.scale.map((c) => camRawSchema.parse({ width: c.width, height: c.height, values: c.raw, inputWidth: t.width, inputHeight: t.height }));
  const ranges = raws.map((r) => valueRange(resizeBilinear(r.values, r.width, r.height, r.inputWidth, r.inputHeight)));
  const shared = unionRange(ranges);
  const peaks = raws.map((r) => Math.max(...displayMap(r, shared).values));
  const ownPeaks = raws.map((r) => Math.max(...displayMap(r).values));
  assert.ok(ownPeaks.every((p) => p > 0.999), `per-map peaks ${ownPeaks}`);
  assert.ok(peaks[0] > 0.999, 'the strongest class keeps its full range');
  // Peaks on the shared scale are the classes' raw peaks relative to the strongest one (their minima are 0 after ReLU).
  for (const k of [1, 2]) assert.ok(Math.abs(peaks[k] - ranges[k].max / shared.max) < 1e-5, `class ${k}: ${peaks[k]} vs ${ranges[k].max / shared.max}`);
  assert.ok(peaks[2] < 0.01, `the weakest class stays dark (${peaks[2]})`);
  assert.deepEqual(unionRange([]), { min: 0, max: 0 });
});

test('colormap tables are OpenCV\'s (jet, inferno, turbo), indexed as np.uint8(255 * mask)', () => {
  for (const name of COLORMAPS) assert.deepEqual(Array.from(colormapLut(name)), fixture.colormaps[name], name);
  // np.uint8(255 * np.float32(v)): 0.5 → 127 and 0.999 → 254 (truncated), 1/255 → 1 (float32 product exactly 1).
  assert.deepEqual([colormapIndex(0.5), colormapIndex(0.999), colormapIndex(1 / 255)], [127, 254, 1]);
  assert.deepEqual([colormapIndex(-1), colormapIndex(Number.NaN), colormapIndex(2), colormapIndex(1)], [0, 0, 255, 255]);
  assert.deepEqual(Array.from(applyColormap([0, 1], 'inferno')), [...fixture.colormaps.inferno.slice(0, 3), ...fixture.colormaps.inferno.slice(765)]);
});

test('showCamOnImage equals pytorch-grad-cam show_cam_on_image (use_rgb) for each colormap and image weight', () => {
  const o = fixture.overlay;
  for (const c of o.cases) {
    const ours = showCamOnImage(o.image, o.mask, { colormap: c.colormap, imageWeight: c.imageWeight });
    assert.equal(maxDiff(ours, c.rgb), 0, `${c.colormap} at image weight ${c.imageWeight}`);
  }
  assert.throws(() => showCamOnImage(o.image, o.mask, { imageWeight: 1.5 }), /image weight/);
  assert.throws(() => showCamOnImage([1, 2], [0.5]), /2 image bytes/);
});

test('the heat-following overlay leaves cold pixels as the X-ray and blends hot ones at the slider\'s opacity', () => {
  const grey: [number, number, number] = [90, 90, 90];
  for (const colormap of COLORMAPS) {
    assert.deepEqual(overlayPixel(grey, 0, { colormap, opacity: 1, mode: 'heat' }), grey, `${colormap}: a cold pixel is the X-ray as it is`);
    const hot = overlayPixel(grey, 1, { colormap, opacity: 0.6, mode: 'heat' });
    const lut = colormapLut(colormap);
    assert.deepEqual(hot, [0, 1, 2].map((k) => Math.round(0.4 * 90 + 0.6 * lut[765 + k])));
    // Uniform: the cold colour tints the image (jet's dark blue), as show_cam_on_image does.
    assert.notDeepEqual(overlayPixel(grey, 0, { colormap, opacity: 0.5, mode: 'uniform' }), grey);
  }
  assert.equal(overlayAlpha(0.25, 0.8, 'heat'), 0.2);
  assert.equal(overlayAlpha(0.25, 0.8, 'uniform'), 0.8);
  assert.equal(overlayAlpha(Number.NaN, 0.8, 'heat'), 0);
  const rgba = heatmapRgba([0, 0.5, 1], 'turbo', 'heat');
  assert.deepEqual([rgba[3], rgba[7], rgba[11]], [0, 128, 255]);
  assert.deepEqual(Array.from(heatmapRgba([0], 'jet', 'uniform')), [...fixture.colormaps.jet.slice(0, 3), 255]);
});

test('the CAM file keeps the raw values and the scale; a file from before them still reads', () => {
  const base = {
    format: 1, image: '/d/covid/a.png', classIndex: 0, className: 'covid', probabilities: [0.9, 0.1], layer: 'conv', heatmap: 'h.png', overlay: 'o.png',
    json: 'a.json', classes: ['covid', 'normal'], method: 'gradcam', runId: 'r', checkpoint: 'best',
  };
  assert.ok(camFileSchema.parse(base), 'older file without raw/scale');
  const raw = { width: 2, height: 2, values: [0, 0.5, 1.5, 0], inputWidth: 8, inputHeight: 8 };
  const scale = { mode: 'shared', min: 0, max: 3, classes: [{ min: 0, max: 1.5 }, { min: 0, max: 3 }] };
  const parsed = parseCamFile(JSON.stringify({ ...base, raw, scale, colormap: 'inferno' }), 'a.json');
  assert.deepEqual(parsed.raw, raw);
  assert.equal(parsed.scale?.mode, 'shared');
  assert.throws(() => parseCamFile(JSON.stringify({ ...base, raw: { ...raw, values: [1, 2, 3] } }), 'a.json'), /raw\.values/);
  assert.throws(() => camScaleSchema.parse({ mode: 'global', min: 0, max: 1 }));
});
