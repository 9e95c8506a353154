/**
 * `explain-eval`: the stratified seeded sample, the summary (means, bootstrap intervals, ranking), the job end to end on
 * the format-1 fixture run, and the CLI's exit codes and table.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RUN_FILES, faithfulnessFileName, parseFaithfulnessFile } from '../../src/shared/runFiles';
import { initBackend } from '../../src/engine/backend';
import { explainEval, stratifiedSample, summarise } from '../../src/engine/jobs/explainEval';
import { createRng } from '../../src/engine/random';
import type { ImageItem } from '../../src/engine/dataset/types';
import { CancelledError } from '../../src/engine/errors';
import { listCamMethods } from '../../src/engine/cam/methods';
import { CLI } from '../helpers/cli';

const FIXTURE = path.resolve('test/fixtures/run-format1');
let tmp: string;
before(async () => { tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-explain-eval-')); });
after(() => fs.rm(tmp, { recursive: true, force: true }));

/** A writable copy of the fixture run whose dataset root is the fixture's data/. */
async function copyRun(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await fs.cp(path.join(FIXTURE, 'run'), dir, { recursive: true });
  const file = path.join(dir, RUN_FILES.run);
  const info = JSON.parse(await fs.readFile(file, 'utf8'));
  info.id = name;
  info.dataset.root = path.join(FIXTURE, 'data');
  await fs.writeFile(file, JSON.stringify(info));
  return dir;
}

const item = (rel: string, label: number): ImageItem => ({ path: `/d/${rel}`, rel, label, className: `c${label}`, patient: rel });

describe('the sample', () => {
  const items = [...Array(20)].map((_, i) => item(`a${i}.png`, 0)).concat([...Array(5)].map((_, i) => item(`b${i}.png`, 1)), [...Array(12)].map((_, i) => item(`c${i}.png`, 2)));

  test('stratified by class, round-robin: equal shares while every class has images, the rest from the larger ones', () => {
    const count = (s: ImageItem[]) => [0, 1, 2].map((l) => s.filter((x) => x.label === l).length);
    assert.deepEqual(count(stratifiedSample(items, 9, createRng(1))), [3, 3, 3]);
    assert.deepEqual(count(stratifiedSample(items, 20, createRng(1))), [8, 5, 7]);
    assert.deepEqual(count(stratifiedSample(items, 100, createRng(1))), [20, 5, 12], 'a limit above the split: all of it');
    assert.equal(new Set(stratifiedSample(items, 30, createRng(1)).map((x) => x.rel)).size, 30, 'no image twice');
  });

  test('seeded: the same seed gives the same images whatever the input order; another seed others', () => {
    const a = stratifiedSample(items, 9, createRng(7)).map((x) => x.rel);
    assert.deepEqual(stratifiedSample([...items].reverse(), 9, createRng(7)).map((x) => x.rel), a);
    assert.notDeepEqual(stratifiedSample(items, 9, createRng(8)).map((x) => x.rel), a);
  });
});

