/**
 * The Slurm tier: a real single-node cluster (Debian's slurm-wlm and munge: slurmctld + one slurmd, accounting off —
 * cluster-start.sh, ../shared/slurm-notes.md) and the CLI as users run it (dist/cli.js). A queue of two tiny trainings
 * with --executor slurm, a job cancelled while pending and one while running (both resumable), bad input, and the Runs
 * tree's model of it all; the daemons are stopped at the end. Needs root (it installs packages and starts daemons):
 * skipped elsewhere with the reason, but under CI=true (root) it must run.
 *
 *   npm run test:slurm        (builds dist/ first)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, symlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import type { RunInfo, SlurmJobFile, SweepFile } from '../../src/shared/runFiles';
import type { RunsListing } from '../../src/cli/runsList';
import { readRun } from '../../src/extension/runs/runReader';
import { readSweep } from '../../src/extension/runs/sweepReader';
import { nodeView } from '../../src/extension/runs/runTreeModel';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const SCRIPTS = path.join(ROOT, 'test/slurm');
const TINY = ['--arch', 'mobilenetv2', '--image-size', '32', '--batch', '8', '--val-per-class', '2', '--test-per-class', '2'];

function whyNot(): string | false {
  if (process.platform !== 'linux') return 'the Slurm tier runs on Linux only';
  if (process.getuid?.() !== 0) return 'the Slurm tier needs root: it installs slurm-wlm and munge and starts their daemons';
  if (!existsSync('/usr/sbin/slurmctld') && !existsSync('/usr/bin/apt-get')) return 'Slurm is not installed and there is no apt-get to install it';
  return false;
}
const skip = whyNot();
if (skip && process.env.CI === 'true') {
  test('CI runs the Slurm tier', () => assert.fail(`${skip}; CI=true runs as root on Debian, so this tier must run, not skip.`));
}

let ws: string;
let env: NodeJS.ProcessEnv;

const cli = (args: string[], o: { timeout?: number; env?: NodeJS.ProcessEnv; node?: string } = {}): SpawnSyncReturns<string> =>
  spawnSync(o.node ?? process.execPath, [CLI, ...args], { cwd: ws, env: o.env ?? env, encoding: 'utf8', timeout: o.timeout ?? 120_000 });
const ok = (r: SpawnSyncReturns<string>, what: string) => assert.equal(r.status, 0, `${what}: exit ${r.status}\n${r.stderr}\n${r.stdout}`);
const json = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').pop()!).result as T;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `cxr-lab runs <dir> --json`: the rows, runs and sweep members alike. */
function rows(dir: string) {
  const r = cli(['runs', dir, '--json']);
  ok(r, 'runs');
  const l = lastJson<RunsListing>(r.stdout);
  return [...l.runs, ...l.sweeps.flatMap((s) => s.members)];
}

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}

before(async () => {
  if (skip) return;
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`node esbuild.mjs\` first (npm run test:slurm does)`);
  const t0 = Date.now();
  const start = spawnSync('bash', [path.join(SCRIPTS, 'cluster-start.sh')], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(start.status, 0, `cluster-start.sh failed:\n${start.stderr}`);
  const conf = /export SLURM_CONF=(\S+)/.exec(start.stdout)?.[1];
  assert.ok(conf, `cluster-start.sh printed no SLURM_CONF: ${start.stdout}`);
  env = { ...process.env, SLURM_CONF: conf };
  process.env.SLURM_CONF = conf; // the Runs tree's model asks squeue from this process
  console.log(`# cluster up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${start.stderr.trim().split('\n').pop()})`);
  ws = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-slurm-'));
  await generatePhantomDataset(path.join(ws, 'data'), { perClass: 12, size: 32, classes: 3, seed: 1 });
  await generatePhantomDataset(path.join(ws, 'full'), { perClass: 6, size: 32, classes: 3, seed: 2 });
  await fs.mkdir(path.join(ws, 'oneclass'));
  await fs.rename(path.join(ws, 'full', (await fs.readdir(path.join(ws, 'full'))).find((d) => !d.includes('.'))!), path.join(ws, 'oneclass', 'only'));
});

