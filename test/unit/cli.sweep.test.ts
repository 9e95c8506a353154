/**
 * The training queue through the built CLI (issue 13, item 1), with real processes and tiny models on a phantom dataset:
 * `train --arch a,b [--seeds …]` trains one member after another, each in an engine process of its own; a member whose
 * engine is killed (the CXR_LAB_FAULT hook, scoped to that member) is marked failed and the queue goes on (exit 1); all
 * members share one split while their seeds differ; SIGTERM to the runner cancels the member in progress and the rest
 * (exit 143) and `resume` finishes the queue; a member cancelled on its own (SIGINT to its engine) lets the queue go on
 * (exit 130); a second runner on a running queue is refused. Needs dist/cli.js and dist/engineHost.js (`node esbuild.mjs`).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { LAB_DIR, RUN_FILES, SWEEP_FILES, SWEEPS_DIR, parseSweepFile, type EpochRecord, type RunInfo, type SweepFile } from '../../src/shared/runFiles';
import { CLI, ENGINE_HOST, requireBuilt } from '../helpers/cli';

let tmp: string;
let data: string;
const tiny = ['--image-size', '32', '--batch', '4', '--val-per-class', '2', '--test-per-class', '2'];

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp, timeout: 240_000, env: { ...process.env, CXR_LAB_FAULT: '', ...env } });
const readJson = async <T>(file: string) => JSON.parse(await fs.readFile(file, 'utf8')) as T;
const sweepFile = async (dir: string): Promise<SweepFile> => parseSweepFile(await fs.readFile(path.join(dir, SWEEP_FILES.sweep), 'utf8'), SWEEP_FILES.sweep);
const runInfo = (dir: string) => readJson<RunInfo>(path.join(dir, RUN_FILES.run));
const split = (dir: string) => fs.readFile(path.join(dir, RUN_FILES.split), 'utf8');
const history = async (dir: string): Promise<EpochRecord[]> =>
  (await fs.readFile(path.join(dir, RUN_FILES.history), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as EpochRecord);
const exists = (file: string) => fs.access(file).then(() => true, () => false);

interface Finished { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }
function start(args: string[]): { child: ChildProcessWithoutNullStreams; done: Promise<Finished>; stdout: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: tmp, env: { ...process.env, CXR_LAB_FAULT: '' } });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<Finished>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stdout: () => stdout };
}
async function until(what: string, check: () => boolean | Promise<boolean>, done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.then(() => { finished = true; });
  while (!(await check())) {
    if (finished) throw new Error(`the process ended before ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
/** The JSON lines of a --json run (events, then the result). */
const jsonLines = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
const epochEndOf = (stdout: string, member: string) => jsonLines(stdout).some((e) => e.type === 'epoch-end' && e.member === member);

before(async () => {
  await requireBuilt(CLI, ENGINE_HOST);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-cli-sweep-'));
  data = path.join(tmp, 'data');
  await generatePhantomDataset(data, { perClass: 8, size: 40, classes: 3, seed: 2 });
});