describe('the summary', () => {
  const metrics = [{ id: 'road', better: 'higher' as const }, { id: 'avg-drop', better: 'lower' as const }];
  test('means, 95 % intervals around them, the ranking by ROAD and how often its winner stays first', () => {
    const rng = createRng(3);
    const noise = () => (rng.next() - 0.5) * 0.02;
    const values = [0.3, 0.1, 0.28].map((m, k) => ({
      road: [...Array(30)].map(() => m + noise()),
      'avg-drop': [...Array(30)].map(() => [0.5, 0.2, 0.4][k] + noise()),
    }));
    const s = summarise([{ id: 'a' }, { id: 'b' }, { id: 'c' }], values, metrics, { seed: 1, resamples: 500 });
    assert.deepEqual(s.ranking.order, ['a', 'c', 'b']);
    assert.equal(s.ranking.metric, 'road');
    assert.ok(s.ranking.bestShare > 0.95, String(s.ranking.bestShare));
    assert.deepEqual(s.best, { road: 'a', 'avg-drop': 'b' });
    values.forEach((v, k) => {
      const mean = v.road.reduce((x, y) => x + y) / v.road.length;
      assert.ok(Math.abs(s.means[k].road - mean) < 1e-12);
      const iv = s.intervals[k].road!;
      assert.ok(iv.low < mean && mean < iv.high && iv.high - iv.low < 0.02, JSON.stringify(iv));
    });
    assert.equal(s.bootstrap.unit, 'image');
    // Two methods that are the same: the first stays first in about half of the resamples.
    const tie = summarise([{ id: 'a' }, { id: 'b' }], [values[0], { ...values[0], road: values[0].road.map((v, i) => v + (i % 2 ? 1e-3 : -1e-3)) }], metrics, { seed: 1, resamples: 500 });
    assert.ok(tie.ranking.bestShare > 0.2 && tie.ranking.bestShare < 0.8, String(tie.ranking.bestShare));
    assert.equal(tie.ranking.firstShare[tie.ranking.order[0]], tie.ranking.bestShare);
    assert.ok(Math.abs(tie.ranking.firstShare.a + tie.ranking.firstShare.b - 1) < 1e-12, 'each resample has one first');
    assert.equal(s.ranking.firstShare.b, 0);
    // Two methods with the same scores on every image (the same maps) share every resample's first place.
    const same = summarise([{ id: 'a' }, { id: 'b' }, { id: 'c' }], [values[0], values[0], values[1]], metrics, { seed: 1, resamples: 200 });
    assert.deepEqual(same.ranking.firstShare, { a: 0.5, b: 0.5, c: 0 });
  });

  test('one image: means, no interval; NaN values left out of the means', () => {
    const s = summarise([{ id: 'a' }], [{ road: [0.2], 'avg-drop': [NaN] }], metrics, { seed: 1 });
    assert.equal(s.means[0].road, 0.2);
    assert.ok(Number.isNaN(s.means[0]['avg-drop']));
    assert.equal(s.intervals[0].road, null);
    assert.ok(Number.isNaN(s.ranking.bestShare));
  });
});

describe('the job', () => {
  test('on the format-1 fixture run: every method scored on a stratified sample, the file written and readable, no tensor left', { timeout: 300_000 }, async () => {
    await initBackend('auto');
    const dir = await copyRun('eval1');
    const events: string[] = [];
    const tensors = tf.memory().numTensors;
    const r = await explainEval({ runDir: dir, limit: 6, noise: 0, emit: (e) => { if (e.type === 'progress') events.push(`${e.phase} ${e.done}/${e.total}`); } });
    assert.equal(tf.memory().numTensors, tensors, 'the job leaves no tensor behind');
    assert.equal(r.jsonPath, path.join(dir, RUN_FILES.cams, faithfulnessFileName('test')));
    const file = parseFaithfulnessFile(await fs.readFile(r.jsonPath, 'utf8'), r.jsonPath);
    assert.equal(file.images.length, 6);
    assert.deepEqual([0, 1, 2].map((l) => file.images.filter((i) => i.label === l).length), [2, 2, 2]);
    assert.deepEqual(file.methods.map((m) => m.id), listCamMethods().map((m) => m.id));
    assert.deepEqual(new Set(file.ranking.order), new Set(file.methods.map((m) => m.id)));
    assert.deepEqual(file.metrics.map((m) => m.id), ['road', 'road-morf', 'road-lerf', 'avg-drop', 'increase']);
    for (const m of file.methods) {
      assert.equal(m.forwardPasses, 20);
      for (const metric of file.metrics) {
        assert.equal(m.values[metric.id].length, 6);
        assert.ok(m.values[metric.id].every(Number.isFinite), `${m.id} ${metric.id}`);
        const mean = m.values[metric.id].reduce((a, b) => a + b) / 6;
        assert.ok(Math.abs(m.means[metric.id] - mean) < 1e-12);
      }
      assert.ok(m.values['avg-drop'].every((v) => v >= 0 && v <= 1) && m.values.increase.every((v) => v === 0 || v === 1));
    }
    assert.deepEqual(file.settings, { percentiles: [10, 20, 30, 40, 50, 60, 70, 80, 90], noise: 0, target: 'probability', tolerance: 1e-6, limit: 6, seed: 1, layer: 'features.18.2' });
    assert.ok(events.includes('explain-eval 0/42') && events.at(-1) === 'explain-eval 42/42', events.slice(-3).join(', '));

    // The same request again: the same numbers (seeded sample; noise 0 here, seeded noise otherwise).
    const again = await explainEval({ runDir: dir, limit: 6, noise: 0, methods: ['gradcam'], emit: () => {} });
    assert.deepEqual(again.methods[0].values, file.methods[0].values);
    assert.deepEqual(again.images, file.images);
  });

  test('seeded noise: the same seed reproduces the scores; refusals name the problem; a cancelled job stops', { timeout: 120_000 }, async () => {
    await initBackend('auto');
    const dir = await copyRun('eval2');
    const a = await explainEval({ runDir: dir, limit: 3, methods: ['gradcam'], noise: 0.5, emit: () => {} });
    const b = await explainEval({ runDir: dir, limit: 3, methods: ['gradcam'], noise: 0.5, emit: () => {} });
    assert.deepEqual(a.methods[0].values, b.methods[0].values);
    await assert.rejects(explainEval({ runDir: dir, methods: ['gradcam', 'gradcam'], emit: () => {} }), /twice/);
    await assert.rejects(explainEval({ runDir: dir, methods: ['nope'], emit: () => {} }), /Unknown CAM method 'nope'/);
    await assert.rejects(explainEval({ runDir: dir, layer: 'nope', emit: () => {} }), /Layer "nope" is not in this model/);
    await assert.rejects(explainEval({ runDir: dir, limit: 0, emit: () => {} }), /--limit/);
    // Cancelled while it explains (Ctrl-C): it stops after the current map.
    const controller = new AbortController();
    let units = 0;
    await assert.rejects(explainEval({ runDir: dir, limit: 3, methods: ['gradcam'], signal: controller.signal, emit: (e) => {
      if (e.type === 'progress' && e.phase === 'explain-eval' && ++units === 2) controller.abort();
    } }), CancelledError);
    assert.equal(units, 2);
  });
});

