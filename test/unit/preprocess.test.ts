import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { BatchLoader, type Batch, type ItemDecoder } from '../../src/engine/dataset/batchLoader';
import { IMAGENET_MEAN, IMAGENET_STD, loadDisplayImage, loadImageTensorData } from '../../src/engine/dataset/preprocess';
import { scanDataset, type ImageItem } from '../../src/engine/dataset/scan';
import { SHARED_CXR, skipUnlessShared } from '../helpers/sharedData';


let tmp: string;
before(async () => { tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-preprocess-')); });
after(async () => { await fs.rm(tmp, { recursive: true, force: true }); });

/** Deterministic pixel values 0..255. */
function pattern(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let s = seed * 2654435761;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; b[i] = s >>> 24; }
  return b;
}

async function writeRaw(file: string, px: Buffer, width: number, height: number, channels: 1 | 2 | 3 | 4): Promise<string> {
  let img = sharp(px, { raw: { width, height, channels } });
  if (channels === 1) img = img.toColourspace('b-w');
  await img.png().toFile(file);
  return file;
}

/** Minimal PNG writer for what sharp will not write from raw input: 16-bit grey. */
function png16Grey(width: number, height: number, values: number[]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 16; ihdr[9] = 0;
  const raw = Buffer.alloc(height * (1 + 2 * width));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.writeUInt16BE(values[y * width + x], y * (1 + 2 * width) + 1 + 2 * x);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Minimal BMP writer: 8-bit grey palette or 24-bit BGR, bottom-up (or top-down), rows padded to 4 bytes. */
function bmp(width: number, height: number, px: Buffer, channels: 1 | 3, topDown = false): Buffer {
  const bpp = channels === 1 ? 8 : 24;
  const rowBytes = Math.ceil((width * bpp) / 32) * 4;
  const paletteBytes = channels === 1 ? 1024 : 0;
  const offset = 14 + 40 + paletteBytes;
  const b = Buffer.alloc(offset + rowBytes * height);
  b.write('BM', 0, 'latin1'); b.writeUInt32LE(b.length, 2); b.writeUInt32LE(offset, 10);
  b.writeUInt32LE(40, 14); b.writeInt32LE(width, 18); b.writeInt32LE(topDown ? -height : height, 22);
  b.writeUInt16LE(1, 26); b.writeUInt16LE(bpp, 28);
  if (channels === 1) for (let i = 0; i < 256; i++) b.writeUInt32LE(i * 0x010101, 54 + i * 4);
  for (let y = 0; y < height; y++) {
    const row = offset + (topDown ? y : height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * channels;
      if (channels === 1) b[row + x] = px[p];
      else { b[row + x * 3] = px[p + 2]; b[row + x * 3 + 1] = px[p + 1]; b[row + x * 3 + 2] = px[p]; }
    }
  }
  return b;
}

const imagenet = (v: number, c: number) => (v / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > tol) assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

describe('loadImageTensorData', () => {
  test('grey PNG at native size: replicated to 3 channels, imagenet and [-1, 1] normalisation', async () => {
    const px = pattern(8 * 8);
    const file = await writeRaw(path.join(tmp, 'grey.png'), px, 8, 8, 1);
    const x = await loadImageTensorData(file, { imageSize: 8, normalization: 'imagenet' });
    assertClose(x, Array.from({ length: 8 * 8 * 3 }, (_, i) => imagenet(px[Math.floor(i / 3)], i % 3)), 1e-5, 'imagenet');
    const m = await loadImageTensorData(file, { imageSize: 8, normalization: 'minus1to1' });
    assertClose(m, Array.from({ length: 8 * 8 * 3 }, (_, i) => px[Math.floor(i / 3)] / 127.5 - 1), 1e-6, 'minus1to1');
    assert.ok(Math.min(...m) >= -1 && Math.max(...m) <= 1);
  });

  test('RGB keeps channel order; RGBA drops alpha', async () => {
    const rgb = pattern(6 * 5 * 3, 2);
    const x = await loadImageTensorData(await writeRaw(path.join(tmp, 'rgb.png'), rgb, 6, 5, 3), { imageSize: 6, normalization: 'minus1to1' });
    assert.equal(x.length, 6 * 6 * 3, 'non-square 6x5 is resized to 6x6');
    const square = pattern(6 * 6 * 3, 3);
    const y = await loadImageTensorData(await writeRaw(path.join(tmp, 'rgb6.png'), square, 6, 6, 3), { imageSize: 6, normalization: 'minus1to1' });
    assertClose(y, Array.from(square, (v) => v / 127.5 - 1), 1e-6, 'rgb');
    const rgba = Buffer.alloc(6 * 6 * 4);
    for (let i = 0; i < 36; i++) { rgba[i * 4] = square[i * 3]; rgba[i * 4 + 1] = square[i * 3 + 1]; rgba[i * 4 + 2] = square[i * 3 + 2]; rgba[i * 4 + 3] = 100 + (i % 100); }
    const z = await loadImageTensorData(await writeRaw(path.join(tmp, 'rgba.png'), rgba, 6, 6, 4), { imageSize: 6, normalization: 'minus1to1' });
    assertClose(z, y, 1e-6, 'rgba without alpha');
  });

  test('16-bit grey PNG comes out on the 8-bit scale', async () => {
    const values = Array.from({ length: 16 }, (_, i) => i * 4369); // 0 .. 65535
    const file = path.join(tmp, 'grey16.png');
    await fs.writeFile(file, png16Grey(4, 4, values));
    assert.equal((await sharp(file).metadata()).depth, 'ushort');
    const d = await loadDisplayImage(file, 4);
    for (let i = 0; i < 16; i++) assert.ok(Math.abs(d.data[i * 3] - values[i] / 257) <= 1, `pixel ${i}: ${d.data[i * 3]} vs ${values[i] / 257}`);
    const x = await loadImageTensorData(file, { imageSize: 4, normalization: 'minus1to1' });
    assert.ok(Math.abs(x[0] + 1) < 1e-6 && Math.abs(x[15 * 3] - 1) < 1e-6, 'black stays -1, white stays 1');
  });

  test('palette PNG decodes to its colours', async () => {
    const colours = [[255, 0, 0], [0, 128, 255], [20, 200, 60], [250, 250, 250]];
    const rgb = Buffer.alloc(4 * 4 * 3);
    for (let i = 0; i < 16; i++) rgb.set(colours[i % 4], i * 3);
    const file = path.join(tmp, 'palette.png');
    await sharp(rgb, { raw: { width: 4, height: 4, channels: 3 } }).png({ palette: true, colours: 4, dither: 0 }).toFile(file);
    assert.equal((await sharp(file).metadata()).isPalette, true);
    const d = await loadDisplayImage(file);
    assert.deepEqual([d.width, d.height], [4, 4]);
    assert.deepEqual([...d.data], [...rgb]);
  });

  test('flip mirrors each row; resize of a flat image stays flat', async () => {
    const px = pattern(8 * 8 * 3, 4);
    const file = await writeRaw(path.join(tmp, 'flip.png'), px, 8, 8, 3);
    const a = await loadImageTensorData(file, { imageSize: 8, normalization: 'imagenet' });
    const b = await loadImageTensorData(file, { imageSize: 8, normalization: 'imagenet' }, true);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) for (let c = 0; c < 3; c++) {
      assert.equal(b[(y * 8 + x) * 3 + c], a[(y * 8 + 7 - x) * 3 + c]);
    }
    const flat = await writeRaw(path.join(tmp, 'flat.png'), Buffer.alloc(50 * 30, 77), 50, 30, 1);
    const f = await loadImageTensorData(flat, { imageSize: 16, normalization: 'imagenet' });
    assert.equal(f.length, 16 * 16 * 3);
    for (let i = 0; i < f.length; i++) assert.ok(Math.abs(f[i] - imagenet(77, i % 3)) < 1e-5);
  });

  test('a downscale averages (bilinear with antialiasing, like PIL)', async () => {
    const stripes = Buffer.alloc(64 * 64);
    for (let i = 0; i < stripes.length; i++) stripes[i] = (i % 64) % 2 ? 200 : 0; // 1-px vertical stripes
    const file = await writeRaw(path.join(tmp, 'stripes.png'), stripes, 64, 64, 1);
    const d = await loadDisplayImage(file, 8);
    for (const v of d.data) assert.ok(Math.abs(v - 100) <= 3, `expected ~100 after averaging, got ${v}`);
  });

  test('BMP: 8-bit grey palette and 24-bit, bottom-up and top-down', async () => {
    const grey = pattern(5 * 3, 5);
    const colour = pattern(5 * 3 * 3, 6);
    const dir = path.join(tmp, 'bmps');
    await fs.mkdir(path.join(dir, 'A'), { recursive: true });
    await fs.mkdir(path.join(dir, 'B'), { recursive: true });
    await fs.writeFile(path.join(dir, 'A', 'grey.bmp'), bmp(5, 3, grey, 1));
    await fs.writeFile(path.join(dir, 'B', 'colour.bmp'), bmp(5, 3, colour, 3));
    await fs.writeFile(path.join(dir, 'B', 'topdown.bmp'), bmp(5, 3, colour, 3, true));
    const g = await loadDisplayImage(path.join(dir, 'A', 'grey.bmp'));
    assert.deepEqual([...g.data], [...grey].flatMap((v) => [v, v, v]));
    for (const f of ['colour.bmp', 'topdown.bmp']) {
      const c = await loadDisplayImage(path.join(dir, 'B', f));
      assert.deepEqual([g.width, g.height, c.width, c.height], [5, 3, 5, 3]);
      assert.deepEqual([...c.data], [...colour], f);
    }
    const scan = await scanDataset(dir);
    assert.equal(scan.items.length, 3);
    assert.deepEqual(scan.health.formats, { bmp: 3 });
    assert.deepEqual(scan.health.channels, { '1': 1, '3': 2 });
  });

  test('unreadable files reject with the reason', async () => {
    const file = path.join(tmp, 'text.png');
    await fs.writeFile(file, 'just text');
    await assert.rejects(loadImageTensorData(file, { imageSize: 8, normalization: 'imagenet' }), /text file/);
  });
});

describe('BatchLoader', () => {
  async function fixture(n: number): Promise<ImageItem[]> {
    const dir = path.join(tmp, `batch-${n}`);
    await fs.mkdir(dir, { recursive: true });
    const items: ImageItem[] = [];
    for (let i = 0; i < n; i++) {
      const file = await writeRaw(path.join(dir, `img-${i}.png`), pattern(12 * 12, 10 + i), 12, 12, 1);
      items.push({ path: file, rel: `x/img-${i}.png`, label: i % 3, className: `c${i % 3}`, patient: `x/img-${i}.png` });
    }
    return items;
  }

  const collect = async (loader: AsyncIterable<Batch>) => { const out: Batch[] = []; for await (const b of loader) out.push(b); return out; };

  test('batches in order with labels; a broken file only shrinks its batch', async () => {
    const items = await fixture(7);
    await fs.writeFile(items[4].path, items[4].path); // now a text file
    const opts = { imageSize: 8, normalization: 'imagenet' as const };
    const flips = items.map((_, i) => i % 2 === 1);
    const batches = await collect(new BatchLoader(items, 3, { ...opts, flips }));
    assert.deepEqual(batches.map((b) => b.items.length), [3, 2, 1]);
    assert.deepEqual(batches.flatMap((b) => b.items.map((i) => i.rel)), items.filter((_, i) => i !== 4).map((i) => i.rel));
    assert.deepEqual(batches.flatMap((b) => [...b.labels]), items.filter((_, i) => i !== 4).map((i) => i.label));
    assert.equal(batches[1].failed.length, 1);
    assert.equal(batches[1].failed[0].item, items[4]);
    assert.match(batches[1].failed[0].error, /text file/);
    const per = 8 * 8 * 3;
    assert.equal(batches[1].x.length, 2 * per);
    const item5 = await loadImageTensorData(items[5].path, opts, true); // packed right after item 3, flipped
    assert.deepEqual(batches[1].x.subarray(per, 2 * per), item5);
    assert.deepEqual(batches[0].x.subarray(0, per), await loadImageTensorData(items[0].path, opts, false));
  });

  /** A decoder that records how many decodes started and how many run at once. */
  function probe(delayMs: number) {
    const state = { started: 0, running: 0, maxRunning: 0 };
    const decoder: ItemDecoder = async (item, _flip, out, offset) => {
      state.started++; state.running++;
      state.maxRunning = Math.max(state.maxRunning, state.running);
      await new Promise((r) => setTimeout(r, delayMs));
      out[offset] = item.label;
      state.running--;
    };
    return { state, decoder };
  }
  const fakeItems = (n: number): ImageItem[] => Array.from({ length: n }, (_, i) => ({ path: `/none/${i}`, rel: `${i}`, label: i, className: 'c', patient: `${i}` }));

  test('decodes at most `prefetch` batches ahead, with bounded concurrency', async () => {
    const { state, decoder } = probe(5);
    const it = new BatchLoader(fakeItems(40), 4, { imageSize: 1, normalization: 'imagenet', prefetch: 2, concurrency: 3, decoder })[Symbol.asyncIterator]();
    assert.equal(state.started, 0, 'nothing is decoded before it is asked for');
    const first = await it.next();
    assert.equal(first.done, false);
    await new Promise((r) => setTimeout(r, 80)); // a slow consumer
    assert.equal(state.started, 12, 'batch 0 + 2 ahead');
    await it.next();
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(state.started, 16);
    let n = 2;
    while (!(await it.next()).done) n++;
    assert.equal(n, 10);
    assert.equal(state.started, 40);
    assert.ok(state.maxRunning <= 3 && state.maxRunning >= 2, `max in flight ${state.maxRunning}`);
  });

  test('abort rejects the pending batch at once and starts nothing new; the listener is removed', async () => {
    const { state, decoder } = probe(300);
    const ac = new AbortController();
    const loader = new BatchLoader(fakeItems(40), 4, { imageSize: 1, normalization: 'imagenet', concurrency: 2, signal: ac.signal, decoder });
    const it = loader[Symbol.asyncIterator]();
    const pending = it.next();
    setTimeout(() => ac.abort(), 20);
    const t0 = performance.now();
    await assert.rejects(pending, (e: Error) => e.name === 'AbortError');
    assert.ok(performance.now() - t0 < 150, 'rejects well before the 300 ms decode ends');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(state.started, 2, 'only the decodes already running');
    await assert.rejects(it.next(), (e: Error) => e.name === 'AbortError');
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0);

    const done = new AbortController();
    await collect(new BatchLoader(fakeItems(5), 2, { imageSize: 1, normalization: 'imagenet', signal: done.signal, decoder: probe(0).decoder }));
    assert.equal(getEventListeners(done.signal, 'abort').length, 0, 'a finished loader leaves no listener on the run signal');
  });

  test('breaking out of the loop stops decoding', async () => {
    const { state, decoder } = probe(5);
    for await (const b of new BatchLoader(fakeItems(100), 5, { imageSize: 1, normalization: 'imagenet', prefetch: 1, decoder })) {
      assert.equal(b.x[0], 0);
      break;
    }
    await new Promise((r) => setTimeout(r, 60));
    assert.ok(state.started <= 10, `started ${state.started}`);
  });
});

test('real CXR PNGs stream through at 64 px', { skip: skipUnlessShared(SHARED_CXR) }, async () => {
  const scan = await scanDataset(path.join(SHARED_CXR), { verify: false });
  const items = scan.items.filter((_, i) => i % 60 === 0);
  let n = 0;
  for await (const b of new BatchLoader(items, 8, { imageSize: 64, normalization: 'imagenet' })) {
    assert.equal(b.failed.length, 0);
    assert.equal(b.x.length, b.items.length * 64 * 64 * 3);
    for (let i = 0; i < b.x.length; i += 3) {
      const v = [0, 1, 2].map((c) => b.x[i + c] * IMAGENET_STD[c] + IMAGENET_MEAN[c]); // back to [0, 1]
      assert.ok(v[0] >= -1e-6 && v[0] <= 1 + 1e-6, `value ${v[0]}`);
      assert.ok(Math.abs(v[0] - v[1]) < 1e-5 && Math.abs(v[0] - v[2]) < 1e-5, 'grey replicated to 3 channels');
    }
    n += b.items.length;
  }
  assert.equal(n, items.length);
});
