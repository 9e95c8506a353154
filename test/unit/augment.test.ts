/**
 * Training presets and their augmentations (issue 15): each transform deterministic for a seed, labels kept, values in
 * the normalised range, the geometry right, and the reference preset feeding exactly what it fed before presets.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { scanDataset, type ImageItem } from '../../src/engine/dataset/scan';
import { decodeInto, normalizationTable, type Normalization } from '../../src/engine/dataset/preprocess';
import { BatchLoader } from '../../src/engine/dataset/batchLoader';
import { drawAugment, NO_AUGMENT, type AugmentParams } from '../../src/engine/dataset/augment/params';
import { PRESETS, augmentationRecord } from '../../src/engine/dataset/augment/presets';
import { reflect, warpPixels } from '../../src/engine/dataset/augment/warp';
import { lightingCurve } from '../../src/engine/dataset/augment/lighting';
import { epochInputs } from '../../src/engine/train/epochInputs';
import { epochOrder } from '../../src/engine/train/sampler';
import { resolveTrainConfig } from '../../src/engine/train/config';
import { createRng } from '../../src/engine/random';
import { augmentationSchema } from '../../src/shared/runFiles';

let items: ImageItem[];
const SIZE = 48;
const opts = (normalization: Normalization = 'imagenet') => ({ imageSize: SIZE, normalization });

before(async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-augment-'));
  await generatePhantomDataset(path.join(tmp, 'data'), { perClass: 6, size: 64, classes: 3, seed: 4 });
  items = (await scanDataset(path.join(tmp, 'data'))).items;
});

async function decode(item: ImageItem, flip: boolean, a?: AugmentParams, normalization: Normalization = 'imagenet'): Promise<Float32Array> {
  const out = new Float32Array(SIZE * SIZE * 3);
  await decodeInto(item.path, opts(normalization), flip, out, 0, a);
  return out;
}

const STRONG: Record<string, AugmentParams> = {
  rotate: { ...NO_AUGMENT, rotate: 9 },
  zoom: { ...NO_AUGMENT, zoom: 1.15, cx: 0.2, cy: 0.9 },
  brightness: { ...NO_AUGMENT, brightness: 0.6 },
  contrast: { ...NO_AUGMENT, contrast: 1.25 },
  gamma: { ...NO_AUGMENT, gamma: 0.8 },
};

test('each transform changes the image, the same way every time: deterministic for its parameters', async () => {
  const plain = await decode(items[0], false);
  for (const [name, a] of Object.entries(STRONG)) {
    const x = await decode(items[0], false, a), y = await decode(items[0], false, a);
    assert.deepEqual(x, y, `${name}: two decodes differ`);
    assert.notDeepEqual(x, plain, `${name} left the image unchanged`);
  }
  assert.deepEqual(await decode(items[0], true, NO_AUGMENT), await decode(items[0], true), 'no augmentation drawn: exactly the plain (flipped) input');
});

test('the strengths drawn are a function of the seed: same seed, same draws; another seed, other draws', () => {
  const t = PRESETS.recommended.transforms;
  const draw = (seed: number) => Array.from({ length: 50 }, ((r) => () => drawAugment(t, r))(createRng(seed).fork('augment:0')));
  assert.deepEqual(draw(7), draw(7));
  assert.notDeepEqual(draw(7), draw(8));
  const all = draw(7);
  for (const spec of t.filter((s) => s.name !== 'hflip')) {
    const key = spec.name === 'zoom' ? 'zoom' : spec.name as keyof AugmentParams;
    const applied = all.filter((a) => a[key] !== NO_AUGMENT[key]);
    assert.ok(applied.length > 25 && applied.length < 50, `${spec.name} applied to ${applied.length} of 50 (p ${spec.p})`);
    for (const a of applied) assert.ok(a[key] >= spec.min! && a[key] <= spec.max!, `${spec.name} ${a[key]} outside [${spec.min}, ${spec.max}]`);
  }
});

test('augmented values stay in the normalised range of every normalisation', async () => {
  const rng = createRng(3).fork('range');
  for (const n of ['imagenet', 'minus1to1', 'caffe'] as const) {
    const t = normalizationTable(n);
    const lo = [0, 1, 2].map((c) => Math.min(t[c * 256], t[c * 256 + 255])), hi = [0, 1, 2].map((c) => Math.max(t[c * 256], t[c * 256 + 255]));
    for (const item of items.slice(0, 6)) {
      for (const a of [...Object.values(STRONG), drawAugment(PRESETS.recommended.transforms, rng), { ...NO_AUGMENT, brightness: 0.99, contrast: 3, gamma: 0.3 }]) {
        const x = await decode(item, rng.next() < 0.5, a, n);
        for (let i = 0; i < x.length; i++) {
          const c = i % 3;
          assert.ok(x[i] >= lo[c] - 1e-5 && x[i] <= hi[c] + 1e-5, `${n} channel ${c}: ${x[i]} outside [${lo[c]}, ${hi[c]}]`);
        }
      }
    }
  }
});

test('augmentation keeps every image with its label: the epoch order and flips do not depend on the preset', async () => {
  const rng = createRng(11);
  const ref = epochInputs(items, { sampler: 'weighted', preset: 'reference' }, rng, 2);
  const rec = epochInputs(items, { sampler: 'weighted', preset: 'recommended' }, rng, 2);
  assert.deepEqual(rec.order, ref.order);
  assert.deepEqual(rec.flips, ref.flips);
  assert.equal(ref.augment, undefined);
  assert.equal(rec.augment!.length, rec.order.length);
  const seen: number[] = [];
  for await (const b of new BatchLoader(rec.order, 5, { ...opts(), flips: rec.flips, augment: rec.augment })) seen.push(...b.labels);
  assert.deepEqual(seen, rec.order.map((it) => it.label));
});

test('the reference preset feeds the batches it fed before presets: same order, flips and pixels for a seed', async () => {
  const rng = createRng(5);
  for (const epoch of [0, 3]) {
    // The recipe as the trainer spelled it before presets: sampler and flip streams keyed by epoch, p 0.5.
    const order = epochOrder(items, 'weighted', rng.fork(`sampler:${epoch}`));
    const flipRng = rng.fork(`flip:${epoch}`);
    const flips = order.map(() => flipRng.next() < 0.5);
    const now = epochInputs(items, resolveTrainConfig({}), rng, epoch);
    assert.deepEqual(now.order, order);
    assert.deepEqual(now.flips, flips);
    assert.equal(now.augment, undefined);
    const before: Float32Array[] = [], after: Float32Array[] = [];
    for await (const b of new BatchLoader(order, 4, { ...opts(), flips })) before.push(b.x);
    for await (const b of new BatchLoader(now.order, 4, { ...opts(), flips: now.flips, augment: now.augment })) after.push(b.x);
    assert.deepEqual(after, before);
  }
  assert.equal(resolveTrainConfig({}).preset, 'reference');
});

test('the warp: 90° turns the image counter-clockwise, zoom 1 and no turn is the identity, a flip mirrors', () => {
  const w = 4, h = 4;
  const data = Uint8Array.from({ length: w * h }, (_, i) => i * 10);
  const src = { data, width: w, height: h, channels: 1 };
  const at = (p: { data: Uint8Array }, x: number, y: number) => p.data[y * w + x];
  assert.deepEqual(warpPixels(src, NO_AUGMENT, false).data, data);
  const turned = warpPixels(src, { ...NO_AUGMENT, rotate: 90 }, false);
  // counter-clockwise: the source's right column becomes the top row
  for (let x = 0; x < w; x++) assert.equal(at(turned, x, 0), at(src, w - 1, x));
  const flipped = warpPixels(src, NO_AUGMENT, true);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) assert.equal(at(flipped, x, y), at(src, w - 1 - x, y));
  // torch's grid_sample 'reflection' (align_corners False): mirrored about the outer pixel edges -0.5 and n - 0.5
  assert.equal(reflect(-1.5, 4), 0.5);
  assert.equal(reflect(4.5, 4), 2.5);
  assert.equal(reflect(-0.25, 4), 0);
});

test('lighting curves stay in (0, 1), are monotone, and do what their names say', () => {
  const id = lightingCurve(NO_AUGMENT);
  id.forEach((x, v) => assert.equal(x, v / 255));
  const brighter = lightingCurve({ ...NO_AUGMENT, brightness: 0.6 });
  const steeper = lightingCurve({ ...NO_AUGMENT, contrast: 1.25 });
  const gamma = lightingCurve({ ...NO_AUGMENT, gamma: 0.8 });
  for (let v = 1; v < 255; v++) {
    for (const c of [brighter, steeper, gamma]) assert.ok(c[v] > 0 && c[v] < 1 && c[v] > c[v - 1]);
    assert.ok(brighter[v] > id[v] && gamma[v] > id[v], `value ${v}`);
    assert.ok(v < 128 ? steeper[v] < id[v] + 1e-12 : steeper[v] > id[v] - 1e-12, `contrast at ${v}`);
  }
});

test("run.json's augmentation record of each preset passes its schema; the recommended preset defaults to one-cycle at 5e-4, label smoothing 0.1, weight decay 0.05", () => {
  for (const p of ['reference', 'recommended'] as const) augmentationSchema.parse(augmentationRecord(p));
  const rec = resolveTrainConfig({ preset: 'recommended' });
  assert.deepEqual([rec.lr, rec.scheduler, rec.labelSmoothing, rec.weightDecay], [5e-4, 'onecycle', 0.1, 0.05]);
  const mine = resolveTrainConfig({ preset: 'recommended', lr: 3e-4, scheduler: 'cosine', labelSmoothing: 0, weightDecay: 0 });
  assert.deepEqual([mine.lr, mine.scheduler, mine.labelSmoothing, mine.weightDecay], [3e-4, 'cosine', 0, 0], 'explicit options win over the preset');
  const ref = resolveTrainConfig({});
  assert.deepEqual([ref.lr, ref.scheduler, ref.labelSmoothing, ref.weightDecay], [1e-4, 'step', undefined, undefined], 'the reference recipe is unchanged');
  assert.throws(() => resolveTrainConfig({ preset: 'fancy' as never }), /preset/);
});
