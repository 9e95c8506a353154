/**
 * `compare` of a cross-validation sweep (`--folds k`) over run files: per architecture the mean ± sd over its folds
 * and the pooled out-of-fold metrics, against scikit-learn / numpy on test/fixtures/cv (make_cv_fixtures.py); the
 * pooled numbers equal scoring the concatenated predictions with the evaluation's own code; folds of one architecture
 * are not paired (with the sentence why), the two architectures' pooled predictions are; a missing fold and overlapping
 * test sets are said; the CLI text, the report section and the view's rows show the summary.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { formatComparison } from '../../src/cli/compareOutput';
import { compareRunSet } from '../../src/engine/jobs/compare';
import { foldSpread } from '../../src/engine/compare/crossValidation';
import { scorePredictions } from '../../src/engine/metrics/scorePredictions';
import { crossValidationSection } from '../../src/engine/report/sections/crossValidation';
import { formatMeanSd, formatValueWithInterval, type CrossValidationGroup } from '../../src/shared/compare';
import { formatWithInterval } from '../../src/shared/format';
import { RUN_FILES, RUN_LAYOUT_VERSION, SWEEP_FILES, evalMetricValue, type EvalFile, type RunInfo, type SweepFile } from '../../src/shared/runFiles';
import { crossValidationRows } from '../../src/webview/compare/state';
import { meta, tempWorkspace, writeRun } from '../fakes/runFixtures';

interface Scores { accuracy: number; macroF1: number; macroAuc: number; perClassF1: number[]; perClassAuc: number[] }
interface Fixture {
  classes: string[];
  folds: number;
  images: { file: string; rel: string; label: number; patient: string }[][];
  archs: Record<string, {
    probabilities: number[][][]; perFold: Scores[]; pooled: Scores;
    spread: Record<'accuracy' | 'macroF1' | 'macroAuc', { mean: number; sd: number }>; perClassF1Spread: { mean: number; sd: number }[];
  }>;
  pooledMcNemar: { b: number; c: number; p: number };
}
const FX = JSON.parse(readFileSync(path.resolve('test/fixtures/cv/cross_validation.json'), 'utf8')) as Fixture;
const ARCHS = Object.keys(FX.archs);
const RESAMPLES = 200;
const quiet = () => {};
const close = (actual: number | null | undefined, expected: number, what: string, tol = 1e-12) =>
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) <= tol, `${what}: ${actual} ≠ ${expected}`);

let ws: string;
before(() => { ws = tempWorkspace(); });
after(() => rm(ws, { recursive: true, force: true }));

/** eval/test.json of one fold, scored by the engine's own scorer (as the evaluate job writes it). */
function writeEval(runDir: string, runId: string, images: Fixture['images'][number], probabilities: number[][]): void {
  const scored = scorePredictions({ labels: images.map((i) => i.label), probabilities, classes: FX.classes, seed: 1, patients: images.map((i) => i.patient), resamples: RESAMPLES });
  const file: EvalFile = {
    format: RUN_LAYOUT_VERSION, name: 'test', runId, checkpoint: { which: 'best', ...meta(2, 0.5) }, createdAt: '2026-12-01T00:00:00Z', loss: 0.5,
    ...scored.report, metrics: scored.metrics, intervals: scored.intervals, bootstrap: scored.bootstrap,
    predictions: images.map((im, i) => ({ ...im, predicted: scored.predicted[i], probabilities: probabilities[i] })), skipped: [],
  };
  mkdirSync(path.join(runDir, RUN_FILES.eval), { recursive: true });
  writeFileSync(path.join(runDir, RUN_FILES.eval, 'test.json'), JSON.stringify(file));
}

/**
 * A cross-validation queue as `train --folds k` writes it: sweep.json with a member per arch × fold, each run's
 * config with folds and fold, each fold's test evaluation. `folds` picks the folds written (default all).
 */
function writeCvSweep(name: string, o: { folds?: number[]; images?: (fold: number) => Fixture['images'][number] } = {}): string {
  const dir = path.join(ws, name);
  const folds = o.folds ?? Array.from({ length: FX.folds }, (_, i) => i + 1);
  const members: SweepFile['members'] = [];
  for (const arch of ARCHS) {
    for (const fold of folds) {
      const member = `${arch}-fold${fold}`;
      const runDir = writeRun(ws, { id: member, arch, status: 'completed', createdAt: '2026-12-01T00:00:00Z', checkpoints: { best: meta(2, 0.5) }, dir: path.join(dir, member), seed: 1, splitSeed: 1 });
      const file = path.join(runDir, RUN_FILES.run);
      const info = JSON.parse(readFileSync(file, 'utf8')) as RunInfo;
      writeFileSync(file, JSON.stringify({ ...info, best: meta(2, 0.5), config: { ...info.config, folds: FX.folds, fold } }));
      writeEval(runDir, member, o.images?.(fold) ?? FX.images[fold - 1], FX.archs[arch].probabilities[fold - 1]);
      members.push({ name: member, arch, seed: 1, fold, runDir: member, status: 'completed' });
    }
  }
  const sweep: SweepFile = {
    format: RUN_LAYOUT_VERSION, id: name, createdAt: '2026-12-01T00:00:00Z', updatedAt: '2026-12-01T00:00:00Z', status: 'completed', dataset: '/data',
    config: { epochs: 2, folds: FX.folds }, splitSeed: 1, archs: ARCHS, seeds: [1], members, executor: 'local',
  };
  writeFileSync(path.join(dir, SWEEP_FILES.sweep), JSON.stringify(sweep));
  return dir;
}

const group = (groups: readonly CrossValidationGroup[], label: string) => groups.find((g) => g.label === label)!;

test('mean ± sd over the folds: each fold\'s accuracy, macro-F1, macro AUC and per-class F1 as scikit-learn scores them, numpy\'s mean and std(ddof=1)', async () => {
  const { result } = await compareRunSet({ runs: [writeCvSweep('cv-all')], evaluate: false, resamples: RESAMPLES, emit: quiet });
  const cv = result.crossValidation!;
  assert.deepEqual(cv.groups.map((g) => g.label), ARCHS, 'one group per architecture, in queue order');
  for (const arch of ARCHS) {
    const g = group(cv.groups, arch), fx = FX.archs[arch];
    assert.deepEqual([g.folds, g.runs.map((r) => r.fold), g.missing], [3, [1, 2, 3], []]);
    assert.deepEqual(g.runs.map((r) => r.label), [1, 2, 3].map((f) => `${arch} fold ${f}`), 'the rows are labelled by fold');
    for (const key of ['accuracy', 'macroF1', 'macroAuc'] as const) {
      fx.perFold.forEach((s, f) => close(g[key].values[f], s[key], `${arch} fold ${f + 1} ${key}`));
      close(g[key].mean, fx.spread[key].mean, `${arch} mean ${key}`);
      close(g[key].sd, fx.spread[key].sd, `${arch} sd ${key}`);
      assert.equal(g[key].n, 3);
    }
    g.perClass.forEach((c, i) => {
      close(c.f1.mean, fx.perClassF1Spread[i].mean, `${arch} ${c.className} F1 mean`);
      close(c.f1.sd, fx.perClassF1Spread[i].sd, `${arch} ${c.className} F1 sd`);
    });
  }
  // The hand computation of the sample sd, and its edge cases.
  const s = foldSpread([0.8, 0.9, null, 1]);
  close(s.mean, 0.9, 'mean of three');
  close(s.sd, 0.1, 'sqrt(((−0.1)² + 0² + 0.1²) / 2)');
  assert.deepEqual([foldSpread([0.7]).sd, foldSpread([]).mean, s.n], [null, null, 3]);
  assert.equal(formatMeanSd({ mean: 0.8123, sd: 0.0456 }), '0.812 ± 0.046');
  assert.equal(formatMeanSd({ mean: 0.8, sd: 0.1155 }, true), '80.0% ± 11.6%');
});

