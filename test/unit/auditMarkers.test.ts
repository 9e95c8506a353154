/**
 * The burned-in marker detector of the shortcut audit (src/engine/audit/markers.ts) on constructed chest-like images
 * with a drawn "R", and on real radiographs from ../shared (Kermany images carry an "R" near the left edge).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { detectMarkers, MARKER_RULES } from '../../src/engine/audit/markers';
import { SHARED, SHARED_CXR, skipUnlessShared } from '../helpers/sharedData';
import { deriveMasksFromNonBlack } from '../helpers/maskedLo';

/** A 5×7 bitmap "R". */
const R_GLYPH = ['####.', '#...#', '#...#', '####.', '#.#..', '#..#.', '#...#'];

/**
 * A chest-like radiograph: dark surround, a grey body, two darker lungs, a bright spine and soft noise (seeded), so
 * bone and lung edges are there to be (correctly) ignored.
 */
function chest(size: number, seed = 1): Uint8Array {
  const px = new Uint8Array(size * size);
  let s = seed * 2654435761;
  const noise = () => { s = (s * 1103515245 + 12345) >>> 0; return (s >>> 24) / 255 - 0.5; };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x / size - 0.5, v = y / size - 0.5;
      let g = 25;
      if ((u / 0.42) ** 2 + (v / 0.55) ** 2 < 1) g = 125; // body
      for (const cx of [-0.18, 0.18]) if (((u - cx) / 0.13) ** 2 + ((v + 0.02) / 0.3) ** 2 < 1) g = 70; // lungs
      if (Math.abs(u) < 0.04 && Math.abs(v) < 0.45) g = 165; // spine
      px[y * size + x] = Math.max(0, Math.min(255, Math.round(g + 14 * noise())));
    }
  }
  return px;
}

/** Draws the "R" with `scale`-pixel strokes at (x, y); returns its box. */
function drawR(px: Uint8Array, size: number, x: number, y: number, scale: number, value = 250): { x0: number; y0: number; x1: number; y1: number } {
  R_GLYPH.forEach((row, gy) => [...row].forEach((c, gx) => {
    if (c !== '#') return;
    for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) px[(y + gy * scale + dy) * size + x + gx * scale + dx] = value;
  }));
  return { x0: x, y0: y, x1: x + 5 * scale, y1: y + 7 * scale };
}

test('a drawn "R" near the top-left corner is found, and only it: its box, and the region grown by the margin', () => {
  const size = 256;
  const plain = chest(size);
  assert.deepEqual(detectMarkers(plain, size, size).boxes, [], 'the chest alone has no marker');
  const px = chest(size);
  const r = drawR(px, size, 12, 14, 2);
  const found = detectMarkers(px, size, size);
  assert.equal(found.boxes.length, 1, JSON.stringify(found.boxes));
  const b = found.boxes[0];
  assert.ok(b.x0 >= r.x0 - 1 && b.y0 >= r.y0 - 1 && b.x1 <= r.x1 + 1 && b.y1 <= r.y1 + 1, `box ${JSON.stringify(b)} inside the R's ${JSON.stringify(r)}`);
  assert.ok(b.x1 - b.x0 >= 9 && b.y1 - b.y0 >= 13, `box ${JSON.stringify(b)} covers the whole R`);
  const m = Math.round(MARKER_RULES.margin * size);
  assert.equal(found.margin, m);
  let area = 0;
  for (const v of found.region) area += v;
  assert.equal(area, (b.x1 - b.x0 + 2 * m) * (b.y1 - b.y0 + 2 * m), 'region = box grown by the margin');
  assert.equal(found.region[(b.y0 - m) * size + b.x0 - m], 1);
  assert.equal(found.region[(b.y1 + m) * size + b.x1 + m], 0);
});

