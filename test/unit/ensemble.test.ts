/**
 * `evaluate <run> --runs a,b`: a soft-voting ensemble (the mean of the members' probability rows) scored on the
 * first run's split, refused unless the members share classes, dataset and split. The CLI convention's parser.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { ENSEMBLE_FILES, ENSEMBLES_DIR, LAB_DIR, RUN_FILES, parseEnsembleFile } from '../../src/shared/runFiles';
import { ensembleDir, ensembleLabDir } from '../../src/engine/run/ensembleStore';
import { initBackend } from '../../src/engine/backend';
import { evaluateRun } from '../../src/engine/jobs/evaluate';
import { averagePredictions } from '../../src/engine/predict/ensemble';
import type { Predictions } from '../../src/engine/predict/predict';
import { readEvalFile } from '../../src/engine/run/runFiles';
import type { ImageItem } from '../../src/engine/dataset/types';
import { runList, runsOption } from '../../src/cli/runsOption';

const FIXTURE = path.resolve('test/fixtures/run-format1');
let tmp: string;
before(async () => { tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-ensemble-')); });
after(() => fs.rm(tmp, { recursive: true, force: true }));

const item = (rel: string, label: number): ImageItem => ({ path: `/d/${rel}`, rel, label, className: `c${label}`, patient: rel });

test('averagePredictions: the mean row per image, images any member failed left out, sklearn log loss of the mean', () => {
  const a: Predictions = { items: [item('x.png', 0), item('y.png', 1), item('z.png', 1)], labels: [0, 1, 1],
    probabilities: [[0.9, 0.1], [0.4, 0.6], [0.5, 0.5]], loss: 0, failed: [] };
  const b: Predictions = { items: [item('x.png', 0), item('z.png', 1)], labels: [0, 1],
    probabilities: [[0.7, 0.3], [0, 1]], loss: 0, failed: [{ item: item('y.png', 1), error: 'truncated' }] };
  const m = averagePredictions([a, b]);
  assert.deepEqual(m.items.map((i) => i.rel), ['x.png', 'z.png']);
  assert.deepEqual(m.labels, [0, 1]);
  m.probabilities.flat().forEach((p, i) => assert.ok(Math.abs(p - [0.8, 0.2, 0.25, 0.75][i]) < 1e-12));
  // sklearn.metrics.log_loss([0, 1], [[0.8, 0.2], [0.25, 0.75]]) = 0.2554128118829953
  assert.ok(Math.abs(m.loss - 0.2554128118829953) < 1e-12, String(m.loss));
  assert.deepEqual(m.failed.map((f) => f.item.rel), ['y.png']);
  assert.equal(averagePredictions([a]), a, 'one member: its predictions unchanged');
});

/** A writable copy of the fixture run whose dataset root is the fixture's data/. */
async function copyRun(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await fs.cp(path.join(FIXTURE, 'run'), dir, { recursive: true });
  await editJson(path.join(dir, RUN_FILES.run), (v) => { v.id = name; v.dataset.root = path.join(FIXTURE, 'data'); });
  await fs.rm(path.join(dir, RUN_FILES.eval), { recursive: true, force: true });
  return dir;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function editJson(file: string, edit: (value: any) => void): Promise<void> {
  const value = JSON.parse(await fs.readFile(file, 'utf8'));
  edit(value);
  await fs.writeFile(file, JSON.stringify(value));
}

test('an ensemble of a run and an identical run scores as the run, under its own name, listing its members', { timeout: 120_000 }, async () => {
  await initBackend('auto');
  const a = await copyRun('a');
  const b = await copyRun('b');
  const single = await evaluateRun({ runDir: a, emit: () => {} });
  const both = await evaluateRun({ runDir: a, runs: [b], emit: () => {} });
  // Stored under <tmp>/.cxr-lab/ensembles/<id>/ (a is not in a .cxr-lab/runs folder: its parent's .cxr-lab), not in run a.
  const dir = path.dirname(path.dirname(both.jsonPath));
  assert.equal(path.dirname(dir), path.join(tmp, LAB_DIR, ENSEMBLES_DIR));
  assert.match(path.basename(dir), /^ensemble-[0-9a-f]{8}$/);
  assert.equal(both.name, 'test');
  assert.equal(both.jsonPath, path.join(dir, 'eval', 'test.json'));
  assert.equal(both.pngPath, path.join(dir, 'eval', 'test.png'));
  assert.ok((await fs.stat(both.pngPath)).size > 0);
  assert.notEqual(both.jsonPath, single.jsonPath, 'the single run keeps its own eval file');
  assert.deepEqual(await fs.readdir(path.join(a, RUN_FILES.eval)), ['test.json', 'test.png'], 'nothing of the ensemble in the first run');
  assert.deepEqual(both.confusion, single.confusion);
  const file = (await readEvalFile(both.jsonPath))!;
  const one = (await readEvalFile(single.jsonPath))!;
  assert.deepEqual(file.ensemble?.map((m) => m.runId), ['a', 'b']);
  assert.equal(file.runId, path.basename(dir));
  assert.equal(one.ensemble, undefined);
  const members = parseEnsembleFile(await fs.readFile(path.join(dir, ENSEMBLE_FILES.ensemble), 'utf8'), 'ensemble.json');
  assert.equal(members.id, path.basename(dir));
  const arch = file.ensemble![0].arch;
  assert.deepEqual(members.members.map((m) => [m.runId, m.runDir, m.arch, m.checkpoint, m.epoch]),
    [['a', a, arch, 'best', one.checkpoint.epoch], ['b', b, arch, 'best', one.checkpoint.epoch]]);
  assert.deepEqual(members.classes, one.classes);
  // The same members again (another split): the same folder; the first member decides the id's .cxr-lab.
  assert.equal(ensembleDir([a, b]), dir);
  assert.notEqual(ensembleDir([b, a]), dir);
  file.predictions.forEach((p, i) => p.probabilities.forEach((q, c) => assert.ok(Math.abs(q - one.predictions[i].probabilities[c]) < 1e-6)));
  assert.ok(Math.abs(file.loss - one.loss) < 1e-4, `${file.loss} vs ${one.loss}`);
});

test('an ensemble belongs to the .cxr-lab holding its first run, else to its parent folder\'s .cxr-lab', () => {
  assert.equal(ensembleLabDir('/ws/.cxr-lab/runs/20261101-000000-resnet18'), '/ws/.cxr-lab');
  assert.equal(ensembleLabDir('/ws/.cxr-lab/runs/r1/'), '/ws/.cxr-lab');
  assert.equal(ensembleLabDir('/elsewhere/runs/r1'), '/elsewhere/runs/.cxr-lab');
  assert.equal(ensembleLabDir('/tmp/x/a'), '/tmp/x/.cxr-lab');
  assert.match(ensembleDir(['/ws/.cxr-lab/runs/a', '/other/b']), /^\/ws\/\.cxr-lab\/ensembles\/ensemble-[0-9a-f]{8}$/);
});

test('members with another split, other data or other classes are refused with one sentence naming the runs', { timeout: 60_000 }, async () => {
  await initBackend('auto');
  const message = (pattern: RegExp) => (e: unknown) => e instanceof Error && pattern.test(e.message);
  const a = await copyRun('a2');
  const resplit = await copyRun('resplit');
  const split = JSON.parse(await fs.readFile(path.join(a, RUN_FILES.split), 'utf8')) as Record<string, string>;
  const testImage = Object.keys(split).find((k) => split[k] === 'test')!;
  const trainImage = Object.keys(split).find((k) => split[k] === 'train')!;
  await editJson(path.join(resplit, RUN_FILES.split), (v) => { v[testImage] = 'train'; v[trainImage] = 'test'; });
  await assert.rejects(evaluateRun({ runDir: a, runs: [resplit], emit: () => {} }),
    message(/^Run resplit split the data differently from run a2 .*cannot form an ensemble\. Members must share the classes, the dataset and the split/));
  const otherData = await copyRun('otherdata');
  await editJson(path.join(otherData, RUN_FILES.run), (v) => { v.dataset.hash = 'f'.repeat(64); });
  await assert.rejects(evaluateRun({ runDir: a, runs: [otherData], emit: () => {} }), message(/^Run otherdata was trained on other data \(dataset hash ffffffffffff, run a2 /));
  const other = await copyRun('other');
  await editJson(path.join(other, RUN_FILES.run), (v) => { v.dataset.classes = ['normal', 'effusion', 'consolidation']; });
  await assert.rejects(evaluateRun({ runDir: a, runs: [other], emit: () => {} }),
    message(/^Run other has classes normal, effusion, consolidation, run a2 consolidation, effusion, normal: they cannot form an ensemble\./));
});

test('--runs: run directories checked at parse time, several flags add up, the positional run counts once', async () => {
  const a = await copyRun('p');
  const b = await copyRun('q');
  const parse = (...args: string[]) => new Command().exitOverride().configureOutput({ writeErr: () => {} })
    .addOption(runsOption('more runs')).parse(args, { from: 'user' }).opts<{ runs?: string[] }>().runs;
  assert.deepEqual(parse('--runs', `${b},${a}`, '--runs', b), [b, a, b]);
  assert.deepEqual(runList(a, parse('--runs', `${b},${a}`, '--runs', b)), [a, b]);
  assert.throws(() => parse('--runs', path.join(tmp, 'nope')), (e) => e instanceof CommanderError && /not found: .*nope/.test(e.message));
  assert.throws(() => parse('--runs', FIXTURE), (e) => e instanceof CommanderError && /is not a CXR Lab run directory \(no run\.json\)/.test(e.message));
});
