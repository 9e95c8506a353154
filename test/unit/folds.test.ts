import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { assignFolds, foldSplit } from '../../src/engine/dataset/folds';
import { patientsInSeveralSplits } from '../../src/engine/dataset/split';
import type { DatasetScan, ImageItem, SplitName } from '../../src/engine/dataset/scan';
import { DatasetError } from '../../src/engine/errors';
import { createRng } from '../../src/engine/random';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'folds');

interface FoldFixture { sklearn: string; k: number; groups: string[]; labels: number[]; folds: number[] }

/** A scan of `patients` patients; patient p has 1–`maxImages` images, mostly of one class (seeded). */
function fakeScan(patients: number, classes: number, maxImages: number, seed: number, preset?: (i: number) => SplitName): DatasetScan {
  const rng = createRng(seed);
  const names = Array.from({ length: classes }, (_, c) => `class${c}`);
  const items: ImageItem[] = [];
  for (let p = 0; p < patients; p++) {
    const main = p % classes; // every class gets patients
    const n = 1 + rng.int(maxImages);
    for (let j = 0; j < n; j++) {
      const label = rng.next() < 0.1 ? rng.int(classes) : main;
      const rel = `${names[label]}/p${String(p).padStart(3, '0')}-${j}.png`;
      const presetSplit = preset?.(items.length);
      items.push({ path: `/data/${rel}`, rel, label, className: names[label], patient: `p${p}`, ...(presetSplit ? { presetSplit } : {}) });
    }
  }
  items.sort((a, b) => (a.rel < b.rel ? -1 : 1));
  return {
    root: '/data', layout: preset ? 'split-folders' : 'class-folders', classes: names, items, excluded: [], hash: 'x', patientSource: 'pattern',
    health: { issues: [], perClass: {}, channels: {}, formats: {}, size: { minWidth: 0, maxWidth: 0, minHeight: 0, maxHeight: 0, meanWidth: 0, meanHeight: 0 } },
  };
}

const perClass = (items: ImageItem[], n: number) => Array.from({ length: n }, (_, c) => items.filter((i) => i.label === c).length);

describe('assignFolds', () => {
  const cases = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
  test('fixtures exist', () => assert.ok(cases.length >= 4, `${cases.length} fold fixtures in ${FIXTURES}`));
  for (const file of cases) {
    test(`equals scikit-learn's StratifiedGroupKFold(shuffle=False): ${file}`, () => {
      const fx = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as FoldFixture;
      const items = fx.groups.map((patient, i) => ({ patient, label: fx.labels[i] }));
      assert.deepEqual(assignFolds(items, { k: fx.k }), fx.folds);
    });
  }

  test('a seed permutes the patient order: deterministic per seed, different across seeds, still grouped', () => {
    const scan = fakeScan(80, 3, 4, 1);
    const a = assignFolds(scan.items, { k: 5, shuffleSeed: 7 });
    assert.deepEqual(assignFolds(scan.items, { k: 5, shuffleSeed: 7 }), a);
    assert.notDeepEqual(assignFolds(scan.items, { k: 5, shuffleSeed: 8 }), a);
    const foldOf = new Map<string, number>();
    scan.items.forEach((it, i) => {
      assert.equal(foldOf.get(it.patient) ?? a[i], a[i], `patient ${it.patient} in one fold`);
      foldOf.set(it.patient, a[i]);
    });
  });

  test('refuses fewer than 2 folds and more folds than patients, in one sentence', () => {
    const items = [{ patient: 'a', label: 0 }, { patient: 'b', label: 1 }, { patient: 'b', label: 1 }];
    assert.throws(() => assignFolds(items, { k: 1 }), (e: Error) => e instanceof DatasetError && /at least 2/.test(e.message));
    assert.throws(() => assignFolds(items, { k: 3 }), (e: Error) => e instanceof DatasetError && /needs at least 3 patients.*has 2/.test(e.message));
  });
});

