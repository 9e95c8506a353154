/**
 * The shortcut audit's numbers on known CAMs (regions.ts) and its verdict on constructed per-image scores (verdict.ts):
 * border band, nearest-neighbour mask resizing, shares of the mass, flat maps, and each threshold on both sides.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { areaFraction, binarise, borderBand, camShares, resizeNearest } from '../../src/engine/audit/regions';
import { AUDIT_THRESHOLDS, offTarget, summarizeAudit, type AuditScores } from '../../src/engine/audit/verdict';
import { maskInFolder } from '../../src/engine/dataset/masks';
import { auditName } from '../../src/shared/runFiles';

const close = (a: number | null, b: number, what: string, tol = 1e-9) => assert.ok(a !== null && Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** A size×size map that is `value` inside the box [x0,x1)×[y0,y1) and 0 elsewhere. */
function box(size: number, x0: number, y0: number, x1: number, y1: number, value = 1): Float32Array {
  const m = new Float32Array(size * size);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * size + x] = value;
  return m;
}
const toMask = (m: Float32Array) => Uint8Array.from(m, (v) => (v > 0 ? 1 : 0));

test('the border band is the outer 10 % of each side: 36 % of the area', () => {
  for (const size of [100, 256, 320]) {
    const band = borderBand(size);
    close(areaFraction(band), 0.36, `band area at ${size} px`, 6e-3); // the band is rounded to whole pixels: 26 of 256
    assert.equal(band[0], 1);
    assert.equal(band[(size / 2) * size + size / 2], 0);
    assert.equal(band[(size / 2) * size + Math.round(size * 0.1) - 1], 1, 'last column of the left band');
    assert.equal(band[(size / 2) * size + Math.round(size * 0.1)], 0, 'first column inside');
  }
});

test('camShares on known CAMs: a map inside the lungs, on the border, uniform, and flat', () => {
  const size = 100;
  const border = borderBand(size);
  const lungs = toMask(box(size, 20, 20, 80, 70)); // 60×50 = 30 % of the area, all inside the band's interior
  const markers = toMask(box(size, 1, 1, 10, 10)); // a corner marker (81 px), inside the band
  // All mass inside the lungs.
  let s = camShares(box(size, 30, 30, 50, 50), { lungs, border, markers });
  close(s.lungs, 1, 'lungs'); close(s.border, 0, 'border'); close(s.markers, 0, 'markers'); close(s.borderMarkers, 0, 'border or markers');
  // All mass on the marker: it is in the border band too.
  s = camShares(box(size, 1, 1, 10, 10, 0.5), { lungs, border, markers });
  close(s.lungs, 0, 'lungs'); close(s.border, 1, 'border'); close(s.markers, 1, 'markers'); close(s.mass, 40.5, 'mass: 81 pixels at 0.5');
  // A uniform map puts each region's area fraction there.
  s = camShares(new Float32Array(size * size).fill(0.3), { lungs, border, markers });
  close(s.lungs, 0.3, 'lungs = lung area'); close(s.border, 0.36, 'border = band area'); close(s.markers, 0.0081, 'markers = marker area');
  close(s.borderMarkers, 0.36, 'the marker lies in the band: the union is the band');
  // Half the mass in the lungs, half on the right border: weights, not pixel counts.
  const map = box(size, 30, 30, 40, 40, 1); // 100 px × 1 inside the lungs
  for (let y = 40; y < 60; y++) for (let x = 95; x < 100; x++) map[y * size + x] = 1; // 100 px × 1 on the border
  s = camShares(map, { lungs, border, markers });
  close(s.lungs, 0.5, 'lungs'); close(s.border, 0.5, 'border'); close(s.markers, 0, 'markers');
  // No mask: the lung share is null, the others still measured.
  s = camShares(map, { border, markers });
  assert.equal(s.lungs, null);
  close(s.border, 0.5, 'border without a mask');
  // A flat map (all zero after ReLU) has no mass: every share is null, never NaN.
  s = camShares(new Float32Array(size * size), { lungs, border, markers });
  assert.deepEqual(s, { mass: 0, lungs: null, border: null, markers: null, borderMarkers: null });
  assert.throws(() => camShares(new Float32Array(10), { border, markers }), /region has 10000 pixels, the CAM 10/);
});

