/**
 * What survives a crash, a full disk and damaged checkpoints: the real CLI (dist/cli.js) killed or failed at named
 * points with the test-only CXR_LAB_FAULT hook (src/engine/faults.ts), then resumed, evaluated and explained.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import type { EpochRecord, RunInfo } from '../../src/shared/runFiles';
import { readRun as readRunRecord } from '../../src/extension/runs/runReader';
import { CLI, requireBuilt } from '../helpers/cli';

let tmp: string;
let data: string;
const small = ['--arch', 'squeezenet1_1', '--image-size', '32', '--batch', '4', '--val-per-class', '2', '--test-per-class', '2', '--seed', '7'];

const cli = (args: string[], fault?: string): SpawnSyncReturns<string> => spawnSync(process.execPath, [CLI, ...args], {
  encoding: 'utf8', cwd: tmp, timeout: 120_000,
  env: { ...process.env, CXR_LAB_FAULT: fault ?? '' },
});
/** The fault hook kills the process as kill -9 does. */
const assertKilled = (r: SpawnSyncReturns<string>) => assert.ok(r.signal === 'SIGKILL' || r.status === 137, `not killed: status ${r.status} ${r.stderr}`);
const ok = (r: SpawnSyncReturns<string>) => assert.equal(r.status, 0, r.stderr);
const runInfo = async (dir: string) => JSON.parse(await fs.readFile(path.join(dir, 'run.json'), 'utf8')) as RunInfo;
const history = async (dir: string): Promise<EpochRecord[]> =>
  (await fs.readFile(path.join(dir, 'history.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as EpochRecord);
const epochs = async (dir: string) => (await history(dir)).map((h) => h.epoch);
const checkpointEntries = async (dir: string) => (await fs.readdir(path.join(dir, 'checkpoints')).catch(() => [] as string[])).sort();
/** Every temporary (`*.tmp`, `*.tmp-*`, `*.old-*`) anywhere under a folder. */
async function temporaries(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (/\.tmp$|\.(tmp|old)-\d+-\d+$/.test(e.name)) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  }
  return out;
}
const anImage = async () => path.join(data, 'effusion', (await fs.readdir(path.join(data, 'effusion'))).find((f) => f.endsWith('.png'))!);

before(async () => {
  await requireBuilt(CLI);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-faults-'));
  data = path.join(tmp, 'data');
  await generatePhantomDataset(data, { perClass: 8, size: 40, classes: 3, seed: 2 });
});

test('kill -9 during epoch 1 (no checkpoint yet): resume starts again from epoch 1 with the same split and seed', async () => {
  // resnet18: no dropout, so two runs with one seed are equal to the bit (squeezenet's dropout is not seeded).
  const args = [...small, '--arch', 'resnet18', '--epochs', '2'];
  const reference = path.join(tmp, 'uninterrupted');
  ok(cli(['train', data, ...args, '--out', reference]));

  const runDir = path.join(tmp, 'killed-epoch-1');
  assertKilled(cli(['train', data, ...args, '--out', runDir], 'epoch:1:batch:2'));
  assert.deepEqual(await checkpointEntries(runDir), [], 'killed before any checkpoint');
  const split = await fs.readFile(path.join(runDir, 'split.json'), 'utf8');

  const r = cli(['resume', runDir]);
  ok(r);
  assert.match(r.stderr, /starting again from epoch 1/);
  assert.equal((await runInfo(runDir)).status, 'completed');
  assert.equal(await fs.readFile(path.join(runDir, 'split.json'), 'utf8'), split, 'the same split');
  const strip = (rows: EpochRecord[]) => rows.map(({ seconds: _s, ...rest }) => rest);
  assert.deepEqual(strip(await history(runDir)), strip(await history(reference)), 'the same seed: the same epochs as a run never killed');
  ok(cli(['evaluate', runDir, '--split', 'val']));
});

test('Ctrl-C during epoch 1 says resume starts again from epoch 1, and it does', async () => {
  const runDir = path.join(tmp, 'ctrl-c-epoch-1');
  const child = spawn(process.execPath, [CLI, '--json', 'train', data, ...small, '--batch', '2', '--epochs', '2', '--out', runDir], { cwd: tmp });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    if (!out.includes('"phase":"train"') && (out + d.toString()).includes('"phase":"train"')) child.kill('SIGINT');
    out += d.toString();
  });
  await new Promise((resolve) => child.once('exit', resolve));
  const info = await runInfo(runDir);
  assert.equal(info.status, 'cancelled', out.slice(-500));
  assert.equal(info.epochsDone, 0, 'cancelled within epoch 1');
  const messages = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; message?: string }).filter((e) => e.type === 'log').map((e) => e.message!);
  const cancelled = messages.find((m) => m.startsWith('Cancelled'));
  assert.ok(cancelled, messages.join('\n'));
  assert.doesNotMatch(cancelled, /checkpoints\/last/, 'there is no checkpoints/last to resume from');
  assert.match(cancelled, /starts again from epoch 1/);

  const r = cli(['resume', runDir]);
  ok(r);
  assert.deepEqual(await epochs(runDir), [1, 2]);
});