test('a queue of two architectures: exit 0, one run folder per member under a new .cxr-lab/sweeps folder, events tagged with the member', async () => {
  const r = cli(['--json', 'train', data, '--arch', 'squeezenet1_1,mobilenetv2', ...tiny, '--epochs', '1']);
  assert.equal(r.status, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  const result = lines.at(-1)!;
  assert.equal(result.type, 'result');
  assert.equal(result.request, 'sweep');
  const sweepDir = (result.result as { sweepDir: string }).sweepDir;
  assert.equal(path.dirname(sweepDir), path.join(tmp, LAB_DIR, SWEEPS_DIR));
  assert.match(path.basename(sweepDir), /^\d{8}-\d{6}-sweep$/);
  const file = await sweepFile(sweepDir);
  assert.equal(file.status, 'completed');
  assert.deepEqual(file.members.map((m) => [m.name, m.status]), [['squeezenet1_1', 'completed'], ['mobilenetv2', 'completed']]);
  for (const m of file.members) {
    const info = await runInfo(path.join(sweepDir, m.runDir));
    assert.equal(info.status, 'completed');
    assert.equal(info.config.arch, m.arch);
    assert.notEqual(info.pid, r.pid, "each member trained in an engine process of its own, not the runner's");
    assert.ok(lines.some((e) => e.type === 'epoch-end' && e.member === m.name && e.runDir === path.join(sweepDir, m.runDir)), `an epoch-end of ${m.name}, tagged`);
  }
  assert.equal(await split(path.join(sweepDir, 'squeezenet1_1')), await split(path.join(sweepDir, 'mobilenetv2')), 'one split for both');
  assert.equal(await exists(path.join(sweepDir, SWEEP_FILES.lock)), false, 'the runner released the queue');
});

test("a member whose engine is killed is marked failed with the reason, the queue goes on (exit 1); seeds vary the training, not the split; resume finishes it", async () => {
  const out = path.join(tmp, 'seeds');
  // The first member's engine dies at its first batch as with kill -9.
  const r = cli(['train', data, '--arch', 'squeezenet1_1,mobilenetv2', '--seeds', '1,2', ...tiny, '--epochs', '1', '--out', out], { CXR_LAB_FAULT: 'squeezenet1_1-seed1/epoch:1:batch:1' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /training queue failed: 3\/4 completed, 1 failed/);
  const file = await sweepFile(out);
  assert.equal(file.status, 'failed');
  assert.equal(file.splitSeed, 1, 'the split seed is the first seed');
  assert.deepEqual(file.members.map((m) => [m.name, m.status]), [
    ['squeezenet1_1-seed1', 'failed'], ['squeezenet1_1-seed2', 'completed'], ['mobilenetv2-seed1', 'completed'], ['mobilenetv2-seed2', 'completed'],
  ]);
  assert.match(file.members[0].reason ?? '', /The engine process was killed \(SIGKILL\) before the training ended/);

  const dirs = file.members.map((m) => path.join(out, m.runDir));
  const splits = await Promise.all(dirs.slice(1).map(split));
  assert.ok(splits.every((s) => s === splits[0]), 'every member has the same split.json');
  for (const d of dirs.slice(1)) assert.equal((await runInfo(d)).config.splitSeed, 1);
  const [a, b] = [await history(dirs[2]), await history(dirs[3])];
  assert.notEqual(a[0].trainLoss, b[0].trainLoss, 'seeds 1 and 2 train differently (initialisation, sampler, augmentation)');

  // A single run keeps today's behaviour: --seed 1 alone splits as the queue's split seed 1, and --split-seed separates the two.
  const single = cli(['train', data, '--arch', 'squeezenet1_1', ...tiny, '--epochs', '1', '--seed', '1', '--out', path.join(tmp, 'single-seed1')]);
  assert.equal(single.status, 0, single.stderr);
  assert.equal(await split(path.join(tmp, 'single-seed1')), splits[0]);
  assert.equal((await runInfo(path.join(tmp, 'single-seed1'))).config.splitSeed, undefined, 'no split seed written when none was given');
  const separate = cli(['train', data, '--arch', 'squeezenet1_1', ...tiny, '--epochs', '1', '--seed', '5', '--split-seed', '1', '--out', path.join(tmp, 'seed5-split1')]);
  assert.equal(separate.status, 0, separate.stderr);
  assert.equal(await split(path.join(tmp, 'seed5-split1')), splits[0]);

  const resumed = cli(['resume', out]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /training queue completed: 4\/4 completed/);
  assert.equal((await runInfo(dirs[0])).status, 'completed', 'the killed member was trained again');
  assert.equal(await split(dirs[0]), splits[0]);
});

test('SIGTERM to the runner cancels the member in progress and the rest (exit 143); a second runner meanwhile is refused; resume finishes the queue', async () => {
  const out = path.join(tmp, 'sigterm');
  const runner = start(['--json', 'train', data, '--arch', 'squeezenet1_1,mobilenetv2', ...tiny, '--epochs', '8', '--out', out]);
  await until('the first member finished an epoch', () => epochEndOf(runner.stdout(), 'squeezenet1_1'), runner.done);

  const second = cli(['resume', out]);
  assert.equal(second.status, 1, second.stderr);
  assert.match(second.stderr, new RegExp(`is in use by process ${runner.child.pid} on host .* \\(training queue\\); wait for it or cancel it`));
  const again = cli(['train', data, '--arch', 'squeezenet1_1,mobilenetv2', ...tiny, '--out', out]);
  assert.equal(again.status, 1, 'starting the same queue again is refused too');

  runner.child.kill('SIGTERM');
  const r = await runner.done;
  assert.equal(r.signal, null, 'handled, not killed by the signal');
  assert.equal(r.code, 143, r.stderr);
  const file = await sweepFile(out);
  assert.equal(file.status, 'cancelled');
  assert.match(file.note ?? '', /SIGTERM/);
  assert.deepEqual(file.members.map((m) => m.status), ['cancelled', 'cancelled']);
  assert.match(file.members[1].reason ?? '', /^not started/);
  const first = await runInfo(path.join(out, 'squeezenet1_1'));
  assert.equal(first.status, 'cancelled', 'the member stopped after its batch, resumable');
  assert.match(first.note ?? '', /SIGTERM/);
  assert.ok(first.epochsDone >= 1 && first.epochsDone < 8);
  assert.equal(await exists(path.join(out, 'mobilenetv2')), false, 'the second member never started');
  assert.equal(await exists(path.join(out, SWEEP_FILES.lock)), false);

  const resumed = cli(['resume', out]);
  assert.equal(resumed.status, 0, resumed.stderr);
  const done = await sweepFile(out);
  assert.deepEqual(done.members.map((m) => [m.status, m.epochsDone]), [['completed', 8], ['completed', 8]]);
  assert.deepEqual((await history(path.join(out, 'squeezenet1_1'))).map((h) => h.epoch), [1, 2, 3, 4, 5, 6, 7, 8], 'continued, not restarted');
});

test('a member cancelled on its own (SIGINT to its engine, as Cancel in the Runs tree sends): the queue goes on, then exits 130', async () => {
  const out = path.join(tmp, 'member-cancel');
  const runner = start(['--json', 'train', data, '--arch', 'squeezenet1_1,mobilenetv2', ...tiny, '--epochs', '6', '--out', out]);
  await until('the first member finished an epoch', () => epochEndOf(runner.stdout(), 'squeezenet1_1'), runner.done);
  const member = await runInfo(path.join(out, 'squeezenet1_1'));
  assert.notEqual(member.pid, runner.child.pid);
  process.kill(member.pid, 'SIGINT');
  const r = await runner.done;
  assert.equal(r.code, 130, r.stderr);
  const file = await sweepFile(out);
  assert.deepEqual(file.members.map((m) => m.status), ['cancelled', 'completed'], 'the second member trained after the first was cancelled');
  assert.match(file.members[0].reason ?? '', /on its own/);
  assert.equal(file.status, 'cancelled');
  assert.equal((await runInfo(path.join(out, 'mobilenetv2'))).epochsDone, 6);
});

test('usage: --seed with --seeds, a bad seed, or a bad option of any member exits 2 before a queue folder exists', async () => {
  const cwdSweeps = path.join(tmp, LAB_DIR, SWEEPS_DIR);
  const before = await fs.readdir(cwdSweeps).catch(() => [] as string[]);
  const both = cli(['train', data, '--arch', 'squeezenet1_1,mobilenetv2', '--seed', '1', '--seeds', '1,2']);
  assert.equal(both.status, 2, both.stderr);
  assert.match(both.stderr, /either --seed or --seeds/);
  const bad = cli(['train', data, '--arch', 'squeezenet1_1', '--seeds', '1,x']);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /'x' is not a seed/);
  const size = cli(['train', data, '--arch', 'squeezenet1_1,mobilenetv2', '--image-size', '16']);
  assert.equal(size.status, 2, size.stderr);
  assert.match(size.stderr, /--image-size must be at least 32/);
  assert.deepEqual(await fs.readdir(cwdSweeps).catch(() => [] as string[]), before, 'no new queue folder');
});

test('two single runs of one architecture started in the same second get two folders', async () => {
  const cwd = await fs.mkdtemp(path.join(tmp, 'same-second-'));
  const args = [CLI, 'train', data, '--arch', 'squeezenet1_1', ...tiny, '--epochs', '1'];
  const both = await Promise.all([0, 1].map(() => new Promise<number | null>((resolve) => {
    spawn(process.execPath, args, { cwd, stdio: 'ignore' }).on('close', resolve);
  })));
  assert.deepEqual(both, [0, 0]);
  const runs = await fs.readdir(path.join(cwd, LAB_DIR, 'runs'));
  assert.equal(runs.length, 2, runs.join(', '));
  for (const r of runs) assert.match(r, /^\d{8}-\d{6}-squeezenet1_1(-2)?$/);
});
