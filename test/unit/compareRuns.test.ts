/**
 * `compare` over run files (no model is loaded: every run has a current test evaluation, or evaluate is off): which runs
 * share the table, which pairs are tested, and the sentence for each one that is left out — other classes, other data,
 * other test images, labels that disagree, no evaluation, no checkpoint, still training; sweeps and folders of runs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareRunSet } from '../../src/engine/jobs/compare';
import { scorePredictions } from '../../src/engine/metrics/scorePredictions';
import { comparisonLabels, formatP, formatSigned, pairSentence, pairVerdict } from '../../src/shared/compare';
import { RUN_FILES, RUN_LAYOUT_VERSION, SWEEP_FILES, type EvalFile, type RunInfo, type SweepFile } from '../../src/shared/runFiles';
import { CLASSES, meta, tempWorkspace, writeRun } from '../fakes/runFixtures';

let ws: string;
before(() => { ws = tempWorkspace(); });
after(() => rm(ws, { recursive: true, force: true }));

/** 30 test images of 15 patients, labels 0..2 in turn. */
const IMAGES = Array.from({ length: 30 }, (_, i) => ({ file: `/data/${CLASSES[i % 3]}/img${i}.png`, rel: `${CLASSES[i % 3]}/img${i}.png`, label: i % 3, patient: `p${Math.floor(i / 2)}` }));

/** Probability rows that predict `wrong` images wrongly (the next class) and the rest right. */
function rows(wrong: ReadonlySet<number>, images = IMAGES): number[][] {
  return images.map((im, i) => {
    const p = [0.1, 0.1, 0.1];
    p[wrong.has(i) ? (im.label + 1) % 3 : im.label] = 0.8;
    return p;
  });
}

/** eval/test.json as the evaluate job writes it, scored by the engine's own scorer. */
function writeEval(runDir: string, runId: string, probabilities: number[][], o: { images?: typeof IMAGES; classes?: string[]; epoch?: number } = {}): void {
  const images = o.images ?? IMAGES, classes = o.classes ?? CLASSES;
  const scored = scorePredictions({ labels: images.map((i) => i.label), probabilities, classes, seed: 1, patients: images.map((i) => i.patient), resamples: 200 });
  const file: EvalFile = {
    format: RUN_LAYOUT_VERSION, name: 'test', runId, checkpoint: { which: 'best', ...meta(o.epoch ?? 2, 0.5) }, createdAt: '2026-11-30T00:00:00Z', loss: 0.5,
    ...scored.report, metrics: scored.metrics, intervals: scored.intervals, bootstrap: scored.bootstrap,
    predictions: images.map((im, i) => ({ ...im, predicted: scored.predicted[i], probabilities: probabilities[i] })), skipped: [],
    timing: { msPerImage: 3.5, images: images.length, batchSize: 4, backend: 'cpu' },
  };
  mkdirSync(path.join(runDir, RUN_FILES.eval), { recursive: true });
  writeFileSync(path.join(runDir, RUN_FILES.eval, 'test.json'), JSON.stringify(file));
}

function editRun(runDir: string, edit: (info: RunInfo) => void): void {
  const file = path.join(runDir, RUN_FILES.run);
  const info = JSON.parse(readFileSync(file, 'utf8')) as RunInfo;
  edit(info);
  writeFileSync(file, JSON.stringify(info));
}

/** A completed run with a best checkpoint (epoch 2) and its test evaluation. */
function evaluatedRun(id: string, arch: string, wrong: number[], o: { seed?: number; images?: typeof IMAGES; classes?: string[]; hash?: string; dir?: string } = {}): string {
  const dir = writeRun(ws, { id, arch, status: 'completed', createdAt: '2026-11-30T00:00:00Z', checkpoints: { best: meta(2, 0.5) }, ...(o.dir ? { dir: o.dir } : {}) });
  editRun(dir, (info) => {
    info.config.seed = o.seed ?? 1;
    info.best = meta(2, 0.5);
    if (o.classes) info.dataset.classes = o.classes;
    if (o.hash) info.dataset.hash = o.hash;
  });
  writeEval(dir, id, rows(new Set(wrong), o.images), o);
  return dir;
}

const quiet = () => {};