test('a crash between the two renames of a checkpoint swap: evaluate, explain, the Runs tree and resume use the newest complete copy', async () => {
  const runDir = path.join(tmp, 'killed-mid-swap');
  // Epoch 1's swap has no old copy; epoch 2's renames last → last.old-*, and dies before last.tmp-* → last.
  assertKilled(cli(['train', data, ...small, '--epochs', '3', '--out', runDir], 'checkpoint:last:after-old-rename'));
  const entries = await checkpointEntries(runDir);
  assert.ok(!entries.includes('last'), entries.join(', '));
  const copy = entries.find((e) => e.startsWith('last.tmp-'))!;
  assert.ok(copy && entries.some((e) => e.startsWith('last.old-')), entries.join(', '));
  const line = `checkpoints/last was being replaced when the run stopped; using the complete copy ${copy} (epoch 2)`;

  // The extension reads the copy and says so, renaming nothing.
  const record = await readRunRecord(runDir);
  const last = record?.checkpoints.find((c) => c.which === 'last');
  assert.equal(last?.meta.epoch, 2);
  assert.equal(last?.note, line);
  assert.deepEqual(await checkpointEntries(runDir), entries, 'a reader renames nothing');

  const ev = cli(['evaluate', runDir, '--split', 'val', '--checkpoint', 'last']);
  ok(ev);
  assert.ok(ev.stderr.includes(line), ev.stderr);
  const evalFile = JSON.parse(await fs.readFile(path.join(runDir, 'eval', 'val-last.json'), 'utf8')) as { checkpoint: { which: string; epoch: number } };
  assert.deepEqual([evalFile.checkpoint.which, evalFile.checkpoint.epoch], ['last', 2]);
  const ex = cli(['explain', runDir, await anImage(), '--checkpoint', 'last', '--out', path.join(tmp, 'cams-mid-swap')]);
  ok(ex);
  assert.ok(ex.stderr.includes(line), ex.stderr);
  assert.deepEqual(await checkpointEntries(runDir), entries, 'evaluate and explain rename nothing');

  const r = cli(['resume', runDir]);
  ok(r);
  assert.ok(r.stderr.includes(line), r.stderr);
  assert.match(r.stderr, /Resuming after epoch 2/);
  const info = await runInfo(runDir);
  assert.deepEqual([info.status, info.epochsDone], ['completed', 3]);
  assert.deepEqual(await epochs(runDir), [1, 2, 3]);
  assert.deepEqual(await checkpointEntries(runDir), ['best', 'last'], 'the copies are gone');
});

test('leftovers: a kill while writing a checkpoint leaves last.tmp-*; resume removes stale temporaries and keeps a live process\'s', async () => {
  const runDir = path.join(tmp, 'killed-mid-write');
  assertKilled(cli(['train', data, ...small, '--epochs', '3', '--out', runDir], 'checkpoint:last:before-meta@2'));
  const entries = await checkpointEntries(runDir);
  assert.ok(entries.includes('last') && entries.some((e) => e.startsWith('last.tmp-')), entries.join(', '));
  // A dead process's half-written run.json, and a temp folder of a process that is alive (this test runner).
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  await fs.writeFile(path.join(runDir, `run.json.${dead}.1700000000000.tmp`), '{"half":');
  const live = `best.tmp-${process.pid}-1700000000000`;
  await fs.mkdir(path.join(runDir, 'checkpoints', live));

  const r = cli(['resume', runDir]);
  ok(r);
  assert.match(r.stderr, /Resuming after epoch 1/);
  assert.match(r.stderr, /[Rr]emoved 2 stale temporar/);
  assert.deepEqual(await temporaries(runDir), [path.join('checkpoints', live)], 'only the live process\'s temporary is left');
  assert.deepEqual(await epochs(runDir), [1, 2, 3]);
});