test('the "R" is found at every corner and edge and at another resolution; not in the middle, not when grey or faint', () => {
  const size = 256;
  for (const [x, y] of [[230, 10], [10, 220], [232, 226], [120, 8]]) {
    const px = chest(size, 2);
    drawR(px, size, x, y, 2);
    assert.equal(detectMarkers(px, size, size).boxes.length, 1, `R at (${x}, ${y})`);
  }
  // In the middle of the image (on the mediastinum): not a marker by this detector's rule (near the edges only).
  const middle = chest(size, 3);
  drawR(middle, size, 150, 120, 2);
  assert.deepEqual(detectMarkers(middle, size, size).boxes, []);
  // Not near-white (a grey "R" at 170 on the dark surround): below minPeak.
  const grey = chest(size, 4);
  drawR(grey, size, 12, 14, 2, 170);
  assert.deepEqual(detectMarkers(grey, size, size).boxes, []);
  // 512 px: the same R twice as large.
  const big = chest(512, 5);
  drawR(big, 512, 24, 28, 4);
  assert.equal(detectMarkers(big, 512, 512).boxes.length, 1);
});

test('the letters of a word join one marker ("R" "R" side by side); a long bright line (a wire, a frame edge) is not one', () => {
  const size = 256;
  const px = chest(size, 6);
  drawR(px, size, 10, 12, 2);
  drawR(px, size, 23, 12, 2);
  const found = detectMarkers(px, size, size);
  assert.equal(found.boxes.length, 1, JSON.stringify(found.boxes));
  assert.ok(found.boxes[0].x1 - found.boxes[0].x0 >= 22);
  const line = chest(size, 7);
  for (let x = 20; x < 236; x++) line[6 * size + x] = 250; // a one-pixel bright line near the top
  for (let y = 20; y < 80; y++) line[y * size + 4] = 250; // and a short one near the left edge
  assert.deepEqual(detectMarkers(line, size, size).boxes, []);
});

async function grey256(file: string): Promise<Uint8Array> {
  return (await sharp(file).extractChannel(0).resize(256, 256, { fit: 'fill', kernel: 'linear' }).raw().toBuffer()) as unknown as Uint8Array;
}

test('real radiographs: the "R" of Kermany paediatric images is found near the left or top edge', { skip: skipUnlessShared(SHARED_CXR) }, async () => {
  const dir = path.join(SHARED_CXR, 'Viral_Pneumonia');
  const files = (await fs.readdir(dir)).filter((f) => f.startsWith('kermany-')).sort().slice(0, 30);
  let withMarker = 0;
  for (const f of files) {
    const found = detectMarkers(await grey256(path.join(dir, f)), 256, 256);
    if (found.boxes.some((b) => b.x0 < 40 || b.y0 < 40)) withMarker++;
  }
  // Most Kermany images carry an "R" at the upper left; a few have none or a faint one.
  assert.ok(withMarker >= 24, `${withMarker} of ${files.length} Kermany images with a marker near the left or top edge`);
});

test('cxr-masked-lo: masks from the non-black pixels, written to a temp folder; few false markers on the cut-out lungs',
  { skip: skipUnlessShared(path.join(SHARED, 'data/cxr-masked-lo')) }, async () => {
    const root = path.join(SHARED, 'data/cxr-masked-lo');
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-masked-lo-'));
    try {
      assert.equal(await deriveMasksFromNonBlack(root, tmp, { limit: 20 }), 20);
      const files = (await fs.readdir(path.join(root, 'Lung_Opacity'))).sort().slice(0, 20);
      let falseMarkers = 0;
      for (const f of files) {
        const image = await sharp(path.join(root, 'Lung_Opacity', f)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
        const mask = await sharp(path.join(tmp, 'Lung_Opacity', f.replace(/\.[^.]+$/, '.png'))).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
        assert.deepEqual([mask.info.width, mask.info.height], [image.info.width, image.info.height]);
        for (let i = 0; i < image.data.length; i++) if ((image.data[i] > 0) !== (mask.data[i] === 255)) assert.fail(`${f}: pixel ${i} differs from the non-black rule`);
        if (detectMarkers(await grey256(path.join(root, 'Lung_Opacity', f)), 256, 256).boxes.length > 0) falseMarkers++;
      }
      assert.ok(falseMarkers <= 4, `${falseMarkers} of 20 masked images with a "marker" (there are none)`);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });
