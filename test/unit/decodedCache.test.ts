/**
 * The decoded-image cache (src/engine/dataset/decodedCache.ts): the network input is identical with and without it,
 * cold and warm; it is keyed by content (a copy hits, a replaced file misses); small sources are not stored; a broken
 * entry is a miss; past its bound the least recently used entries go; a cache that cannot be written costs nothing
 * but the decode.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeEach, test } from 'node:test';
import sharp from 'sharp';
import { decodedCacheFor, DecodedImageCache } from '../../src/engine/dataset/decodedCache';
import { decodeInto, type PreprocessOptions } from '../../src/engine/dataset/preprocess';

const SIZE = 64;
let tmp = '';
beforeEach(async () => { tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-decoded-cache-')); });

/** A grey (or RGB) image with structure everywhere, so a wrong resize or a stale entry shows. */
async function image(name: string, px: number, seed: number, channels: 1 | 3 = 1, format: 'png' | 'jpeg' = 'png'): Promise<string> {
  const data = Buffer.alloc(px * px * channels);
  for (let i = 0; i < data.length; i++) data[i] = (Math.imul(i + seed * 7919, 2654435761) >>> 24) ^ ((i / channels) % px);
  const file = path.join(tmp, name);
  const img = sharp(data, { raw: { width: px, height: px, channels } });
  await (format === 'png' ? img.png() : img.jpeg({ quality: 90 })).toFile(file);
  return file;
}

async function input(file: string, opts: PreprocessOptions, flip = false): Promise<Float32Array> {
  const out = new Float32Array(SIZE * SIZE * 3);
  await decodeInto(file, opts, flip, out, 0);
  return out;
}

const base = { imageSize: SIZE, normalization: 'imagenet' as const };
const entries = async (dir: string) => (await fs.readdir(dir, { recursive: true }).catch(() => [] as string[])).filter((f) => f.endsWith('.px')).sort();

test('the same network input with and without the cache, cold and warm, grey and colour, JPEG and PNG', async () => {
  const cache = new DecodedImageCache(path.join(tmp, 'cache'));
  for (const [name, channels, format] of [['grey.png', 1, 'png'], ['rgb.jpg', 3, 'jpeg']] as const) {
    const file = await image(name, 512, 1, channels, format);
    for (const flip of [false, true]) {
      const plain = await input(file, base, flip);
      assert.deepEqual(await input(file, { ...base, cache }, flip), plain, `${name} flip=${flip}: first use`);
      assert.deepEqual(await input(file, { ...base, cache }, flip), plain, `${name} flip=${flip}: from the cache`);
    }
  }
  // Per image: the first call decodes; the flipped ones and the second calls read the entry (flips come after it).
  assert.deepEqual(cache.stats, { hits: 6, misses: 2, stored: 2, evicted: 0 });
  assert.equal((await entries(cache.dir)).length, 2);
  const [entry] = await entries(cache.dir);
  assert.match(entry!, /^[0-9a-f]{2}\/[0-9a-f]{40}-64\.px$/, 'sha1 of the content and the size');
});

test('keyed by content: a copy hits, a file replaced under the same name misses; another size is another entry', async () => {
  const cache = new DecodedImageCache(path.join(tmp, 'cache'));
  const a = await image('a.png', 400, 1);
  await input(a, { ...base, cache });
  const copy = path.join(tmp, 'copy-of-a.png');
  await fs.copyFile(a, copy);
  await input(copy, { ...base, cache });
  assert.equal(cache.stats.hits, 1, 'the copy hits');
  await fs.rm(a);
  const replaced = await image('a.png', 400, 2); // same name, other pixels (and inode)
  const fresh = await input(replaced, base);
  assert.deepEqual(await input(replaced, { ...base, cache }), fresh, 'the new content, not the old entry');
  assert.equal(cache.stats.misses, 2);
  const out = new Float32Array(32 * 32 * 3);
  await decodeInto(replaced, { imageSize: 32, normalization: 'imagenet', cache }, false, out, 0);
  assert.ok((await entries(cache.dir)).some((e) => e.endsWith('-32.px')), 'a 32-px entry beside the 64-px ones');
});

test('a small source is decoded every time and never stored', async () => {
  const cache = new DecodedImageCache(path.join(tmp, 'cache'));
  const small = await image('small.png', 100, 3); // 100² < 4 × 64²
  const plain = await input(small, base);
  assert.deepEqual(await input(small, { ...base, cache }), plain);
  assert.deepEqual(await input(small, { ...base, cache }), plain);
  assert.deepEqual(await entries(cache.dir), []);
  assert.equal(cache.stats.stored, 0);
});