test('pooled out-of-fold: the folds\' test predictions scored once — scikit-learn\'s numbers, and the intervals of scoring the concatenation', async () => {
  const { result } = await compareRunSet({ runs: [writeCvSweep('cv-pooled')], evaluate: false, resamples: RESAMPLES, emit: quiet });
  const cv = result.crossValidation!;
  for (const arch of ARCHS) {
    const pooled = group(cv.groups, arch).pooled!, fx = FX.archs[arch].pooled;
    assert.deepEqual([pooled.images, pooled.patients], [45, new Set(FX.images.flat().map((i) => i.patient)).size]);
    close(pooled.accuracy.value, fx.accuracy, `${arch} pooled accuracy`);
    close(pooled.macroF1.value, fx.macroF1, `${arch} pooled macro-F1`);
    close(pooled.macroAuc.value, fx.macroAuc, `${arch} pooled macro AUC`);
    pooled.perClass.forEach((c, i) => { close(c.f1.value, fx.perClassF1[i], `${arch} ${c.className} pooled F1`); close(c.auc.value, fx.perClassAuc[i], `${arch} ${c.className} pooled AUC`); });
    // The same numbers and intervals as scoring the concatenation directly (same seed: the first fold's run seed).
    const images = FX.images.flat();
    const direct = scorePredictions({
      labels: images.map((i) => i.label), probabilities: FX.archs[arch].probabilities.flat(), classes: FX.classes, seed: 1, patients: images.map((i) => i.patient), resamples: RESAMPLES,
    });
    assert.deepEqual(pooled.accuracy.interval, { low: direct.intervals!.accuracy!.low, high: direct.intervals!.accuracy!.high });
    assert.deepEqual(pooled.macroF1.interval, { low: direct.intervals!.macroF1!.low, high: direct.intervals!.macroF1!.high });
    const aucIv = direct.intervals!.metrics.rocAuc!.macro!;
    assert.deepEqual(pooled.macroAuc.interval, { low: aucIv.low, high: aucIv.high });
    assert.equal(pooled.macroAuc.value, evalMetricValue(direct.metrics, 'rocAuc')!.macro);
    assert.deepEqual(pooled.bootstrap, { unit: 'patient', clusters: direct.bootstrap!.clusters, resamples: RESAMPLES, confidence: 0.95, seed: 1 });
  }
  assert.ok(cv.notes.some((n) => /sample standard deviation \(n − 1\)/.test(n)));
});

test('folds of one architecture are not paired (the sentence says why); the two architectures\' pooled predictions are, on every image', async () => {
  const { result } = await compareRunSet({ runs: [writeCvSweep('cv-pairs')], evaluate: false, resamples: RESAMPLES, pairing: 'all', emit: quiet });
  // Rows: every pair of the 6 folds. Same fold of the two archs: same images, tested; any other pair: skipped.
  assert.deepEqual(result.pairs.map((p) => `${p.a}|${p.b}`).sort(), [1, 2, 3].map((f) => `resnet18-fold${f}|densenet121-fold${f}`).sort());
  const skipped = Object.fromEntries(result.skippedPairs.map((s) => [`${s.a}|${s.b}`, s.reason]));
  assert.equal(result.skippedPairs.length, 15 - 3);
  assert.equal(skipped['resnet18-fold1|resnet18-fold2'],
    'resnet18 fold 1 vs resnet18 fold 2: folds of one cross-validation are tested on different images (fold 1 and fold 2 hold out different patients), so no paired test is possible; see the cross-validation\'s mean ± sd and pooled out-of-fold metrics.');
  assert.match(skipped['resnet18-fold1|densenet121-fold2'], /^resnet18 fold 1 vs densenet121 fold 2: different folds of a cross-validation are tested on different images .*compare the cross-validations on their pooled out-of-fold predictions\.$/);

  const cv = result.crossValidation!;
  assert.equal(cv.pairs.length, 1);
  const p = cv.pairs[0];
  assert.deepEqual([p.labelA, p.labelB, p.images, p.unmatched], ['resnet18', 'densenet121', 45, 0]);
  assert.deepEqual([p.mcnemar.b, p.mcnemar.c], [FX.pooledMcNemar.b, FX.pooledMcNemar.c]);
  close(p.mcnemar.p, FX.pooledMcNemar.p, 'McNemar p of the pooled predictions (scipy binomtest)', 1e-9);
  close(p.macroF1.difference, FX.archs.resnet18.pooled.macroF1 - FX.archs.densenet121.pooled.macroF1, 'Δ pooled macro-F1');
  assert.equal(p.bootstrap.unit, 'patient');
  assert.equal(cv.best, 'resnet18');
});