test('two runs on the same test images: one row each, b and c counted, the sentence says no difference when p ≥ 0.05', async () => {
  const a = evaluatedRun('a-resnet18', 'resnet18', [0, 1, 2, 3]);
  const b = evaluatedRun('b-densenet121', 'densenet121', [0, 1, 5, 6, 7]);
  const { result } = await compareRunSet({ runs: [a, b], evaluate: false, resamples: 300, emit: quiet });
  assert.deepEqual(result.rows.map((r) => r.label), ['resnet18', 'densenet121']);
  assert.equal(result.excluded.length, 0);
  assert.equal(result.pairs.length, 1);
  const p = result.pairs[0];
  // a wrong on 0–3, b wrong on 0, 1, 5–7: only a wrong on 2, 3 (c = 2); only b wrong on 5, 6, 7 (b = 3).
  assert.deepEqual([p.mcnemar.b, p.mcnemar.c, p.images, p.unmatched], [3, 2, 30, 0]);
  assert.equal(p.mcnemar.p, 1, 'binomtest(3, 5, 0.5) = 1');
  assert.equal(p.bootstrap.unit, 'patient');
  assert.equal(p.bootstrap.clusters, 15);
  assert.ok(Math.abs(p.macroF1.difference! - (result.rows[0].macroF1.value! - result.rows[1].macroF1.value!)) < 1e-12, 'the paired difference is the rows\' difference on the same images');
  assert.match(p.sentence, /^resnet18 vs densenet121: macro-F1 [+−]?0\.\d{3} \([+−]?0\.\d{3} to [+−]?0\.\d{3}\), macro AUC .*, McNemar p = 1 — no evidence of a difference$/);
  assert.equal(result.rows[0].inferenceMsPerImage, 3.5);
  assert.equal(result.best, 'a-resnet18');
});

test('members of two sweeps with the same names (same arch and seed, two presets): one row and one id each, every pair tested once', async () => {
  const sweeps = ['recommended', 'reference'].map((name) => path.join(ws, 'presets', name));
  const dirs = sweeps.flatMap((sweep, k) => [1, 2].map((seed) => evaluatedRun(`mobilenetv2-seed${seed}`, 'mobilenetv2', [k, 10 + seed, 20 + k * seed], { seed, dir: path.join(sweep, `mobilenetv2-seed${seed}`) })));
  const { result } = await compareRunSet({ runs: dirs, evaluate: false, resamples: 100, emit: quiet });
  const ids = result.rows.map((r) => r.runId);
  assert.deepEqual(ids, ['recommended/mobilenetv2-seed1', 'recommended/mobilenetv2-seed2', 'reference/mobilenetv2-seed1', 'reference/mobilenetv2-seed2']);
  assert.deepEqual(result.rows.map((r) => r.label), ids, 'arch and seed repeat, so the label is the unique id');
  assert.deepEqual(result.pairs.map((p) => `${p.a} ~ ${p.b}`), ids.flatMap((a, i) => ids.slice(i + 1).map((b) => `${a} ~ ${b}`)), 'each of the 6 pairs once, never a run with itself');
  const byDir = new Map(result.rows.map((r) => [r.runDir, r.macroF1.value]));
  for (const p of result.pairs) {
    const [ra, rb] = [result.rows.find((r) => r.runId === p.a)!, result.rows.find((r) => r.runId === p.b)!];
    assert.ok(Math.abs(p.macroF1.difference! - (byDir.get(ra.runDir)! - byDir.get(rb.runDir)!)) < 1e-12, `${p.a} vs ${p.b}: the difference of its own two rows`);
  }
});