test('a mask of another size is resized with nearest neighbours (stays binary) and lines up with the CAM grid', () => {
  // A 40×30 mask (0/255) whose left half is lung, resized to a 100×100 grid.
  const w = 40, h = 30;
  const src = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w / 2; x++) src[y * w + x] = 255;
  const resized = resizeNearest(src, w, h, 100, 100);
  assert.deepEqual([...new Set(resized)].sort((a, b) => a - b), [0, 255], 'no value other than the mask\'s');
  const lungs = binarise(resized);
  close(areaFraction(lungs), 0.5, 'left half');
  assert.equal(lungs[50 * 100 + 49], 1);
  assert.equal(lungs[50 * 100 + 50], 0);
  // 0/1 masks binarise the same way as 0/255 ones; an empty mask stays empty.
  assert.deepEqual([...binarise([0, 1, 1, 0])], [0, 1, 1, 0]);
  assert.deepEqual([...binarise([0, 0, 0])], [0, 0, 0]);
  // Upsampling a 2×2 checkerboard gives four quadrants.
  const up = resizeNearest([1, 0, 0, 1], 2, 2, 4, 4);
  assert.deepEqual([...up], [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1]);
});

const img = (label: number, o: Partial<AuditScores> = {}): AuditScores => ({ label, lungs: null, border: 0.2, markers: 0, markerBoxes: [], ...o });
const boxes = [{ x: 0, y: 0, w: 0.05, h: 0.05 }];
const many = (n: number, f: (i: number) => AuditScores) => Array.from({ length: n }, (_, i) => f(i));

test('verdict thresholds: outside the lungs, border band and markers, each on both sides of its threshold', () => {
  const t = AUDIT_THRESHOLDS;
  assert.deepEqual(t, { outsideLungs: 0.5, border: 0.5, markers: 0.15, minImages: 5 });
  const classes = ['A', 'B'];
  // Class A: 50 % of the mass outside the lungs exactly — flagged; class B: 49 % — not.
  let r = summarizeAudit([...many(5, () => img(0, { lungs: 0.5 })), ...many(5, () => img(1, { lungs: 0.51 }))], classes);
  assert.equal(r.verdict.flagged, true);
  assert.deepEqual(r.verdict.findings.map((f) => [f.group, f.kind, Math.round(f.value * 100), f.images]), [['A', 'outside-lungs', 50, 5]]);
  assert.match(r.verdict.sentence, /^This run looks at the wrong places: A 50% of its CAM mass outside the lungs \(5 images with masks\)/);
  assert.equal(r.perClass[0].offTarget, 5);
  assert.equal(r.perClass[1].offTarget, 0);
  // Border: 0.5 flagged, 0.49 not.
  r = summarizeAudit([...many(5, () => img(0, { border: 0.49 })), ...many(5, () => img(1, { border: 0.5 }))], classes);
  assert.deepEqual(r.verdict.findings.map((f) => [f.group, f.kind]), [['B', 'border']]);
  assert.match(r.verdict.sentence, /B 50% in the border band \(the outer 10 %, 36% of the image\)/);
  // Markers: the mean is over the images where markers were found; images without markers do not dilute it.
  r = summarizeAudit([...many(5, () => img(0, { markers: 0.2, markerBoxes: boxes })), ...many(20, () => img(0))], classes);
  assert.equal(r.perClass[0].withMarkers, 5);
  close(r.perClass[0].markers, 0.2, 'markers mean');
  assert.deepEqual(r.verdict.findings.map((f) => [f.group, f.kind, f.images]), [['A', 'markers', 5]]);
  r = summarizeAudit(many(5, () => img(0, { markers: 0.14, markerBoxes: boxes })), classes);
  assert.equal(r.verdict.flagged, false);
});