describe('foldSplit', () => {
  const k = 5;
  const scan = fakeScan(120, 3, 4, 2);
  const splits = Array.from({ length: k }, (_, index) => foldSplit(scan, { k, index, seed: 42, valFraction: 0.2 }));

  test('each fold partitions the dataset with no patient in two parts', () => {
    for (const s of splits) {
      const all = [...s.train, ...s.val, ...s.test].map((i) => i.rel).sort();
      assert.deepEqual(all, scan.items.map((i) => i.rel).sort());
      assert.deepEqual(patientsInSeveralSplits(s), []);
      assert.ok(s.val.length > 0 && s.train.length > s.val.length);
    }
  });

  test('the test parts are disjoint and cover every image once (out-of-fold predictions pool)', () => {
    const tested = splits.flatMap((s) => s.test.map((i) => i.rel)).sort();
    assert.deepEqual(tested, scan.items.map((i) => i.rel).sort());
  });

  test('stratified: each fold holds about 1/k of every class (within the largest patient) and validation about 20 % of the rest', () => {
    const total = perClass(scan.items, 3);
    const largest = Math.max(...[...new Set(scan.items.map((i) => i.patient))].map((p) => scan.items.filter((i) => i.patient === p).length));
    for (const s of splits) {
      perClass(s.test, 3).forEach((n, c) => assert.ok(Math.abs(n - total[c] / k) <= largest, `class ${c}: ${n} test images, expected about ${total[c] / k}`));
      const rest = perClass([...s.train, ...s.val], 3);
      perClass(s.val, 3).forEach((n, c) => assert.ok(Math.abs(n - 0.2 * rest[c]) <= largest, `class ${c}: ${n} validation images of ${rest[c]}`));
    }
  });

  test('deterministic: the same seed gives the same split, another seed another', () => {
    const again = foldSplit(scan, { k, index: 2, seed: 42, valFraction: 0.2 });
    const rels = (s: typeof again) => [s.train, s.val, s.test].map((l) => l.map((i) => i.rel));
    assert.deepEqual(rels(again), rels(splits[2]));
    assert.notDeepEqual(rels(foldSplit(scan, { k, index: 2, seed: 43, valFraction: 0.2 })), rels(splits[2]));
  });

  test('train/val/test folders are pooled, said so, and the items keep their identity', () => {
    const presetScan = fakeScan(60, 2, 3, 3, (i) => (['train', 'train', 'val', 'test'] as const)[i % 4]);
    const s = foldSplit(presetScan, { k: 3, index: 0, seed: 1, valPerClass: 5 });
    assert.match(s.warnings[0], /pools the train\/val\/test folders/);
    const byRel = new Map(presetScan.items.map((i) => [i.rel, i]));
    for (const it of [...s.train, ...s.val, ...s.test]) assert.equal(it, byRel.get(it.rel));
    assert.deepEqual(patientsInSeveralSplits(s), []);
  });

  test('a fold index out of range is refused', () => {
    assert.throws(() => foldSplit(scan, { k, index: k, seed: 1 }), /folds are 0 to 4/);
  });
});

describe('--folds as a queue', () => {
  test('each architecture × seed once per fold, named <arch>[-seed<k>]-fold<i>, the fold in its config', async () => {
    const { planSweep, memberConfig, isSweep } = await import('../../src/engine/sweep/plan');
    assert.equal(isSweep(['resnet18'], undefined, 5), true);
    assert.equal(isSweep(['resnet18'], undefined, 1), false);
    const plan = planSweep({ archs: ['resnet18', 'vgg16'], seeds: [1, 2], folds: 3 });
    assert.equal(plan.members.length, 12);
    assert.deepEqual(plan.members.slice(0, 4).map((m) => m.name), ['resnet18-seed1-fold1', 'resnet18-seed1-fold2', 'resnet18-seed1-fold3', 'resnet18-seed2-fold1']);
    const c = memberConfig({ folds: 3, epochs: 2 }, plan.members[1], plan.splitSeed);
    assert.deepEqual([c.arch, c.seed, c.splitSeed, c.folds, c.fold], ['resnet18', 1, 1, 3, 2]);
    assert.deepEqual(planSweep({ archs: ['resnet18'] }).members.map((m) => m.name), ['resnet18'], 'no folds: as before');
  });

  test('the config rules: a fold needs folds, and lies in 1…folds', async () => {
    const { resolveTrainConfig } = await import('../../src/engine/train/config');
    assert.deepEqual([resolveTrainConfig({ folds: 5, fold: 5 }).fold, resolveTrainConfig({}).folds], [5, undefined]);
    assert.throws(() => resolveTrainConfig({ folds: 1, fold: 1 }), /folds: must be at least 2/);
    assert.throws(() => resolveTrainConfig({ folds: 3 }), /fold/);
    assert.throws(() => resolveTrainConfig({ fold: 2 }), /fold: needs folds/);
    assert.throws(() => resolveTrainConfig({ folds: 3, fold: 4 }), /fold: must be between 1 and folds \(3\)/);
  });
});
