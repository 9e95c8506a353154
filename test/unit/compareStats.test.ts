/**
 * The paired statistics of `cxr-lab compare` against scipy and scikit-learn (fixtures written by
 * test/fixtures/make_paired_fixtures.py): McNemar's exact test = scipy.stats.binomtest(b, b + c, 0.5).pvalue, and the
 * paired patient-cluster bootstrap of the macro-F1 and macro-AUC differences on resamples drawn by the script.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { binomTestTwoSidedHalf, mcnemarExact } from '../../src/engine/compare/mcnemar';
import { pairedBootstrap } from '../../src/engine/compare/pairedBootstrap';

const DIR = path.resolve('test/fixtures/paired');

interface McNemarCase { b: number; c: number; p: number; correctA?: boolean[]; correctB?: boolean[] }

/** Relative agreement, with an absolute floor for p-values that underflow to 0 in both. */
const close = (actual: number, expected: number, rel = 1e-9) => Math.abs(actual - expected) <= rel * Math.max(Math.abs(expected), 1e-300);

test('McNemar exact p equals scipy.stats.binomtest(b, b + c, 0.5).pvalue on every fixture case', () => {
  const { cases } = JSON.parse(readFileSync(path.join(DIR, 'mcnemar.json'), 'utf8')) as { cases: McNemarCase[] };
  assert.ok(cases.length >= 20);
  for (const c of cases) {
    const p = binomTestTwoSidedHalf(c.b, c.b + c.c);
    assert.ok(close(p, c.p), `b ${c.b}, c ${c.c}: ${p} vs scipy ${c.p}`);
    if (c.correctA && c.correctB) {
      const r = mcnemarExact(c.correctA, c.correctB);
      assert.deepEqual([r.b, r.c], [c.b, c.c], 'b and c counted from the correctness arrays');
      assert.ok(close(r.p, c.p), `${r.p} vs scipy ${c.p}`);
    }
  }
});

test('McNemar: no discordant image gives p = 1 (scipy refuses n = 0); symmetric in b and c; bad counts refused', () => {
  assert.deepEqual(mcnemarExact([true, false], [true, false]), { b: 0, c: 0, p: 1 });
  assert.equal(binomTestTwoSidedHalf(4, 17), binomTestTwoSidedHalf(13, 17));
  assert.throws(() => binomTestTwoSidedHalf(5, 4), /0 ≤ k ≤ n/);
  assert.throws(() => mcnemarExact([true], [true, false]), /same images/);
});

interface BootstrapCase {
  name: string; classes: string[]; labels: number[]; clusters: string[]; probabilitiesA: number[][]; probabilitiesB: number[][];
  drawnCounts: number[][]; macroF1A: number; macroF1B: number; macroAucA: number; macroAucB: number;
  intervalF1: [number, number]; intervalAuc: [number, number];
}

const argMax = (row: number[]) => row.indexOf(Math.max(...row));

for (const file of readdirSync(DIR).filter((f) => f.startsWith('bootstrap_'))) {
  const c = JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as BootstrapCase;
  test(`paired bootstrap on the script's resamples equals scikit-learn + numpy: ${c.name}`, () => {
    const side = (probabilities: number[][]) => ({ probabilities, predicted: probabilities.map(argMax) });
    const r = pairedBootstrap({
      labels: c.labels, classes: c.classes, a: side(c.probabilitiesA), b: side(c.probabilitiesB),
      clusters: c.clusters, seed: 1, drawnCounts: c.drawnCounts,
    });
    const near = (a: number | null | undefined, b: number, what: string) => assert.ok(a !== null && a !== undefined && Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);
    near(r.macroF1.a, c.macroF1A, 'macro-F1 A');
    near(r.macroF1.b, c.macroF1B, 'macro-F1 B');
    near(r.macroF1.difference, c.macroF1A - c.macroF1B, 'macro-F1 difference');
    near(r.macroAuc.difference, c.macroAucA - c.macroAucB, 'macro AUC difference');
    near(r.macroF1.interval?.low, c.intervalF1[0], 'F1 interval low');
    near(r.macroF1.interval?.high, c.intervalF1[1], 'F1 interval high');
    near(r.macroAuc.interval?.low, c.intervalAuc[0], 'AUC interval low');
    near(r.macroAuc.interval?.high, c.intervalAuc[1], 'AUC interval high');
    assert.equal(r.resamples, c.drawnCounts.length);
    assert.equal(r.unit, 'patient');
    assert.equal(r.clusters, new Set(c.clusters).size);
  });
}

test('paired bootstrap: seeded and reproducible; a model against itself differs by exactly 0', () => {
  const c = JSON.parse(readFileSync(path.join(DIR, 'bootstrap_patients_3_classes.json'), 'utf8')) as BootstrapCase;
  const side = (probabilities: number[][]) => ({ probabilities, predicted: probabilities.map(argMax) });
  const input = { labels: c.labels, classes: c.classes, a: side(c.probabilitiesA), b: side(c.probabilitiesB), clusters: c.clusters, resamples: 400 };
  const one = pairedBootstrap({ ...input, seed: 3 }), again = pairedBootstrap({ ...input, seed: 3 }), other = pairedBootstrap({ ...input, seed: 4 });
  assert.deepEqual(one, again);
  assert.notDeepEqual(one.macroF1.interval, other.macroF1.interval);
  assert.ok(one.macroF1.interval!.low <= one.macroF1.difference! && one.macroF1.difference! <= one.macroF1.interval!.high);
  const self = pairedBootstrap({ ...input, b: input.a, seed: 3 });
  assert.deepEqual([self.macroF1.difference, self.macroF1.interval?.low, self.macroF1.interval?.high], [0, 0, 0]);
  assert.deepEqual([self.macroAuc.difference, self.macroAuc.interval?.low, self.macroAuc.interval?.high], [0, 0, 0]);
  // Resampling images instead of patients: every image its own cluster.
  const byImage = pairedBootstrap({ ...input, clusters: undefined, seed: 3 });
  assert.equal(byImage.unit, 'image');
  assert.equal(byImage.clusters, c.labels.length);
});