test('a full disk while writing checkpoints/last: the message names the folder, run.json says failed, no partial files, resumable', async () => {
  const runDir = path.join(tmp, 'disk-full');
  // optimizer.bin is written for checkpoints/last only: the second time is epoch 2.
  const r = cli(['train', data, ...small, '--epochs', '2', '--out', runDir], 'write:optimizer.bin@2=ENOSPC');
  assert.equal(r.status, 1, r.stderr);
  const message = `No space left on the device holding ${runDir} (while writing checkpoints/last); free space and resume with: cxr-lab resume ${runDir}`;
  assert.ok(r.stderr.includes(`cxr-lab: ${message}`), r.stderr);
  const info = await runInfo(runDir);
  assert.equal(info.status, 'failed');
  assert.equal(info.error, message);
  assert.deepEqual(await temporaries(runDir), [], 'no partial files left behind');
  assert.deepEqual(await checkpointEntries(runDir), ['best', 'last']);

  ok(cli(['resume', runDir]));
  assert.deepEqual(await epochs(runDir), [1, 2]);
  assert.equal((await runInfo(runDir)).status, 'completed');
});

test('a disk that stays full: run.json cannot be updated either, and the error is still the checkpoint\'s', async () => {
  const runDir = path.join(tmp, 'disk-stays-full');
  const r = cli(['train', data, ...small, '--epochs', '2', '--out', runDir], 'write:optimizer.bin@2=disk-full');
  assert.equal(r.status, 1, r.stderr);
  const last = r.stderr.trim().split('\n').filter((l) => l.startsWith('cxr-lab:')).pop();
  assert.equal(last, `cxr-lab: No space left on the device holding ${runDir} (while writing checkpoints/last); free space and resume with: cxr-lab resume ${runDir}`);
  assert.deepEqual(await temporaries(runDir), []);
});

test('truncated weights and a deleted best checkpoint: one sentence naming the file and the other checkpoint', async () => {
  const runDir = path.join(tmp, 'damaged');
  ok(cli(['train', data, ...small, '--epochs', '2', '--out', runDir]));
  const weights = path.join(runDir, 'checkpoints', 'last', 'weights.bin');
  const intact = await fs.readFile(weights);
  await fs.writeFile(weights, intact.subarray(0, 1003)); // not even a whole float32

  const ev = cli(['evaluate', runDir, '--split', 'val', '--checkpoint', 'last']);
  assert.equal(ev.status, 1, ev.stderr);
  assert.ok(ev.stderr.includes(`cxr-lab: ${weights} is truncated (1003 of ${intact.length} bytes); this checkpoint cannot be loaded — use --checkpoint best`), ev.stderr);
  assert.doesNotMatch(ev.stderr, /Float32Array|multiple of 4/);
  const ex = cli(['explain', runDir, await anImage(), '--checkpoint', 'last']);
  assert.equal(ex.status, 1, ex.stderr);
  assert.ok(ex.stderr.includes(`${weights} is truncated (1003 of ${intact.length} bytes)`), ex.stderr);
  const resume = cli(['resume', runDir]);
  assert.equal(resume.status, 1, resume.stderr);
  assert.ok(resume.stderr.includes(`${weights} is truncated (1003 of ${intact.length} bytes); this checkpoint cannot be loaded`), resume.stderr);

  await fs.writeFile(weights, intact);
  await fs.rm(path.join(runDir, 'checkpoints', 'best'), { recursive: true });
  const noBest = cli(['evaluate', runDir, '--split', 'val']);
  assert.equal(noBest.status, 1, noBest.stderr);
  assert.doesNotMatch(noBest.stderr, /no epoch finished/);
  assert.ok(noBest.stderr.includes(`${path.join(runDir, 'checkpoints', 'best')} is missing`), noBest.stderr);
  assert.match(noBest.stderr, /use --checkpoint last/);
  ok(cli(['evaluate', runDir, '--split', 'val', '--checkpoint', 'last']));
});
