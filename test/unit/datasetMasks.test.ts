/**
 * The COVID-19 Radiography Database layout, `<Class>/images/` + `<Class>/masks/`: the scan reads a class's images from
 * images/ only (never its masks as training images) and gives each image its mask; the other layouts are unchanged.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { scanDataset } from '../../src/engine/dataset/scan';

let tmp: string;
before(async () => { tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-masks-layout-')); });
after(() => fs.rm(tmp, { recursive: true, force: true }));

async function png(file: string, seed: number, size = 24): Promise<void> {
  const px = Buffer.alloc(size * size);
  let s = seed * 2654435761;
  for (let i = 0; i < px.length; i++) { s = (s * 1103515245 + 12345) >>> 0; px[i] = s >>> 24; }
  await fs.mkdir(path.dirname(file), { recursive: true });
  await sharp(px, { raw: { width: size, height: size, channels: 1 } }).toColourspace('b-w').png().toFile(file);
}

test('<Class>/images + <Class>/masks: images from images/ with their masks, masks never as images; a plain class folder beside it still works', async () => {
  const root = path.join(tmp, 'radiography');
  for (const [cls, n] of [['COVID', 4], ['Normal', 3]] as const) {
    for (let i = 0; i < n; i++) {
      await png(path.join(root, cls, 'images', `${cls}-${i + 1}.png`), i + 1);
      if (!(cls === 'Normal' && i === 2)) await png(path.join(root, cls, 'masks', `${cls}-${i + 1}.png`), 100 + i, 12); // Normal-3 has no mask
    }
  }
  for (let i = 0; i < 3; i++) await png(path.join(root, 'Viral', `v-${i}.png`), 50 + i);
  const scan = await scanDataset(root);
  assert.deepEqual(scan.classes, ['COVID', 'Normal', 'Viral']);
  assert.deepEqual(scan.health.perClass, { COVID: 4, Normal: 3, Viral: 3 }, 'the masks are not counted as images');
  assert.ok(scan.items.every((it) => !it.rel.includes('/masks/')), scan.items.map((it) => it.rel).join(', '));
  const covid1 = scan.items.find((it) => it.rel === 'COVID/images/COVID-1.png');
  assert.equal(covid1?.mask, path.join(root, 'COVID', 'masks', 'COVID-1.png'));
  assert.equal(scan.items.find((it) => it.rel === 'Normal/images/Normal-3.png')?.mask, undefined);
  assert.ok(scan.items.filter((it) => it.className === 'Viral').every((it) => it.mask === undefined));
  const notes = scan.health.issues.filter((i) => i.kind === 'mask-folder');
  assert.deepEqual(notes.map((i) => i.className), ['COVID', 'Normal']);
  assert.match(notes[1].message, /^Normal holds images\/ and masks\/ \(the COVID-19 Radiography Database layout\): its images are read from Normal\/images; the 2 files in Normal\/masks are lung masks for the shortcut audit, not training images \(1 image has no mask\)\.$/);
  assert.ok(!scan.health.issues.some((i) => i.severity === 'error'));
});

test('a class folder with only images/ (no masks/), or other sub-folders, is walked as before', async () => {
  const root = path.join(tmp, 'nested');
  await png(path.join(root, 'A', 'images', 'a1.png'), 1);
  await png(path.join(root, 'A', 'extra', 'a2.png'), 2);
  await png(path.join(root, 'B', 'b1.png'), 3);
  await png(path.join(root, 'B', 'masks', 'b2.png'), 4); // masks/ without images/: just a sub-folder of images
  const scan = await scanDataset(root);
  assert.deepEqual(scan.items.map((it) => it.rel), ['A/extra/a2.png', 'A/images/a1.png', 'B/b1.png', 'B/masks/b2.png']);
  assert.ok(scan.items.every((it) => it.mask === undefined));
  assert.ok(!scan.health.issues.some((i) => i.kind === 'mask-folder'));
});

test('train/ val/ test/ folders of Radiography class folders', async () => {
  const root = path.join(tmp, 'splits');
  for (const split of ['train', 'test']) {
    for (let i = 0; i < 2; i++) {
      await png(path.join(root, split, 'COVID', 'Images', `c${i}.png`), i + 1); // any case
      await png(path.join(root, split, 'COVID', 'Masks', `c${i}.png`), i + 10, 8);
      await png(path.join(root, split, 'Normal', `n${i}.png`), i + 20);
    }
  }
  const scan = await scanDataset(root);
  assert.equal(scan.layout, 'split-folders');
  assert.deepEqual(scan.items.filter((it) => it.className === 'COVID').map((it) => [it.rel, it.presetSplit, path.relative(root, it.mask!)]), [
    ['test/COVID/Images/c0.png', 'test', 'test/COVID/Masks/c0.png'], ['test/COVID/Images/c1.png', 'test', 'test/COVID/Masks/c1.png'],
    ['train/COVID/Images/c0.png', 'train', 'train/COVID/Masks/c0.png'], ['train/COVID/Images/c1.png', 'train', 'train/COVID/Masks/c1.png'],
  ]);
  assert.equal(scan.items.length, 8);
});
