/**
 * Cross-validation end to end through the built CLI: `train --arch mobilenetv2,resnet18 --folds 2` on a phantom dataset
 * (32 px, 1 epoch: about 15 s with the compare and report), then `compare` (text and --json) and `report`: per architecture the mean ± sd over the
 * two folds and the pooled out-of-fold metrics over every image once, the folds of one architecture not paired (with
 * why), the two architectures paired on their pooled predictions. Needs dist/ (`node esbuild.mjs`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import type { ComparisonResult } from '../../src/shared/compare';
import { RUN_FILES, SWEEP_FILES, parseSweepFile, type EvalFile } from '../../src/shared/runFiles';
import { CLI, ENGINE_HOST, requireBuilt } from '../helpers/cli';

let tmp: string;

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp, timeout: 300_000, env: { ...process.env, CXR_LAB_FAULT: '' } });
const result = <T>(stdout: string) => (stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; result?: T }).find((e) => e.type === 'result')!.result!);

before(async () => {
  await requireBuilt(CLI, ENGINE_HOST);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-cli-cv-'));
  await generatePhantomDataset(path.join(tmp, 'data'), { perClass: 8, size: 40, classes: 3, seed: 2 });
  const r = cli('train', 'data', '--arch', 'mobilenetv2,resnet18', '--folds', '2', '--epochs', '1', '--image-size', '32', '--batch', '4', '--val-per-class', '2', '--out', 'cv');
  assert.equal(r.status, 0, r.stderr);
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

test('compare of a 2-fold sweep: mean ± sd and pooled out-of-fold metrics per architecture; pooled pairs; fold pairs skipped with why', async () => {
  const sweep = parseSweepFile(await fs.readFile(path.join(tmp, 'cv', SWEEP_FILES.sweep), 'utf8'), SWEEP_FILES.sweep);
  assert.equal(sweep.executor, 'local');
  assert.deepEqual(sweep.members.map((m) => [m.name, m.fold]), [['mobilenetv2-fold1', 1], ['mobilenetv2-fold2', 2], ['resnet18-fold1', 1], ['resnet18-fold2', 2]]);

  const json = cli('compare', 'cv', '--json');
  assert.equal(json.status, 0, json.stderr);
  const c = result<ComparisonResult>(json.stdout);
  const cv = c.crossValidation!;
  assert.deepEqual(cv.groups.map((g) => [g.label, g.folds, g.runs.map((r) => r.runId)]), [
    ['mobilenetv2', 2, ['mobilenetv2-fold1', 'mobilenetv2-fold2']], ['resnet18', 2, ['resnet18-fold1', 'resnet18-fold2']],
  ]);
  for (const g of cv.groups) {
    // The folds' own evaluations, as the compare just wrote them: disjoint, together every image of the dataset.
    const evals = await Promise.all(g.runs.map(async (r) => JSON.parse(await fs.readFile(path.join(tmp, 'cv', r.runId, RUN_FILES.eval, 'test.json'), 'utf8')) as EvalFile));
    const files = evals.flatMap((e) => e.predictions.map((p) => p.file));
    assert.equal(new Set(files).size, files.length, 'each image is held out by one fold');
    assert.equal(g.pooled!.images, 24, 'the pooled predictions cover the whole dataset');
    const correct = evals.flatMap((e) => e.predictions.map((p) => p.predicted === p.label)).filter(Boolean).length;
    assert.ok(Math.abs(g.pooled!.accuracy.value! - correct / 24) < 1e-12, 'pooled accuracy: the concatenated predictions scored once');
    const f1s = evals.map((e) => e.macro.f1), mean = (f1s[0] + f1s[1]) / 2;
    assert.ok(Math.abs(g.macroF1.mean! - mean) < 1e-12);
    assert.ok(Math.abs(g.macroF1.sd! - Math.abs(f1s[0] - f1s[1]) / Math.SQRT2) < 1e-12, 'the sample sd of two values is |a − b| / √2');
    assert.ok(g.pooled!.macroF1.interval && g.pooled!.bootstrap?.resamples === 2000);
  }
  assert.equal(cv.pairs.length, 1);
  assert.deepEqual([cv.pairs[0].labelA, cv.pairs[0].labelB, cv.pairs[0].images, cv.pairs[0].unmatched], ['mobilenetv2', 'resnet18', 24, 0]);
  assert.deepEqual(c.pairs.map((p) => `${p.a}|${p.b}`), ['mobilenetv2-fold1|resnet18-fold1', 'mobilenetv2-fold2|resnet18-fold2'], 'rows are paired only on the same fold');
  assert.ok(c.skippedPairs.some((s) => s.reason.includes('mobilenetv2 fold 1 vs mobilenetv2 fold 2: folds of one cross-validation are tested on different images')));

  const text = cli('compare', 'cv');
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^cross-validation \(2 folds\): mean ± sd over the folds, each on its held-out test set$/m);
  assert.match(text.stdout, /^ {2}mobilenetv2 +2\/2 +\d+\.\d% ± \d+\.\d% +0\.\d{3} ± 0\.\d{3} +0\.\d{3} ± 0\.\d{3}$/m);
  assert.match(text.stdout, /^ {2}mobilenetv2 vs resnet18: macro-F1 .* McNemar p = /m);

  const report = cli('report', 'cv', '--out', 'report.html', '--cam-images', '0');
  assert.equal(report.status, 0, report.stderr);
  const html = await fs.readFile(path.join(tmp, 'report.html'), 'utf8');
  for (const id of ['cross-validation', 'cv-folds', 'cv-pooled', 'cv-per-class', 'cv-paired']) assert.ok(html.includes(`id="${id}"`), `report has #${id}`);
});