test('a missing fold is said and the rest is pooled; test sets that overlap are not pooled; runs without folds have no summary', async () => {
  const partial = await compareRunSet({ runs: [writeCvSweep('cv-partial', { folds: [1, 2] })], evaluate: false, resamples: 50, emit: quiet });
  const g = group(partial.result.crossValidation!.groups, 'resnet18');
  assert.deepEqual([g.missing, g.pooled!.images, g.accuracy.n], [[3], 30, 2]);
  assert.deepEqual(g.notes, ['2 of 3 folds are in the table (fold 3 missing): the mean ± sd and the pooled out-of-fold metrics are over those folds only, not every image.']);

  const overlap = await compareRunSet({ runs: [writeCvSweep('cv-overlap', { images: () => FX.images[0] })], evaluate: false, resamples: 50, emit: quiet });
  const cv = overlap.result.crossValidation!;
  assert.ok(cv.groups.every((x) => x.pooled === null));
  assert.match(group(cv.groups, 'densenet121').notes.join(' '), /30 images are in the test sets of two folds: these runs are not the folds of one cross-validation/);
  assert.equal(cv.pairs.length, 0);

  const plain = writeRun(ws, { id: 'plain', arch: 'resnet18', status: 'completed', createdAt: '2026-12-01T00:00:00Z', checkpoints: { best: meta(2, 0.5) } });
  const info = JSON.parse(readFileSync(path.join(plain, RUN_FILES.run), 'utf8')) as RunInfo;
  writeFileSync(path.join(plain, RUN_FILES.run), JSON.stringify({ ...info, best: meta(2, 0.5) }));
  writeEval(plain, 'plain', FX.images[0], FX.archs.resnet18.probabilities[0]);
  const none = await compareRunSet({ runs: [plain], evaluate: false, resamples: 50, emit: quiet });
  assert.equal(none.result.crossValidation, undefined);
  assert.deepEqual(none.result.rows.map((r) => r.label), ['resnet18']);
});

test('the CLI text, the report section and the view\'s rows show mean ± sd and the pooled metrics', async () => {
  const { result } = await compareRunSet({ runs: [writeCvSweep('cv-text')], evaluate: false, resamples: 50, emit: quiet });
  const cv = result.crossValidation!, r18 = group(cv.groups, 'resnet18');
  const text = formatComparison(result);
  assert.match(text, /— each fold on its held-out test set$/m);
  assert.match(text, /^cross-validation \(3 folds\): mean ± sd over the folds, each on its held-out test set$/m);
  const row = text.split('\n').find((l) => /^ {2}resnet18 +3\/3 /.test(l));
  assert.ok(row, text);
  for (const cell of [formatMeanSd(r18.accuracy, true), formatMeanSd(r18.macroF1), formatMeanSd(r18.macroAuc)]) assert.ok(row.includes(cell), `${cell} in ${row}`);
  const pooledRow = text.split('\n').find((l) => /^ {2}resnet18 \* +45 /.test(l));
  assert.ok(pooledRow, text);
  const p = r18.pooled!;
  for (const cell of [formatWithInterval(p.accuracy.value, p.accuracy.interval, true), formatValueWithInterval(p.macroF1), formatValueWithInterval(p.macroAuc)]) assert.ok(pooledRow.includes(cell), `${cell} in ${pooledRow}`);
  assert.match(text, /^paired tests of the pooled out-of-fold predictions \(every pair\):$/m);
  assert.match(text, /^ {2}resnet18 vs densenet121: macro-F1 \+0\.\d{3} .*McNemar p = 0\.0026 — /m);

  const section = crossValidationSection(result)!;
  const tables = section.blocks.filter((b) => b.kind === 'table');
  assert.deepEqual(tables.map((t) => t.kind === 'table' && t.id), ['cv-folds', 'cv-pooled', 'cv-per-class', 'cv-paired']);
  const folds = tables[0].kind === 'table' ? tables[0].rows : [];
  assert.deepEqual(folds[0].slice(0, 2), ['resnet18', '3 of 3']);
  assert.equal(folds[0][3], formatMeanSd(r18.macroF1));

  const view = crossValidationRows(cv);
  assert.deepEqual(view.folds.map((x) => [x.label, x.macroF1]), cv.groups.map((g) => [g.label, formatMeanSd(g.macroF1)]));
  assert.deepEqual(view.pooled[0].macroF1.text, r18.pooled!.macroF1.value!.toFixed(3));
});