test('cxr-lab explain-eval: usage errors exit 2 before any job, failures 1, success 0 with the table and the file', { timeout: 300_000, skip: existsSync(CLI) ? false : 'dist/cli.js is not built (node esbuild.mjs)' }, async () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp, timeout: 240_000 });
  const dir = await copyRun('cli');
  assert.equal(cli('explain-eval', path.join(tmp, 'nowhere')).status, 2);
  assert.equal(cli('explain-eval', dir, '--methods', 'gradcam,nope').status, 2);
  assert.equal(cli('explain-eval', dir, '--limit', '0').status, 2);
  assert.equal(cli('explain-eval', dir, '--limit', 'many').status, 2);
  assert.equal(cli('explain-eval', dir, '--noise', '-1').status, 2);
  assert.equal(cli('explain-eval', dir, '--split', 'holdout').status, 2);
  assert.equal(cli('explain-eval', dir, '--target', 'margin').status, 2);
  const notRun = path.join(tmp, 'not-a-run');
  await fs.mkdir(notRun, { recursive: true });
  const failed = cli('explain-eval', notRun);
  assert.equal(failed.status, 1, failed.stderr);
  assert.match(failed.stderr, /not a CXR Lab run directory/);
  const ok = cli('explain-eval', dir, '--limit', '3', '--methods', 'gradcam,eigencam,gradcam++');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /faithfulness on 3 test images of run cli \(1 consolidation, 1 effusion, 1 normal/);
  assert.match(ok.stdout, /Grad-CAM\+\+/);
  assert.match(ok.stdout, /most faithful by ROAD combined: (Grad-CAM|Eigen-CAM|Grad-CAM\+\+)( = [A-Za-z+-]+)* \(/);
  assert.match(ok.stdout, /ROAD ↑ +MoRF ↓ +LeRF ↑ +Avg Drop ↓ +Increase ↑ +first +s\/image/);
  assert.ok(ok.stdout.includes(path.join(dir, RUN_FILES.cams, 'faithfulness-test.json')));
  const json = cli('explain-eval', dir, '--limit', '2', '--methods', 'hirescam', '--split', 'val', '--json');
  assert.equal(json.status, 0, json.stderr);
  const result = JSON.parse(json.stdout.trim().split('\n').pop()!);
  assert.equal(result.request, 'explain-eval');
  assert.equal(result.result.split, 'val');
  assert.deepEqual(result.result.ranking.order, ['hirescam']);
});