test('verdict: too few images are not judged, flat maps are left out, all images together only adds what no class showed', () => {
  const classes = ['A', 'B'];
  // 4 images (under minImages) far outside the lungs: not judged for the class — nor together, with 4 masks in all.
  let r = summarizeAudit([...many(4, () => img(0, { lungs: 0.1 })), ...many(6, () => img(1))], classes);
  assert.equal(r.verdict.flagged, false);
  assert.match(r.verdict.sentence, /^No shortcut flagged: on average 10% of the CAM mass lies inside the lungs \(4 images with masks\)/);
  // Flat maps: counted as images, left out of the means and of the border count.
  r = summarizeAudit([...many(5, () => img(0, { border: 0.8 })), ...many(3, () => img(0, { border: null, markers: null }))], classes);
  assert.deepEqual([r.perClass[0].images, r.perClass[0].flat], [8, 3]);
  close(r.perClass[0].border, 0.8, 'border over the non-flat maps');
  assert.equal(r.verdict.findings.length, 1);
  r = summarizeAudit([...many(4, () => img(0, { border: 0.8 })), ...many(3, () => img(0, { border: null, markers: null }))], classes);
  assert.equal(r.verdict.flagged, false, 'four measured maps are too few');
  // Neither class has 5 images, but together they have 8 on the border: flagged for all images.
  r = summarizeAudit([...many(4, () => img(0, { border: 0.7 })), ...many(4, () => img(1, { border: 0.7 }))], classes);
  assert.deepEqual(r.verdict.findings.map((f) => [f.group, f.kind]), [['all images', 'border']]);
  assert.match(r.verdict.sentence, /all images together 70% in the border band/);
  // Every map flat: nothing to judge, said so.
  r = summarizeAudit(many(6, () => img(0, { border: null, markers: null })), classes);
  assert.match(r.verdict.sentence, /every map is flat/);
  // Without masks, the sentence says only the border band and markers were checked.
  r = summarizeAudit(many(6, () => img(1, { border: 0.25 })), classes);
  assert.match(r.verdict.sentence, /without lung masks only the border band and markers were checked\.$/);
  assert.deepEqual(r.perClass.map((g) => g.className), ['B'], 'a class with no image has no row');
});

test('an image is off target when one of its own shares crosses a threshold', () => {
  assert.equal(offTarget(img(0, { lungs: 0.4 })), true);
  assert.equal(offTarget(img(0, { lungs: 0.6 })), false);
  assert.equal(offTarget(img(0, { border: 0.55 })), true);
  assert.equal(offTarget(img(0, { markers: 0.3 })), false, 'a marker share without a marker found is not judged');
  assert.equal(offTarget(img(0, { markers: 0.3, markerBoxes: boxes })), true);
  assert.equal(offTarget(img(0, { border: null, markers: null })), false, 'a flat map');
});

test('--masks folders mirror the class folders; Radiography images also find <Class>/masks/ and <Class>/<name>', () => {
  const index = new Map([['COVID/a', '/m/COVID/a.png'], ['Normal/masks/b', '/m/Normal/masks/b.png'], ['LO/c', '/m/LO/c.png'], ['train/COVID/d', '/m/train/COVID/d.png']]);
  assert.equal(maskInFolder(index, 'COVID/a.jpg'), '/m/COVID/a.png', 'any image extension');
  assert.equal(maskInFolder(index, 'Normal/images/b.png'), '/m/Normal/masks/b.png');
  assert.equal(maskInFolder(index, 'LO/images/c.png'), '/m/LO/c.png');
  assert.equal(maskInFolder(index, 'train/COVID/d.png'), '/m/train/COVID/d.png');
  assert.equal(maskInFolder(index, 'COVID/zzz.png'), undefined);
  assert.equal(auditName('test', 'gradcam'), 'test');
  assert.equal(auditName('val', 'scorecam'), 'val-scorecam');
});
