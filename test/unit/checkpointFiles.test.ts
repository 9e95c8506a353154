/**
 * Which checkpoint folder a reader uses (shared/runFiles/checkpointFiles.ts), the extension's Runs tree over a run a
 * crash left mid-swap, stale temporaries (engine/run/cleanup.ts) and the full-disk sentence (engine/run/diskFull.ts).
 * The same situations through the real CLI: faults.test.ts.
 */
import '../fakes/vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  checkWeightsFiles, describeWeightsProblem, dirTempName, fileTempName, isStaleTemp, locateCheckpoint, parseTempName, weightsBytes,
  type CheckpointFs,
} from '../../src/shared/runFiles';
import { listRuns } from '../../src/extension/runs/runReader';
import { childNodes, nodeView, rootNodes, runContextValue } from '../../src/extension/runs/runTreeModel';
import { cleanStaleTemporaries, cleanupMessage } from '../../src/engine/run/cleanup';
import { diskFullError, runFileOf } from '../../src/engine/run/diskFull';
import { epoch, meta, tempWorkspace, writeRun } from '../fakes/runFixtures';

/** An in-memory file system: path → text (or a byte count for binary files). */
function memoryFs(files: Record<string, string | number>): CheckpointFs {
  const join = (...parts: string[]) => parts.join('/').replace(/\/\.\//g, '/');
  return {
    join,
    list: async (dir) => [...new Set(Object.keys(files).filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1).split('/')[0]))],
    readText: async (file) => (typeof files[file] === 'string' ? files[file] as string : undefined),
    size: async (file) => (file in files ? (typeof files[file] === 'number' ? files[file] as number : (files[file] as string).length) : undefined),
  };
}

const modelJson = JSON.stringify({ weightsManifest: [{ paths: ['./weights.bin'], weights: [{ name: 'w', shape: [2, 3], dtype: 'float32' }, { name: 'b', shape: [4], dtype: 'int32' }] }] });
const MODEL_BYTES = 2 * 3 * 4 + 4 * 4;
const optimizerJson = JSON.stringify({ specs: [{ name: 'iter', shape: [], dtype: 'float32' }, { name: 'm', shape: [5], dtype: 'float32' }], config: {} });
const trainerJson = JSON.stringify({ epochsDone: 1, bestValLoss: 0.5, plateau: { best: 0.5, badEpochs: 0, reductions: 0 } });
const metaJson = (epochN: number) => JSON.stringify({ epoch: epochN, valLoss: 1 / epochN, valAcc: 0.5, savedAt: '2026-11-01T00:00:00Z' });

/** The files of a complete checkpoint folder (last: with the resume state). */
function checkpointFiles(dir: string, epochN: number, o: { last?: boolean; weights?: number; meta?: boolean } = {}): Record<string, string | number> {
  return {
    [`${dir}/model.json`]: modelJson, [`${dir}/weights.bin`]: o.weights ?? MODEL_BYTES,
    ...(o.last ? { [`${dir}/optimizer.json`]: optimizerJson, [`${dir}/optimizer.bin`]: 24, [`${dir}/trainer.json`]: trainerJson } : {}),
    ...(o.meta === false ? {} : { [`${dir}/meta.json`]: metaJson(epochN) }),
  };
}

test('weightsBytes: Σ shape product × dtype bytes, quantized weights by their stored dtype', () => {
  assert.equal(weightsBytes([{ shape: [2, 3], dtype: 'float32' }, { shape: [4], dtype: 'int32' }, { shape: [10], dtype: 'float32', quantization: { dtype: 'uint8' } }]), 24 + 16 + 10);
  assert.equal(weightsBytes([{ shape: [], dtype: 'float32' }]), 4, 'a scalar');
  assert.throws(() => weightsBytes([{ shape: [1], dtype: 'string' }]), /no fixed size/);
});