test('a truncated or foreign entry is a miss, then replaced', async () => {
  const cache = new DecodedImageCache(path.join(tmp, 'cache'));
  const file = await image('x.png', 300, 4);
  const plain = await input(file, base);
  await input(file, { ...base, cache });
  const [entry] = await entries(cache.dir);
  const full = path.join(cache.dir, entry!);
  const bytes = await fs.readFile(full);
  await fs.writeFile(full, bytes.subarray(0, bytes.length - 10));
  const again = new DecodedImageCache(cache.dir); // a new process: nothing remembered
  assert.deepEqual(await input(file, { ...base, cache: again }), plain);
  assert.deepEqual([again.stats.hits, again.stats.misses, again.stats.stored], [0, 1, 1]);
  assert.equal((await fs.stat(full)).size, bytes.length, 'stored whole again');
  await fs.writeFile(full, Buffer.concat([Buffer.from('NOTPIXEL'), bytes.subarray(8)]));
  assert.deepEqual(await input(file, { ...base, cache: new DecodedImageCache(cache.dir) }), plain);
});

test('bounded: past the bound the least recently used entries go', async () => {
  const files = await Promise.all([0, 1, 2, 3].map((i) => image(`f${i}.png`, 300, 10 + i)));
  const probe = new DecodedImageCache(path.join(tmp, 'probe'));
  await input(files[0]!, { ...base, cache: probe });
  const entryBytes = (await fs.stat(path.join(probe.dir, (await entries(probe.dir))[0]!))).size;
  const cache = new DecodedImageCache(path.join(tmp, 'cache'), 3.5 * entryBytes);
  for (const f of files.slice(0, 3)) await input(f, { ...base, cache });
  // Used again, f0 is now the most recent; f1 is the least recent.
  await new Promise((r) => setTimeout(r, 20));
  await input(files[0]!, { ...base, cache });
  await new Promise((r) => setTimeout(r, 50)); // the touch is not awaited
  await input(files[3]!, { ...base, cache });
  const left = await entries(cache.dir);
  assert.ok(left.length * entryBytes <= 3.5 * entryBytes, `${left.length} entries within the bound`);
  assert.equal(cache.stats.evicted, 4 - left.length);
  const survivors = new DecodedImageCache(cache.dir, 100 * entryBytes);
  await input(files[0]!, { ...base, cache: survivors });
  await input(files[1]!, { ...base, cache: survivors });
  assert.deepEqual([survivors.stats.hits, survivors.stats.misses], [1, 1], 'f0 (recently used) kept, f1 (least recent) evicted');
});

test('a cache that cannot be written costs only the decode', async () => {
  const blocker = path.join(tmp, 'not-a-folder');
  await fs.writeFile(blocker, 'a file where the cache folder would be');
  const cache = new DecodedImageCache(path.join(blocker, 'decoded'));
  const file = await image('y.png', 300, 5);
  assert.deepEqual(await input(file, { ...base, cache }), await input(file, base));
  assert.equal(cache.stats.stored, 0);
});

test('where a run\'s cache lives, and how to turn it off or bound it', () => {
  const ws = path.join(tmp, 'ws');
  assert.equal(decodedCacheFor(path.join(ws, '.cxr-lab', 'runs', '20261130-000000-resnet18'), {})?.dir, path.join(ws, '.cxr-lab', 'cache', 'decoded'));
  assert.equal(decodedCacheFor(path.join(tmp, 'elsewhere', 'my-run'), {})?.dir, path.join(tmp, 'elsewhere', '.cxr-lab', 'cache', 'decoded'));
  assert.equal(decodedCacheFor(path.join(ws, '.cxr-lab', 'runs', 'r'), { CXR_LAB_DECODE_CACHE: '0' }), undefined);
  assert.equal(decodedCacheFor(path.join(ws, '.cxr-lab', 'runs', 'r'), { CXR_LAB_DECODE_CACHE_MB: '10' })?.maxBytes, 10 * 2 ** 20);
  assert.equal(decodedCacheFor(path.join(ws, '.cxr-lab', 'runs', 'a'), {}), decodedCacheFor(path.join(ws, '.cxr-lab', 'runs', 'b'), {}), 'one instance per folder');
});
