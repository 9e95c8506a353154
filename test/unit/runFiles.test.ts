/**
 * One schema per run-directory file: every file of a run written before the schemas existed
 * (test/fixtures/run-format1, read its README) reads through the new readers; a bad file fails with one sentence
 * naming the file and the field; a newer layout is refused; the old checkpoint still evaluates.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CHECKPOINT_NAMES, LAB_DIR, RUN_FILES, RUN_LAYOUT_VERSION, RUNS_DIR, RunFileError, parseEvalFile, parseHistory, parseRunInfo, parseSplit,
  runFolderName, runStamp,
} from '../../src/shared/runFiles';
import {
  checkpointDir, evalFilePath, readCamFile, readCheckpointMeta, readEvalFile, readHistory, readOptimizerFile, readRunInfo, readSplit,
  readTrainerState,
} from '../../src/engine/run/runFiles';
import { RunError } from '../../src/engine/errors';
import { defaultRunDir } from '../../src/engine/run/runStore';
import { readRun } from '../../src/extension/runs/runReader';
import { initBackend } from '../../src/engine/backend';
import { evaluateRun } from '../../src/engine/jobs/evaluate';

const FIXTURE = path.resolve('test/fixtures/run-format1');
const RUN = path.join(FIXTURE, 'run');
const DATA = path.join(FIXTURE, 'data');
const CLASSES = ['consolidation', 'effusion', 'normal'];

const sum = (m: number[][]) => m.flat().reduce((a, b) => a + b, 0);

const temps: string[] = [];
after(() => Promise.all(temps.map((t) => fs.rm(t, { recursive: true, force: true }))));

/** A writable copy of the fixture's run, so the fixture stays untouched. */
async function copyRun(): Promise<string> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-runfiles-'));
  temps.push(tmp);
  const dir = path.join(tmp, 'run');
  await fs.cp(RUN, dir, { recursive: true });
  return dir;
}

async function editJson(file: string, edit: (value: Record<string, unknown>) => void): Promise<void> {
  const value = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  edit(value);
  await fs.writeFile(file, JSON.stringify(value));
}

/** One sentence: names the file, no newline, no zod dump. */
function assertOneSentence(err: unknown, file: string, pattern: RegExp): true {
  assert.ok(err instanceof Error);
  assert.ok(err.message.includes(file), `"${err.message}" names ${file}`);
  assert.match(err.message, pattern);
  assert.doesNotMatch(err.message, /\n|"code"|invalid_type|ZodError/);
  assert.match(err.message, /^Cannot read .*\.$/);
  return true;
}

test('names: one constant each, the run-folder name as defaultRunDir makes it', () => {
  assert.deepEqual([...CHECKPOINT_NAMES], ['best', 'last']);
  assert.equal(RUN_FILES.best, 'checkpoints/best');
  assert.equal(RUN_LAYOUT_VERSION, 1);
  const now = new Date(Date.UTC(2026, 10, 25, 8, 9, 10));
  assert.equal(runStamp(now), '20261125-080910');
  assert.equal(runFolderName('resnet18', now), '20261125-080910-resnet18');
  assert.equal(defaultRunDir('resnet18', now), path.resolve(LAB_DIR, RUNS_DIR, '20261125-080910-resnet18'));
});

test('format-1 fixture: run.json, history.jsonl and split.json read through their schemas', async () => {
  const info = await readRunInfo(RUN);
  assert.ok(info);
  assert.equal(info.format, 1);
  assert.equal(info.id, 'run');
  assert.equal(info.status, 'completed');
  assert.equal(info.epochsDone, 2);
  assert.deepEqual(info.dataset.classes, CLASSES);
  assert.equal(info.config.arch, 'mobilenetv2');
  assert.equal(info.config.sampler, 'weighted');
  assert.deepEqual(info.split.counts, { train: 12, val: 6, test: 6 });
  assert.equal(info.best?.epoch, 1);

  const history = await readHistory(RUN);
  assert.equal(history.length, 2);
  assert.deepEqual(history.map((h) => [h.epoch, h.best]), [[1, true], [2, false]]);
  assert.ok(history.every((h) => Number.isFinite(h.valLoss) && h.lr === 0.001));

  const split = await readSplit(RUN);
  assert.ok(split);
  assert.equal(Object.keys(split).length, 24);
  assert.ok(!('format' in split));
  const counts = { train: 0, val: 0, test: 0 };
  for (const s of Object.values(split)) counts[s]++;
  assert.deepEqual(counts, info.split.counts);
});