test('temporary names carry what they replace and the writer\'s pid; stale unless another live process wrote them', () => {
  assert.deepEqual(parseTempName(dirTempName('last', 'tmp', 123, 1700000000000)), { kind: 'dir-tmp', base: 'last', pid: 123, time: 1700000000000 });
  assert.deepEqual(parseTempName(dirTempName('best', 'old', 9, 5)), { kind: 'dir-old', base: 'best', pid: 9, time: 5 });
  assert.deepEqual(parseTempName(fileTempName('run.json', 42, 7)), { kind: 'file-tmp', base: 'run.json', pid: 42, time: 7 });
  for (const name of ['last', 'best', 'weights.bin', 'run.json', 'run.lock', 'test.json']) assert.equal(parseTempName(name), undefined, name);
  const alive = (pid: number) => pid === 50 || pid === 60;
  assert.equal(isStaleTemp({ pid: 50 }, 60, alive), false, 'another live process: still writing');
  assert.equal(isStaleTemp({ pid: 60 }, 60, alive), true, 'our own pid: an earlier process with the same pid');
  assert.equal(isStaleTemp({ pid: 70 }, 60, alive), true, 'a dead process');
});

test('checkWeightsFiles: a missing or short weights file is named with its size and the size the manifest needs', async () => {
  assert.equal(await checkWeightsFiles('c', memoryFs(checkpointFiles('c', 1))), undefined);
  const short = await checkWeightsFiles('c', memoryFs(checkpointFiles('c', 1, { weights: 13 })));
  assert.deepEqual(short, { kind: 'truncated', file: 'c/weights.bin', size: 13, expected: MODEL_BYTES });
  assert.equal(describeWeightsProblem(short!), `c/weights.bin is truncated (13 of ${MODEL_BYTES} bytes)`);
  assert.equal((await checkWeightsFiles('c', memoryFs({ 'c/model.json': modelJson })))?.kind, 'missing');
  assert.equal((await checkWeightsFiles('c', memoryFs({ 'c/model.json': '{"weightsMan' })))?.kind, 'unreadable');
  assert.equal((await checkWeightsFiles('c', memoryFs(checkpointFiles('c', 1, { weights: MODEL_BYTES + 4 }))))?.kind, 'oversized');
});

test('locateCheckpoint: the folder when it exists, else the newest complete copy an interrupted swap left, else none', async () => {
  const ck = 'run/checkpoints';
  const present = memoryFs({ ...checkpointFiles(`${ck}/last`, 3, { last: true }), ...checkpointFiles(`${ck}/last.tmp-5-9`, 4, { last: true }) });
  assert.deepEqual(await locateCheckpoint('run', 'last', present), { which: 'last', dir: `${ck}/last` }, 'the folder itself: no copy is considered');

  const midSwap = memoryFs({
    ...checkpointFiles(`${ck}/last.old-5-100`, 1, { last: true }),
    ...checkpointFiles(`${ck}/last.tmp-5-100`, 2, { last: true }),
    ...checkpointFiles(`${ck}/last.tmp-5-50`, 3, { last: true, meta: false }), // killed before meta.json: incomplete
    ...checkpointFiles(`${ck}/last.tmp-6-70`, 4, { last: true, weights: 7 }), // a truncated weights file: incomplete
    ...checkpointFiles(`${ck}/best.tmp-5-100`, 9), // another checkpoint's copy
    ...checkpointFiles(`${ck}/best`, 2),
  });
  const found = await locateCheckpoint('run', 'last', midSwap);
  assert.equal(found?.dir, `${ck}/last.tmp-5-100`);
  assert.deepEqual([found?.recovered?.name, found?.recovered?.epoch, found?.recovered?.pid], ['last.tmp-5-100', 2, 5]);
  assert.equal(found?.note, 'checkpoints/last was being replaced when the run stopped; using the complete copy last.tmp-5-100 (epoch 2)');
  assert.equal((await locateCheckpoint('run', 'best', midSwap))?.dir, `${ck}/best`);

  // A `last` copy without its resume state is not complete; a `best` copy needs none.
  const noState = memoryFs(checkpointFiles(`${ck}/last.old-5-1`, 1));
  assert.equal(await locateCheckpoint('run', 'last', noState), undefined);
  const bestCopy = memoryFs(checkpointFiles(`${ck}/best.old-5-1`, 1));
  assert.equal((await locateCheckpoint('run', 'best', bestCopy))?.recovered?.epoch, 1);
  assert.equal(await locateCheckpoint('run', 'last', memoryFs({})), undefined, 'no checkpoints folder at all');
});

test('locateCheckpoint: a last copy of a run that averages its weights is complete only with training-weights.bin at its size', async () => {
  const ck = 'run/checkpoints';
  const averaged = JSON.stringify({ ...JSON.parse(trainerJson), averaging: { updates: 9, specs: [{ name: '0:w', shape: [2, 3], dtype: 'float32' }] } });
  const copy = (name: string, epochN: number, trainingBytes?: number) => ({
    ...checkpointFiles(`${ck}/${name}`, epochN, { last: true }), [`${ck}/${name}/trainer.json`]: averaged,
    ...(trainingBytes === undefined ? {} : { [`${ck}/${name}/training-weights.bin`]: trainingBytes }),
  });
  const files = memoryFs({ ...copy('last.tmp-5-1', 1, 24), ...copy('last.tmp-5-2', 2), ...copy('last.tmp-5-3', 3, 20) });
  assert.equal((await locateCheckpoint('run', 'last', files))?.recovered?.epoch, 1, 'epochs 2 (no file) and 3 (short file) are incomplete');
});

const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

/** A complete copy on disk, as the engine writes it (weights sized by model.json's manifest). */
function writeCopy(dir: string, epochN: number, last: boolean): void {
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(checkpointFiles(dir, epochN, { last }))) {
    writeFileSync(file, typeof content === 'number' ? Buffer.alloc(content) : content);
  }
}

test('Runs tree: a run killed mid-swap lists last from its newest complete copy, says so, and renames nothing', async () => {
  const ws = tempWorkspace();
  const dir = writeRun(ws, { id: 'r-mid-swap', status: 'running', pid: deadPid(), createdAt: '2026-11-01T00:00:00Z', history: [epoch(1), epoch(2)], checkpoints: { best: meta(1, 0.9) } });
  writeCopy(path.join(dir, 'checkpoints', 'last.old-5-100'), 1, true);
  writeCopy(path.join(dir, 'checkpoints', 'last.tmp-5-100'), 2, true);
  const before = readdirSync(path.join(dir, 'checkpoints')).sort();

  const [run] = await listRuns([ws]);
  const last = run.checkpoints.find((c) => c.which === 'last');
  assert.equal(last?.meta.epoch, 2);
  const note = 'checkpoints/last was being replaced when the run stopped; using the complete copy last.tmp-5-100 (epoch 2)';
  assert.equal(last?.note, note);
  assert.equal(run.checkpoints.find((c) => c.which === 'best')?.note, undefined);
  const view = nodeView(childNodes(rootNodes([run], () => undefined)[0]).find((n) => n.kind === 'checkpoint' && n.which === 'last')!);
  assert.equal(view.tooltip, note);
  assert.match(view.description ?? '', /^epoch 2 · .* · recovered copy$/);
  assert.match(runContextValue(run), /\bresumable\b/);
  assert.deepEqual(readdirSync(path.join(dir, 'checkpoints')).sort(), before, 'the extension only reads');
});


