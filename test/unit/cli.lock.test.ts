/**
 * One training per run folder, with real processes (issue 10, item 4): two `cxr-lab train` into one --out at the same
 * time, `resume` of a run that is still training, a stale lock of a killed process, a lock of another host (--force).
 * Needs dist/cli.js (`node esbuild.mjs`; npm test builds it first).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { RUN_FILES, type RunInfo } from '../../src/shared/runFiles';
import { CLI, requireBuilt } from '../helpers/cli';

let tmp: string;
let data: string;
const small = ['--arch', 'squeezenet1_1', '--image-size', '32', '--batch', '4', '--val-per-class', '2', '--test-per-class', '2'];
const holder = (pid: number, host: string) =>
  new RegExp(`is in use by process ${pid} on host ${host.replace(/\./g, '\\.')} since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d \\(training\\); wait for it or cancel it`);

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp, timeout: 180_000 });
const runInfo = async (dir: string) => JSON.parse(await fs.readFile(path.join(dir, RUN_FILES.run), 'utf8')) as RunInfo;
const exists = (file: string) => fs.access(file).then(() => true, () => false);

interface Finished { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }
function start(...args: string[]): { child: ChildProcessWithoutNullStreams; done: Promise<Finished>; stdout: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: tmp });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<Finished>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stdout: () => stdout };
}
async function until(what: string, check: () => boolean, done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.then(() => { finished = true; });
  while (!check()) {
    if (finished) throw new Error(`the process ended before ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  await requireBuilt(CLI);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-cli-lock-'));
  data = path.join(tmp, 'data');
  await generatePhantomDataset(data, { perClass: 8, size: 40, classes: 3, seed: 2 });
});

test('two trainings into one --out at the same time: one trains, the other exits 1 naming the holder', async () => {
  const out = path.join(tmp, 'shared-out');
  const a = start('train', data, ...small, '--epochs', '25', '--seed', '1', '--out', out);
  const b = start('train', data, ...small, '--epochs', '25', '--seed', '2', '--out', out);
  const [ra, rb] = await Promise.all([a.done, b.done]);
  const results = [{ r: ra, pid: a.child.pid! }, { r: rb, pid: b.child.pid! }];
  const won = results.filter((x) => x.r.code === 0);
  const lost = results.filter((x) => x.r.code === 1);
  assert.equal(won.length, 1, `exactly one succeeds: ${ra.code} ${ra.stderr.slice(-300)} / ${rb.code} ${rb.stderr.slice(-300)}`);
  assert.equal(lost.length, 1);
  const reasons = lost[0].r.stderr.split('\n').filter((l) => l.startsWith('cxr-lab:'));
  assert.equal(reasons.length, 1, lost[0].r.stderr);
  assert.match(reasons[0], holder(won[0].pid, os.hostname()));
  assert.ok(reasons[0].includes(out), reasons[0]);

  const info = await runInfo(out);
  assert.equal(info.status, 'completed');
  assert.equal(info.pid, won[0].pid, 'run.json is the winner’s');
  assert.equal(info.config.seed, won[0].pid === a.child.pid ? 1 : 2, 'and so are its settings');
  assert.equal(await exists(path.join(out, RUN_FILES.lock)), false, 'the lock is released when the training ends');
});

test('resume of a run that is still training is refused; once its process is killed the stale lock is taken over', async () => {
  const out = path.join(tmp, 'live');
  const trainer = start('--json', 'train', data, ...small, '--epochs', '40', '--out', out);
  await until('the first epoch ended', () => trainer.stdout().includes('"epoch-end"'), trainer.done);
  const refused = cli('resume', out);
  assert.equal(refused.status, 1, refused.stderr);
  assert.match(refused.stderr, holder(trainer.child.pid!, os.hostname()));
  assert.equal((await runInfo(out)).status, 'running', 'the refused resume wrote nothing');

  trainer.child.kill('SIGKILL');
  await trainer.done;
  const resumed = cli('resume', out);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.ok(resumed.stderr.includes(`took over the lock of process ${trainer.child.pid}, which is gone`), resumed.stderr);
  assert.equal((await runInfo(out)).status, 'completed');
  assert.equal(await exists(path.join(out, RUN_FILES.lock)), false);
});

test('a lock held on another host refuses train without --force and is taken over with it', async () => {
  const out = path.join(tmp, 'cluster');
  await fs.mkdir(out, { recursive: true });
  await fs.writeFile(path.join(out, RUN_FILES.lock), JSON.stringify({ format: 1, pid: 31337, host: 'node-17.cluster', startedAt: new Date().toISOString(), job: 'training' }));
  const refused = cli('train', data, ...small, '--epochs', '1', '--out', out);
  assert.equal(refused.status, 1, refused.stderr);
  assert.match(refused.stderr, holder(31337, 'node-17.cluster'));
  assert.equal(await exists(path.join(out, RUN_FILES.run)), false);

  const forced = cli('train', data, ...small, '--epochs', '1', '--out', out, '--force');
  assert.equal(forced.status, 0, forced.stderr);
  assert.match(forced.stderr, /node-17\.cluster/);
  assert.equal((await runInfo(out)).status, 'completed');
});

test('resume takes --force too (an unknown option would be a usage error, exit 2)', () => {
  const r = cli('resume', data, '--force'); // a folder, not a run
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /not a CXR Lab run directory/);
});