test('format-1 fixture: checkpoints/best|last meta, trainer.json and optimizer.json', async () => {
  const info = (await readRunInfo(RUN))!;
  const best = await readCheckpointMeta(checkpointDir(RUN, 'best'));
  const last = await readCheckpointMeta(checkpointDir(RUN, 'last'));
  assert.deepEqual(best, info.best);
  assert.equal(last?.epoch, 2);
  assert.ok(!('format' in best!));

  const state = await readTrainerState(checkpointDir(RUN, 'last'));
  assert.equal(state?.epochsDone, 2);
  assert.equal(state?.bestValLoss, info.best!.valLoss);
  assert.equal(state?.plateau.best, Infinity, 'JSON wrote the initial Infinity as null');
  assert.equal(await readTrainerState(checkpointDir(RUN, 'best')), undefined, 'best has no trainer state');

  const optimizer = await readOptimizerFile(checkpointDir(RUN, 'last'));
  assert.equal(optimizer?.specs[0].name, 'iter');
});

test('format-1 fixture: eval/test.json and cams/*.json', async () => {
  const info = (await readRunInfo(RUN))!;
  const evaluation = await readEvalFile(evalFilePath(RUN, 'test'));
  assert.ok(evaluation);
  assert.equal(evaluation.format, 1, 'no format field: read as format 1');
  assert.deepEqual(evaluation.classes, CLASSES);
  assert.equal(sum(evaluation.confusion), info.split.counts.test);
  assert.equal(evaluation.total, info.split.counts.test);
  assert.equal(evaluation.predictions.length, info.split.counts.test);
  assert.equal(evaluation.checkpoint.which, 'best');
  assert.equal(evaluation.checkpoint.epoch, 1);
  assert.deepEqual(evaluation.perClass.map((c) => c.className), CLASSES);
  assert.equal(await readEvalFile(evalFilePath(RUN, 'val')), undefined);

  const cams = (await fs.readdir(path.join(RUN, RUN_FILES.cams))).filter((f) => f.endsWith('.json'));
  assert.equal(cams.length, 1);
  const cam = await readCamFile(path.join(RUN, RUN_FILES.cams, cams[0]));
  assert.equal(cam?.className, 'consolidation');
  assert.equal(cam?.classIndex, 0);
  assert.deepEqual(cam?.classes, CLASSES);
  assert.equal(cam?.method, 'gradcam');
  assert.equal(cam?.checkpoint, 'best');
  assert.equal(cam?.probabilities.length, 3);
});

test('format-1 fixture: the extension reads the run (Runs tree record)', async () => {
  const run = await readRun(RUN, () => false);
  assert.ok(run);
  assert.equal(run.status, 'completed');
  assert.deepEqual(run.checkpoints.map((c) => [c.which, c.meta.epoch]), [['best', 1], ['last', 2]]);
  assert.deepEqual(run.evals.map((e) => [e.name, e.total]), [['test', 6]]);
});