test('Runs tree: a run stopped during epoch 1 (no checkpoint) can be resumed; one with finished epochs but no last cannot', async () => {
  const ws = tempWorkspace();
  writeRun(ws, { id: 'r-epoch-1', status: 'running', pid: deadPid(), createdAt: '2026-11-02T00:00:00Z' });
  writeRun(ws, { id: 'r-no-last', status: 'cancelled', createdAt: '2026-11-01T00:00:00Z', history: [epoch(1)], checkpoints: { best: meta(1, 0.9) } });
  const [epoch1, noLast] = await listRuns([ws]);
  assert.equal(epoch1.status, 'interrupted');
  assert.deepEqual(epoch1.checkpoints, []);
  assert.match(runContextValue(epoch1), /\bresumable\b/);
  assert.doesNotMatch(runContextValue(noLast), /\bresumable\b/);
});

test('cleanStaleTemporaries: removes what dead processes (or an earlier process with our pid) left, keeps a live process\'s', async () => {
  const ws = tempWorkspace();
  const dir = writeRun(ws, { id: 'r', status: 'running', createdAt: '2026-11-01T00:00:00Z', history: [epoch(1)], checkpoints: { best: meta(1, 0.9), last: meta(1, 0.9) } });
  const LIVE = 50, OWN = 60, DEAD = 70;
  writeCopy(path.join(dir, 'checkpoints', `last.tmp-${DEAD}-1`), 2, true);
  mkdirSync(path.join(dir, 'checkpoints', `best.tmp-${LIVE}-1`));
  writeFileSync(path.join(dir, `run.json.${OWN}.1.tmp`), '{');
  writeFileSync(path.join(dir, `history.jsonl.${LIVE}.1.tmp`), '');
  mkdirSync(path.join(dir, 'eval'));
  writeFileSync(path.join(dir, 'eval', `test.json.${DEAD}.1.tmp`), '{"x":1');
  writeFileSync(path.join(dir, 'checkpoints', 'last', `meta.json.${DEAD}.1.tmp`), '');

  const r = await cleanStaleTemporaries(dir, { ownPid: OWN, alive: (pid) => pid === LIVE || pid === OWN });
  assert.deepEqual(r.removed.sort(), [
    path.join('checkpoints', 'last', `meta.json.${DEAD}.1.tmp`), path.join('checkpoints', `last.tmp-${DEAD}-1`),
    path.join('eval', `test.json.${DEAD}.1.tmp`), `run.json.${OWN}.1.tmp`,
  ].sort());
  assert.ok(r.bytes >= MODEL_BYTES + 24, `${r.bytes} bytes`);
  assert.match(cleanupMessage(r)!, /^Removed 4 stale temporaries left by a stopped process \(0\.0 MB\): /);
  assert.equal(cleanupMessage({ removed: [], bytes: 0 }), undefined);
  assert.deepEqual(readdirSync(path.join(dir, 'checkpoints')).sort(), ['best', `best.tmp-${LIVE}-1`, 'last']);
  assert.ok(readdirSync(dir).includes(`history.jsonl.${LIVE}.1.tmp`));
});

test('diskFullError: one sentence naming the run folder, what was being written and how to go on; other errors unchanged', () => {
  const run = path.join('/data', 'runs', 'r1');
  assert.equal(runFileOf(run, path.join(run, 'checkpoints', 'last.tmp-12-34', 'weights.bin.12.35.tmp')), 'checkpoints/last');
  assert.equal(runFileOf(run, path.join(run, 'checkpoints', 'best')), 'checkpoints/best');
  assert.equal(runFileOf(run, path.join(run, 'run.json.12.34.tmp')), 'run.json');
  assert.equal(runFileOf(run, path.join(run, 'eval', 'test.json.12.34.tmp')), 'eval/test.json');
  const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: path.join(run, 'checkpoints', 'last.tmp-1-2', 'optimizer.bin.1.2.tmp') });
  const e = diskFullError(full, run) as Error & { kind: string };
  assert.equal(e.message, `No space left on the device holding ${run} (while writing checkpoints/last); free space and resume with: cxr-lab resume ${run}`);
  assert.equal(e.kind, 'io');
  const other = Object.assign(new Error('EIO'), { code: 'EIO' });
  assert.equal(diskFullError(other, run), other);
  assert.equal(diskFullError('text', run), 'text');
});
