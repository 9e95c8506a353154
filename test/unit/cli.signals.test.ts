/**
 * Signals and exit status (issue 10, item 9), with real processes: Ctrl-C (SIGINT) that cancels a training exits 130;
 * SIGTERM (kill, docker stop, Slurm) cancels the same way and exits 143; both leave the run cancelled and resumable.
 * The forked engine process (what the extension runs) cancels its jobs on SIGTERM too, then exits.
 * Needs dist/cli.js and dist/engineHost.js (`node esbuild.mjs`; npm test builds them first).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { RUN_FILES, type RunInfo } from '../../src/shared/runFiles';
import type { EngineEvent } from '../../src/shared/engineProtocol';
import { CLI, ENGINE_HOST, requireBuilt } from '../helpers/cli';

let tmp: string;
let data: string;
const small = ['--arch', 'squeezenet1_1', '--image-size', '32', '--batch', '4', '--val-per-class', '2', '--test-per-class', '2'];
const EPOCHS = 20;

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp, timeout: 180_000 });
const runInfo = async (dir: string) => JSON.parse(await fs.readFile(path.join(dir, RUN_FILES.run), 'utf8')) as RunInfo;

before(async () => {
  await requireBuilt(CLI, ENGINE_HOST);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-cli-signals-'));
  data = path.join(tmp, 'data');
  await generatePhantomDataset(data, { perClass: 8, size: 40, classes: 3, seed: 2 });
});

/** Trains with --json, sends `signal` after the first epoch-end line; resolves with the exit code and output. */
async function trainAndSignal(out: string, signal: NodeJS.Signals): Promise<{ code: number | null; killedBy: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, '--json', 'train', data, ...small, '--epochs', String(EPOCHS), '--out', out], { cwd: tmp });
  let stdout = '', stderr = '', sent = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (!sent && stdout.includes('"epoch-end"')) { sent = true; child.kill(signal); }
  });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const [code, killedBy] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('close', (c, s) => r([c, s])));
  assert.ok(sent, `no epoch ended: ${stderr.slice(-500)}`);
  return { code, killedBy, stdout, stderr };
}

async function assertResumable(out: string): Promise<void> {
  const stopped = await runInfo(out);
  assert.ok(stopped.epochsDone >= 1 && stopped.epochsDone < EPOCHS, `stopped after ${stopped.epochsDone} epochs`);
  const resumed = cli('resume', out);
  assert.equal(resumed.status, 0, resumed.stderr);
  const after = await runInfo(out);
  assert.equal(after.status, 'completed');
  assert.equal(after.epochsDone, EPOCHS);
  assert.equal(after.note, undefined, 'a resumed run no longer carries the note of its stop');
}

test('Ctrl-C (SIGINT) cancels after the current batch and exits 130; the run is cancelled and resumes', async () => {
  const out = path.join(tmp, 'sigint');
  const r = await trainAndSignal(out, 'SIGINT');
  assert.equal(r.killedBy, null, 'handled, not killed by the signal');
  assert.equal(r.code, 130, r.stderr);
  const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(result.type, 'result');
  assert.equal(result.result.status, 'cancelled');
  const info = await runInfo(out);
  assert.equal(info.status, 'cancelled');
  await assert.rejects(fs.access(path.join(out, RUN_FILES.lock)), 'the lock is released');
  await assertResumable(out);
});

test('a second Ctrl-C quits at once, still 130, and leaves no lock behind', async () => {
  const out = path.join(tmp, 'sigint-twice');
  const child = spawn(process.execPath, [CLI, '--json', 'train', data, ...small, '--epochs', String(EPOCHS), '--out', out], { cwd: tmp });
  let stdout = '', sent = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (!sent && stdout.includes('"epoch-end"')) { sent = true; child.kill('SIGINT'); setTimeout(() => child.kill('SIGINT'), 5); }
  });
  const [code, killedBy] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('close', (c, s) => r([c, s])));
  assert.ok(sent);
  assert.equal(killedBy, null);
  assert.equal(code, 130);
  await assert.rejects(fs.access(path.join(out, RUN_FILES.lock)), 'the exit hook removed the lock');
});

test('SIGTERM is treated like Ctrl-C: cancelled at a batch boundary with a note, exit 143, resumable', async () => {
  const out = path.join(tmp, 'sigterm');
  const r = await trainAndSignal(out, 'SIGTERM');
  assert.equal(r.killedBy, null, 'handled, not killed by the signal');
  assert.equal(r.code, 143, r.stderr);
  const info = await runInfo(out);
  assert.equal(info.status, 'cancelled');
  assert.match(info.note ?? '', /SIGTERM/);
  await assert.rejects(fs.access(path.join(out, RUN_FILES.lock)), 'the lock is released');
  await assertResumable(out);
});

test('the engine process cancels its training on SIGTERM, reports the result, then exits 143', async () => {
  const out = path.join(tmp, 'host-sigterm');
  const host = fork(ENGINE_HOST, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const events: EngineEvent[] = [];
  let sent = false;
  host.on('message', (m) => {
    const e = m as EngineEvent;
    events.push(e);
    if (e.type === 'ready') host.send({ type: 'train', id: 1, dataset: data, runDir: out, config: { arch: 'squeezenet1_1', imageSize: 32, batchSize: 4, valPerClass: 2, testPerClass: 2, epochs: EPOCHS } });
    if (e.type === 'epoch-end' && !sent) { sent = true; host.kill('SIGTERM'); }
  });
  const [code, killedBy] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => host.on('exit', (c, s) => r([c, s])));
  assert.ok(sent, 'an epoch ended');
  assert.equal(killedBy, null);
  assert.equal(code, 143);
  const result = events.find((e) => e.type === 'result');
  assert.ok(result && result.type === 'result' && (result.result as { status: string }).status === 'cancelled', JSON.stringify(events.slice(-3)));
  const info = await runInfo(out);
  assert.equal(info.status, 'cancelled');
  assert.match(info.note ?? '', /SIGTERM/);
  await assert.rejects(fs.access(path.join(out, RUN_FILES.lock)), 'the lock is released');
});