test('a malformed file: one sentence naming the file and the first bad field', async () => {
  const dir = await copyRun();
  const runJson = path.join(dir, RUN_FILES.run);
  await editJson(runJson, (v) => { (v.config as Record<string, unknown>).epochs = 'ten'; });
  await assert.rejects(readRunInfo(dir), (e) => e instanceof RunError
    && assertOneSentence(e, runJson, /field "config\.epochs" should be a number, not the text "ten"/));

  await editJson(runJson, (v) => { (v.config as Record<string, unknown>).epochs = 2; delete (v.dataset as Record<string, unknown>).classes; });
  await assert.rejects(readRunInfo(dir), (e) => assertOneSentence(e, runJson, /field "dataset\.classes" is missing/));

  const metaJson = path.join(checkpointDir(dir, 'last'), RUN_FILES.meta);
  await editJson(metaJson, (v) => { v.savedAt = 5; });
  await assert.rejects(readCheckpointMeta(checkpointDir(dir, 'last')), (e) => assertOneSentence(e, metaJson, /field "savedAt" should be a string/));

  const evalJson = evalFilePath(dir, 'test');
  await editJson(evalJson, (v) => { (v.predictions as Record<string, unknown>[])[3].label = 'x'; });
  await assert.rejects(readEvalFile(evalJson), (e) => assertOneSentence(e, evalJson, /field "predictions\[3\]\.label" should be a number/));

  const splitJson = path.join(dir, RUN_FILES.split);
  await editJson(splitJson, (v) => { v['normal/img-0001.png'] = 'holdout'; });
  await assert.rejects(readSplit(dir), (e) => assertOneSentence(e, splitJson, /field "normal\/img-0001\.png" should be "train" or "val" or "test", not "holdout"/));

  // The pure parsers: what the extension and the webview side use (RunFileError, no engine error kinds).
  assert.throws(() => parseRunInfo('{"format": 1, "id": ', 'x/run.json'), (e) => e instanceof RunFileError
    && assertOneSentence(e, 'x/run.json', /it is not valid JSON/));
  assert.throws(() => parseEvalFile('[]', 'x/eval/test.json'), (e) => assertOneSentence(e, 'x/eval/test.json', /expected an object, found an array/));
  const line = (epoch: number, valLoss: unknown = 1) => JSON.stringify({ epoch, trainLoss: 1, trainAcc: 0.5, valLoss, valAcc: 0.5, lr: 1e-3, seconds: 1, best: false });
  assert.throws(() => parseHistory(`${line(1)}\n${line(2, 'NaN')}\n${line(3)}\n`, 'h.jsonl'),
    (e) => assertOneSentence(e, 'h.jsonl', /field "valLoss" on line 2 should be a number/));
  assert.deepEqual(parseHistory(`${line(1)}\n${line(2, null)}\n{"epoch":3,"tr`, 'h.jsonl').map((h) => [h.epoch, h.valLoss]), [[1, 1], [2, NaN]],
    'null (a NaN loss) reads as NaN; an unterminated last line is one being written');
});

test('a file of a newer layout is refused clearly', async () => {
  const dir = await copyRun();
  const runJson = path.join(dir, RUN_FILES.run);
  await editJson(runJson, (v) => { v.format = 2; v.somethingNew = true; });
  await assert.rejects(readRunInfo(dir), (e) => e instanceof RunError
    && assertOneSentence(e, runJson, /written by a newer CXR Lab \(format 2\); this version reads format 1\./));
  assert.throws(() => parseSplit('{"format": 7}', 'split.json'), /split\.json: it was written by a newer CXR Lab \(format 7\); this version reads format 1\./);
  assert.equal(await readRun(dir), undefined, 'the Runs tree leaves out a run it cannot read');
});

test("the format-1 checkpoint still evaluates; what the engine writes carries the layout's format", { timeout: 120_000 }, async () => {
  await initBackend('auto');
  const dir = await copyRun();
  await editJson(path.join(dir, RUN_FILES.run), (v) => { (v.dataset as Record<string, unknown>).root = DATA; });
  const old = (await readEvalFile(evalFilePath(RUN, 'test')))!;

  const onTest = await evaluateRun({ runDir: dir, emit: () => {} });
  assert.equal(onTest.name, 'test');
  assert.deepEqual(onTest.confusion, old.confusion, 'same checkpoint, same split.json, same predictions');
  const written = (await readEvalFile(onTest.jsonPath))!;
  for (const [i, p] of written.predictions.entries()) {
    assert.equal(p.rel, old.predictions[i].rel);
    p.probabilities.forEach((q, c) => assert.ok(Math.abs(q - old.predictions[i].probabilities[c]) < 1e-3));
  }
  assert.equal((JSON.parse(await fs.readFile(onTest.jsonPath, 'utf8')) as { format?: number }).format, RUN_LAYOUT_VERSION);

  const onData = await evaluateRun({ runDir: dir, data: DATA, checkpoint: 'last', emit: () => {} });
  assert.equal(onData.name, 'data-data-last', "the last checkpoint's evaluation is a file of its own");
  assert.deepEqual(onData.classes, CLASSES);
  assert.equal(sum(onData.confusion), 24);
  assert.equal((await readEvalFile(onData.jsonPath))?.checkpoint.which, 'last');
});