after(() => {
  if (skip) return;
  const stop = spawnSync('bash', [path.join(SCRIPTS, 'cluster-stop.sh')], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(stop.status, 0, `cluster-stop.sh failed:\n${stop.stderr}`);
});

test('--executor slurm without sbatch on PATH: exit 2, one sentence', { skip }, () => {
  const bin = path.join(ws, 'bin-without-slurm');
  spawnSync('mkdir', ['-p', bin]);
  if (!existsSync(path.join(bin, 'node'))) symlinkSync(process.execPath, path.join(bin, 'node'));
  const r = cli(['train', 'data', '--executor', 'slurm'], { node: path.join(bin, 'node'), env: { PATH: bin, HOME: ws } });
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^cxr-lab: --executor slurm needs Slurm's sbatch on PATH/);
});

test('an sbatch refusal (a partition that does not exist): exit 1 quoting Slurm, nothing left behind', { skip }, () => {
  const r = cli(['train', 'data', ...TINY, '--epochs', '1', '--executor', 'slurm', '--partition', 'nope', '--out', 'refused']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /Slurm refused the job: sbatch: error: .*invalid partition/i);
  assert.ok(!existsSync(path.join(ws, 'refused')), 'no run folder for a job Slurm refused');
  const queue = cli(['train', 'data', ...TINY, '--seeds', '1,2', '--epochs', '1', '--executor', 'slurm', '--partition', 'nope', '--out', 'refused-queue']);
  assert.equal(queue.status, 1, queue.stderr);
  assert.ok(!existsSync(path.join(ws, 'refused-queue')), 'no queue folder when its first job was refused');
});

test('a queue of two trainings, one Slurm job each: both complete, the folders and the Runs tree say so', { skip }, async () => {
  const r = cli(['train', 'data', ...TINY, '--seeds', '1,2', '--epochs', '1', '--executor', 'slurm', '--cpus', '1', '--mem', '1G', '--out', 'queue', '--wait'], { timeout: 600_000 });
  ok(r, 'train --executor slurm --wait');
  assert.match(r.stderr, /submitted mobilenetv2-seed1 as Slurm job \d+/);
  const sweepDir = path.join(ws, 'queue');
  const sweep = json<SweepFile>(path.join(sweepDir, 'sweep.json'));
  assert.equal(sweep.status, 'completed', 'the last job to end closed the queue');
  assert.equal(sweep.executor, 'slurm', 'sweep.json says where its members train');
  assert.deepEqual(sweep.members.map((m) => [m.name, m.status]), [['mobilenetv2-seed1', 'completed'], ['mobilenetv2-seed2', 'completed']]);
  const jobIds: string[] = [];
  for (const m of sweep.members) {
    const dir = path.join(sweepDir, m.runDir);
    const info = json<RunInfo>(path.join(dir, 'run.json'));
    assert.deepEqual([info.status, info.epochsDone, info.config.seed, info.config.splitSeed], ['completed', 1, m.seed, 1]);
    assert.ok(existsSync(path.join(dir, 'checkpoints/best/model.json')));
    assert.equal(readFileSync(path.join(dir, 'history.jsonl'), 'utf8').trim().split('\n').length, 1);
    const job = json<SlurmJobFile>(path.join(dir, 'slurm-job.json'));
    assert.equal(job.submissions.length, 1);
    assert.deepEqual(job.submissions[0].options, ['--cpus-per-task=1', '--mem=1G']);
    const [attempt] = job.attempts;
    assert.deepEqual([attempt.jobId, attempt.exitCode, attempt.restart], [job.submissions[0].jobId, 0, 0]);
    assert.ok(Date.parse(attempt.endedAt!) >= Date.parse(attempt.startedAt));
    assert.match(readFileSync(job.submissions[0].log, 'utf8'), /cxr-lab: exit code 0/);
    jobIds.push(attempt.jobId);
  }
  // cxr-lab runs: Slurm still knows the jobs (MinJobAge 300 s), so their state is Slurm's.
  const listed = rows(sweepDir);
  assert.deepEqual(listed.map((x) => [x.name, x.status, x.slurm?.jobId, x.slurm?.slurmState]), [
    ['mobilenetv2-seed1', 'completed', jobIds[0], 'COMPLETED'], ['mobilenetv2-seed2', 'completed', jobIds[1], 'COMPLETED'],
  ]);
  // The Runs tree's model: the queue node and its two runs, each with its Slurm job.
  const record = await readSweep(sweepDir);
  assert.ok(record);
  assert.equal(record.status, 'completed');
  for (const [i, m] of record.members.entries()) {
    assert.ok(m.run, `member ${m.member.name} has its run`);
    assert.equal(m.run.slurm?.slurmState, 'COMPLETED');
    const view = nodeView({ kind: 'run', run: m.run });
    assert.match(view.description ?? '', new RegExp(`completed · Slurm job ${jobIds[i]}$`));
    assert.match(view.tooltip ?? '', /Slurm: completed/);
  }
});

test('a job cancelled while pending: listed, cancelled, resumable — and resumed here it trains', { skip }, async () => {
  // The workspace's defaults hold the job back an hour, so it is pending when scancel comes.
  await fs.mkdir(path.join(ws, '.cxr-lab'), { recursive: true });
  await fs.writeFile(path.join(ws, '.cxr-lab', 'slurm.json'), JSON.stringify({ sbatchArgs: ['--begin=now+1hour'], mem: '1G' }));
  const r = cli(['train', 'data', ...TINY, '--epochs', '1', '--executor', 'slurm', '--out', 'held']);
  await fs.rm(path.join(ws, '.cxr-lab', 'slurm.json'));
  ok(r, 'submit');
  const dir = path.join(ws, 'held');
  const jobId = json<SlurmJobFile>(path.join(dir, 'slurm-job.json')).submissions[0].jobId;
  assert.ok(!existsSync(path.join(dir, 'run.json')), 'the job has not started');

  // Slurm gives the reason once its scheduler has looked at the job (None until then).
  const pending = await until('the pending reason', () => { const [x] = rows(dir); return x.slurm?.reason ? x : undefined; });
  assert.deepEqual([pending.status, pending.slurm?.reason, pending.slurm?.cancellable], ['pending', 'BeginTime', true]);
  const queued = await readRun(dir);
  assert.ok(queued);
  assert.equal(queued.status, 'queued');
  const queuedView = nodeView({ kind: 'run', run: queued });
  assert.match(queuedView.description ?? '', new RegExp(`Slurm job ${jobId} pending \\(BeginTime\\)`));
  assert.match(queuedView.contextValue, /\bcancellable\b/);
  assert.doesNotMatch(queuedView.contextValue, /\bdeletable\b/);

  const cancel = spawnSync('scancel', [jobId], { env, encoding: 'utf8' });
  assert.equal(cancel.status, 0, cancel.stderr);
  const cancelled = await until('the cancel to show', () => { const [x] = rows(dir); return x.status === 'cancelled' ? x : undefined; });
  assert.equal(cancelled.slurm?.slurmState, 'CANCELLED');
  assert.equal(cancelled.slurm?.resumable, true);
  // The tree asks squeue at most every 2 s (one call for all its rows): the next read sees the cancel.
  const record = await until('the tree to see the cancel', async () => { const x = await readRun(dir); return x?.status === 'cancelled' ? x : undefined; }, 10_000);
  assert.match(nodeView({ kind: 'run', run: record }).contextValue, /\bresumable\b/);

  ok(cli(['resume', 'held'], { timeout: 300_000 }), 'resume here');
  assert.equal(json<RunInfo>(path.join(dir, 'run.json')).status, 'completed');
});

test('a running job cancelled with scancel stops after its batch, resumable; submitted again it gets a new job', { skip }, async () => {
  ok(cli(['train', 'data', ...TINY, '--epochs', '500', '--executor', 'slurm', '--cpus', '1', '--mem', '1G', '--out', 'long']), 'submit');
  const dir = path.join(ws, 'long');
  const job = json<SlurmJobFile>(path.join(dir, 'slurm-job.json'));
  const jobId = job.submissions[0].jobId;
  await until('the first epoch', () => existsSync(path.join(dir, 'history.jsonl')) && readFileSync(path.join(dir, 'history.jsonl'), 'utf8').trim() !== '');
  const running = rows(dir)[0];
  assert.equal(running.status, 'running');
  assert.equal(spawnSync('scancel', [jobId], { env }).status, 0);
  const ended = await until('the job to end', () => { const [x] = rows(dir); return x.status !== 'running' ? x : undefined; });
  assert.equal(ended.status, 'cancelled');
  const info = json<RunInfo>(path.join(dir, 'run.json'));
  assert.equal(info.status, 'cancelled');
  assert.match(info.note ?? '', /SIGTERM/);
  assert.ok(existsSync(path.join(dir, 'checkpoints/last')), 'a checkpoint to resume from');
  const attempt = json<SlurmJobFile>(path.join(dir, 'slurm-job.json')).attempts[0];
  assert.equal(attempt.exitCode, 143, 'the training stopped on SIGTERM and said so');
  assert.match(nodeView({ kind: 'run', run: (await readRun(dir))! }).contextValue, /\bresumable\b/);

  const again = cli(['resume', 'long', '--executor', 'slurm', '--cpus', '1', '--mem', '1G']);
  ok(again, 'resume --executor slurm');
  const submissions = json<SlurmJobFile>(path.join(dir, 'slurm-job.json')).submissions;
  assert.equal(submissions.length, 2);
  assert.notEqual(submissions[1].jobId, jobId);
  ok(cli(['cancel', 'long']), 'cxr-lab cancel');
  const file = json<SlurmJobFile>(path.join(dir, 'slurm-job.json'));
  assert.ok(file.cancelledAt, 'the cancel is in the folder');
  await until('the second job to end', () => { const [x] = rows(dir); return x.slurm?.cancellable === false ? x : undefined; });
});

test('a job that fails: --wait exits 1 naming its Slurm log; runs says why', { skip }, () => {
  const r = cli(['train', 'oneclass', ...TINY, '--epochs', '1', '--executor', 'slurm', '--mem', '1G', '--out', 'failing', '--wait'], { timeout: 300_000 });
  assert.equal(r.status, 1, r.stderr);
  const log = json<SlurmJobFile>(path.join(ws, 'failing', 'slurm-job.json')).submissions[0].log;
  assert.ok(r.stderr.includes(`Slurm log: ${log}`), r.stderr);
  assert.ok(existsSync(log));
  const [row] = rows(path.join(ws, 'failing'));
  assert.equal(row.status, 'failed');
  assert.match(row.detail ?? '', /at least two classes/);
});
