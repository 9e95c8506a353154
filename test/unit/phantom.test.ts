import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { generatePhantomDataset, renderPhantomImage, type PhantomClass } from '../../src/cli/demo/phantom';

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-phantom-'));
  try {
    return await fn(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** sha256 of every file under dir, keyed by relative path. */
async function hashTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out.set(path.relative(dir, full), createHash('sha256').update(await fs.readFile(full)).digest('hex'));
  }
  return out;
}

function parseCsv(text: string): { header: string; rows: { file: string; label: string; patient: string }[] } {
  const [header, ...lines] = text.trimEnd().split('\n');
  return {
    header,
    rows: lines.map((l) => {
      const [file, label, patient] = l.split(',');
      return { file, label, patient };
    }),
  };
}

test('same seed gives byte-identical files; another seed gives other images', async () => {
  await withTempDir(async (root) => {
    const opts = { perClass: 4, size: 48, seed: 7 };
    await generatePhantomDataset(path.join(root, 'a'), opts);
    await generatePhantomDataset(path.join(root, 'b'), opts);
    await generatePhantomDataset(path.join(root, 'c'), { ...opts, seed: 8 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((d) => hashTree(path.join(root, d))));
    assert.equal(a.size, 4 * 4 + 1);
    assert.deepEqual([...a.entries()].sort(), [...b.entries()].sort());
    const images = [...a.keys()].filter((f) => f.endsWith('.png'));
    assert.ok(images.every((f) => c.get(f) !== a.get(f)), 'seed 8 must change every image');
  });
});

test('class folders, metadata.csv with two images per patient, one-channel PNGs of the requested size', async () => {
  await withTempDir(async (dir) => {
    const result = await generatePhantomDataset(dir, { perClass: 5, size: 40, seed: 3 });
    assert.deepEqual(result.classes, ['normal', 'consolidation', 'nodules', 'effusion']);
    assert.equal(result.files, 20);

    const { header, rows } = parseCsv(await fs.readFile(path.join(dir, 'metadata.csv'), 'utf8'));
    assert.equal(header, 'file,label,patient');
    assert.equal(rows.length, result.files);
    const patients = new Map<string, { label: string; count: number }>();
    for (const row of rows) {
      assert.match(row.file, /^[a-z]+\/img-\d{4}\.png$/);
      assert.equal(row.file.split('/')[0], row.label);
      const seen = patients.get(row.patient) ?? { label: row.label, count: 0 };
      assert.equal(seen.label, row.label, `patient ${row.patient} spans two classes`);
      seen.count++;
      patients.set(row.patient, seen);
      const meta = await sharp(path.join(dir, row.file)).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['png', 40, 40, 1], row.file);
    }
    // 5 per class: two patients with 2 images and one with 1, per class.
    const counts = [...patients.values()].map((p) => p.count).sort();
    assert.deepEqual(counts, [1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
    for (const label of result.classes) {
      assert.equal((await fs.readdir(path.join(dir, label))).length, 5);
    }
  });
});

test('3 classes leaves out nodules and keeps the shared classes identical', async () => {
  await withTempDir(async (root) => {
    const three = await generatePhantomDataset(path.join(root, '3'), { perClass: 2, size: 32, classes: 3 });
    await generatePhantomDataset(path.join(root, '4'), { perClass: 2, size: 32, classes: 4 });
    assert.deepEqual(three.classes, ['normal', 'consolidation', 'effusion']);
    await assert.rejects(fs.access(path.join(root, '3', 'nodules')));
    const [h3, h4] = await Promise.all([hashTree(path.join(root, '3')), hashTree(path.join(root, '4'))]);
    for (const file of ['normal/img-0001.png', 'effusion/img-0002.png']) assert.equal(h3.get(file), h4.get(file), file);
  });
});

/** Mean row of the darkest quarter of the film's central window: there, the darkest pixels are lung. */
function darkCentroidRow(img: Uint8Array, size: number): number {
  const window: [number, number][] = [];
  for (let y = Math.floor(0.1 * size); y < 0.9 * size; y++) {
    for (let x = Math.floor(0.2 * size); x < 0.8 * size; x++) window.push([img[y * size + x], y]);
  }
  const dark = window.sort((a, b) => a[0] - b[0]).slice(0, Math.floor(window.length / 4));
  return dark.reduce((s, d) => s + d[1], 0) / dark.length;
}

test('a finding is a local pattern, not a change of global brightness', () => {
  const size = 96;
  for (let patient = 0; patient < 6; patient++) {
    const normal = renderPhantomImage('normal', 500 + patient, 0, size);
    assert.deepEqual(renderPhantomImage('normal', 500 + patient, 0, size), normal, 'deterministic');
    const mean = (img: Uint8Array) => img.reduce((s, v) => s + v, 0) / img.length;
    for (const kind of ['consolidation', 'nodules', 'effusion'] as PhantomClass[]) {
      const sick = renderPhantomImage(kind, 500 + patient, 0, size);
      let strong = 0, changed = 0, rowSum = 0;
      for (let i = 0; i < sick.length; i++) {
        const d = sick[i] - normal[i];
        if (d > 25) strong++;
        if (Math.abs(d) > 12) {
          changed++;
          rowSum += Math.floor(i / size);
        }
      }
      const where = `${kind}, patient ${patient}`;
      assert.ok(strong >= 3, `${where}: finding not visible (${strong} pixels brighter by > 25)`);
      assert.ok(changed < 0.12 * sick.length, `${where}: ${changed} pixels changed, should be local`);
      assert.ok(Math.abs(mean(sick) - mean(normal)) < 1, `${where}: mean ${mean(sick)} vs ${mean(normal)}`);
      if (kind === 'effusion') {
        // Fluid collects at a lung base: the change sits well below the middle of the lung fields.
        const lungRow = darkCentroidRow(normal, size);
        assert.ok(rowSum / changed > lungRow + 0.06 * size, `${where}: change at row ${rowSum / changed}, lungs at ${lungRow}`);
      }
    }
  }
});

test('patients differ from each other; a patient\'s two images are similar but not equal', () => {
  const size = 64;
  const diff = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
  const first = renderPhantomImage('normal', 11, 0, size);
  const second = renderPhantomImage('normal', 11, 1, size);
  const other = renderPhantomImage('normal', 12, 0, size);
  assert.ok(diff(first, second) > 0, 'views of one patient are not copies');
  assert.ok(diff(first, second) < diff(first, other), 'same patient is closer than another patient');
});

test('the default data set (4 × 40 images, 128 px) is generated in a few seconds', async () => {
  await withTempDir(async (dir) => {
    const start = performance.now();
    const result = await generatePhantomDataset(dir);
    const seconds = (performance.now() - start) / 1000;
    assert.equal(result.files, 160);
    const meta = await sharp(path.join(dir, 'effusion', 'img-0040.png')).metadata();
    assert.deepEqual([meta.width, meta.height], [128, 128]);
    assert.ok(seconds < 15, `took ${seconds.toFixed(1)} s`);
  });
});

test('rejects nonsensical options', async () => {
  await assert.rejects(generatePhantomDataset(os.tmpdir(), { perClass: 0 }), RangeError);
  await assert.rejects(generatePhantomDataset(os.tmpdir(), { size: 4 }), RangeError);
  await assert.rejects(generatePhantomDataset(os.tmpdir(), { classes: 5 as 3 }), RangeError);
});