test('runs with other classes or other data are left out of the table with a sentence; the largest group stays', async () => {
  const a = evaluatedRun('c1', 'resnet18', [1]);
  const b = evaluatedRun('c2', 'vgg16', [2]);
  const otherData = evaluatedRun('c3', 'resnet50', [3], { hash: 'another-hash' });
  const twoClasses = evaluatedRun('c4', 'squeezenet1_1', [], { classes: ['covid', 'normal', 'other'] });
  const { result } = await compareRunSet({ runs: [otherData, a, b, twoClasses], evaluate: false, resamples: 100, emit: quiet });
  assert.deepEqual(result.rows.map((r) => r.runId), ['c1', 'c2']);
  const why = Object.fromEntries(result.excluded.map((e) => [e.runId, e.reason]));
  assert.match(why.c3, /^c3 was trained on other data \(dataset hash another-hash, the table's h\): its numbers are not comparable\.$/);
  assert.match(why.c4, /^c4 has other classes \(covid, normal, other; the table's: covid, normal, pneumonia\)/);
  assert.equal(result.pairs.length, 1);
});

test('pairs on different test images are skipped with why; partly shared images are paired on the shared ones; conflicting labels refuse', async () => {
  const shifted = IMAGES.map((im) => ({ ...im, file: im.file.replace('/data/', '/elsewhere/') }));
  const a = evaluatedRun('d1', 'resnet18', [0]);
  const b = evaluatedRun('d2', 'resnet50', [1], { images: shifted });
  const half = evaluatedRun('d3', 'vgg16', [0, 4], { images: IMAGES.slice(0, 20) });
  const relabelled = IMAGES.map((im, i) => (i === 3 ? { ...im, label: (im.label + 1) % 3 } : im));
  const conflict = evaluatedRun('d4', 'squeezenet1_1', [], { images: relabelled });
  const { result } = await compareRunSet({ runs: [a, b, half, conflict], evaluate: false, resamples: 100, emit: quiet });
  const skipped = Object.fromEntries(result.skippedPairs.map((s) => [`${s.a}|${s.b}`, s.reason]));
  assert.match(skipped['d1|d2'], /resnet18 vs resnet50: they were tested on different images \(no test image in common/);
  assert.match(skipped['d1|d4'], /1 image has different labels in the two evaluations/);
  const partial = result.pairs.find((p) => p.a === 'd1' && p.b === 'd3')!;
  assert.deepEqual([partial.images, partial.unmatched], [20, 10]);
});

test('no evaluation (evaluate off), no checkpoint, a stale evaluation, and a run still training: said per run', async () => {
  const ok = evaluatedRun('e1', 'resnet18', [0]);
  const noEval = writeRun(ws, { id: 'e2', arch: 'vgg16', status: 'completed', createdAt: '2026-11-30T00:00:00Z', checkpoints: { best: meta(2, 0.5) } });
  editRun(noEval, (info) => { info.best = meta(2, 0.5); });
  const noCkpt = writeRun(ws, { id: 'e3', arch: 'resnet50', status: 'failed', createdAt: '2026-11-30T00:00:00Z' });
  const stale = evaluatedRun('e4', 'densenet121', [1]);
  editRun(stale, (info) => { info.best = meta(3, 0.4); });
  const training = evaluatedRun('e5', 'squeezenet1_1', [2]);
  editRun(training, (info) => { info.status = 'running'; info.epochsDone = 2; info.config.epochs = 6; });
  writeFileSync(path.join(training, RUN_FILES.lock), JSON.stringify({ format: 1, pid: process.pid, host: os.hostname(), startedAt: '2026-11-30T00:00:00Z', job: 'training' }));
  const { result } = await compareRunSet({ runs: [ok, noEval, noCkpt, stale, training], evaluate: false, resamples: 100, emit: quiet });
  assert.deepEqual(result.rows.map((r) => r.runId), ['e1', 'e4', 'e5']);
  const why = Object.fromEntries(result.excluded.map((e) => [e.runId, e.reason]));
  assert.match(why.e2, /^e2 has no test evaluation: run `cxr-lab evaluate /);
  assert.match(why.e3, /^e3 has no best checkpoint \(failed before its first epoch ended\)\.$/);
  const notes = Object.fromEntries(result.rows.map((r) => [r.runId, r.notes.join(' ')]));
  assert.match(notes.e4, /Its test evaluation is of epoch 2; its best checkpoint is now epoch 3/);
  assert.match(notes.e5, /^Still training \(2 of 6 epochs done\): compared at its best checkpoint so far \(epoch 2\); compare again when it ends\.$/);
});

test('a sweep folder: its members in queue order, a queued member named; a folder of runs without sweep.json is a sweep too', async () => {
  const sweepDir = path.join(ws, 'sweep1');
  mkdirSync(sweepDir, { recursive: true });
  const member = (name: string, arch: string, wrong: number[]) => {
    const dir = evaluatedRun(`s-${name}`, arch, wrong);
    const target = path.join(sweepDir, name);
    renameSync(dir, target);
    return target;
  };
  member('resnet18', 'resnet18', [0, 1]);
  member('densenet121', 'densenet121', [2]);
  const sweep: SweepFile = {
    format: RUN_LAYOUT_VERSION, id: 'sweep1', createdAt: '2026-11-30T00:00:00Z', updatedAt: '2026-11-30T00:00:00Z', status: 'running', dataset: '/data',
    config: { epochs: 2 }, splitSeed: 1, archs: ['densenet121', 'resnet18', 'vgg16'], seeds: [1],
    members: [
      { name: 'densenet121', arch: 'densenet121', seed: 1, runDir: 'densenet121', status: 'completed' },
      { name: 'resnet18', arch: 'resnet18', seed: 1, runDir: 'resnet18', status: 'completed' },
      { name: 'vgg16', arch: 'vgg16', seed: 1, runDir: 'vgg16', status: 'queued' },
    ],
  };
  writeFileSync(path.join(sweepDir, SWEEP_FILES.sweep), JSON.stringify(sweep));
  const { result } = await compareRunSet({ runs: [sweepDir], evaluate: false, resamples: 100, emit: quiet });
  assert.deepEqual(result.sweep, { dir: sweepDir, id: 'sweep1' });
  assert.deepEqual(result.rows.map((r) => r.label), ['densenet121', 'resnet18'], 'queue order');
  assert.deepEqual(result.excluded.map((e) => e.reason), ['vgg16 is still queued: not trained yet.']);

  rmSync(path.join(sweepDir, SWEEP_FILES.sweep));
  const plain = await compareRunSet({ runs: [sweepDir], evaluate: false, resamples: 100, emit: quiet });
  assert.deepEqual(plain.result.rows.map((r) => r.label), ['densenet121', 'resnet18'], 'sub-folders with run.json, by name');
  await assert.rejects(compareRunSet({ runs: [path.join(ws, 'nothing-here')], emit: quiet }), /not found/);
});

test('more than four runs: each against the best; four or fewer: every pair', async () => {
  const dirs = ['resnet18', 'resnet50', 'densenet121', 'vgg16', 'squeezenet1_1'].map((arch, i) => evaluatedRun(`f${i}`, arch, Array.from({ length: i + 1 }, (_, k) => k * 3)));
  const five = await compareRunSet({ runs: dirs, evaluate: false, resamples: 50, emit: quiet });
  assert.equal(five.result.pairing, 'best');
  assert.equal(five.result.best, 'f0');
  assert.deepEqual(five.result.pairs.map((p) => `${p.a}-${p.b}`), ['f0-f1', 'f0-f2', 'f0-f3', 'f0-f4']);
  assert.ok(five.result.notes.some((n) => /not adjusted for the 4 comparisons/.test(n)));
  const four = await compareRunSet({ runs: dirs.slice(0, 4), evaluate: false, resamples: 50, emit: quiet });
  assert.equal(four.result.pairs.length, 6);
});

test('labels, numbers and the verdict sentence in each case', () => {
  assert.deepEqual(comparisonLabels([
    { runId: 'r1', arch: 'resnet18', seed: 1 }, { runId: 'r2', arch: 'resnet18', seed: 2 }, { runId: 'r3', arch: 'vgg16', seed: 1 },
    { runId: 'r4', arch: 'vgg16', seed: 3 }, { runId: 'r5', arch: 'vgg16', seed: 3 },
  ]), ['resnet18 seed 1', 'resnet18 seed 2', 'vgg16 seed 1', 'r4', 'r5']);
  assert.deepEqual([formatSigned(-0.0123), formatSigned(0.004), formatSigned(0.0001)], ['−0.012', '+0.004', '0.000']);
  assert.deepEqual([formatP(0.4812), formatP(0.031), formatP(0.0031), formatP(0.0004), formatP(1)], ['p = 0.48', 'p = 0.031', 'p = 0.0031', 'p < 0.001', 'p = 1']);
  const base = { labelA: 'resnet18', labelB: 'densenet121', macroAuc: { a: 0.9, b: 0.9, difference: 0, interval: { low: -0.01, high: 0.01 } } };
  const none = { ...base, mcnemar: { b: 9, c: 11, p: 0.48 }, macroF1: { a: 0.8, b: 0.812, difference: -0.012, interval: { low: -0.041, high: 0.017 } } };
  assert.equal(pairSentence(none), 'resnet18 vs densenet121: macro-F1 −0.012 (−0.041 to +0.017), macro AUC 0.000 (−0.010 to +0.010), McNemar p = 0.48 — no evidence of a difference');
  const better = { ...base, mcnemar: { b: 20, c: 4, p: 0.0015 }, macroF1: { a: 0.9, b: 0.85, difference: 0.05, interval: { low: 0.02, high: 0.08 } } };
  assert.equal(pairVerdict(better), 'a-better');
  assert.match(pairSentence(better), /— evidence that resnet18 is better \(the macro-F1 interval excludes 0 and p < 0\.05\)$/);
  assert.equal(pairVerdict({ ...better, mcnemar: { b: 4, c: 20, p: 0.0015 }, macroF1: { ...better.macroF1, difference: -0.05, interval: { low: -0.08, high: -0.02 } } }), 'b-better');
  const weak = { ...better, mcnemar: { b: 12, c: 8, p: 0.5 } };
  assert.equal(pairVerdict(weak), 'mixed');
  assert.match(pairSentence(weak), /weak evidence that resnet18 is better: the macro-F1 interval excludes 0, but McNemar's test finds no difference in errors$/);
});
