/**
 * Training queues in the extension (issue 13, item 1): the Runs tree groups a queue's runs under its node with the
 * queue's live status; the follower turns sweep.json and runner.log into member starts, live events and ends (what a
 * reloaded window attaches to); the training manager tracks such a member like its own run; the Train Model settings
 * of a queue become the runner's command line.
 */
import '../fakes/vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { SWEEP_FILES, type SweepFile, type SweepMember } from '../../src/shared/runFiles';
import type { JobEvent } from '../../src/shared/engineProtocol';
import { listSweeps, readSweep, sweepViewStatus } from '../../src/extension/runs/sweepReader';
import { childNodes, nodeView, rootNodes, type RunsTreeNode } from '../../src/extension/runs/runTreeModel';
import { listRuns } from '../../src/extension/runs/runReader';
import { SweepFollower, type FollowerSink } from '../../src/extension/training/sweepFollower';
import { SweepManager } from '../../src/extension/training/sweepManager';
import { TrainingManager } from '../../src/extension/training/trainingManager';
import type { TrainingEvent } from '../../src/extension/training/trainingEvents';
import { asTrainSettings, defaultSettings, isQueue, parseSeeds, queueCliArgs, settingsSummary } from '../../src/extension/training/trainSettings';
import { epoch, meta, tempWorkspace, writeRun, writeSweep } from '../fakes/runFixtures';

const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;
const label = (n: RunsTreeNode) => nodeView(n).label;

test('the Runs tree: a queue is one node among the runs (by time), its members under it — runs, or member rows before a run exists', async () => {
  const ws = tempWorkspace();
  writeRun(ws, { id: '20261101-000000-resnet18', status: 'completed', createdAt: '2026-11-01T00:00:00Z' });
  writeRun(ws, { id: '20261105-000000-vgg16', status: 'completed', createdAt: '2026-11-05T00:00:00Z', arch: 'vgg16' });
  writeSweep(ws, { id: '20261103-000000-sweep', createdAt: '2026-11-03T00:00:00Z', status: 'running', members: [
    { arch: 'mobilenetv2', status: 'completed', run: { status: 'completed', epochs: 2, history: [epoch(1), epoch(2)], checkpoints: { best: meta(2, 0.5) } } },
    { arch: 'squeezenet1_1', status: 'running', run: { status: 'running', epochs: 2, history: [epoch(1)] } },
    { arch: 'densenet121', status: 'queued' },
    { arch: 'resnet50', status: 'failed', reason: 'The engine process was killed (SIGKILL) before the training ended.' },
  ] });
  const sweeps = await listSweeps([ws]);
  assert.equal(sweeps.length, 1);
  const [sweep] = sweeps;
  assert.equal(sweep.status, 'running', 'its runner (this process) is alive');
  assert.deepEqual(sweep.members.map((m) => [m.member.name, m.run?.status ?? 'no run']), [
    ['mobilenetv2', 'completed'], ['squeezenet1_1', 'running'], ['densenet121', 'no run'], ['resnet50', 'no run'],
  ]);
  assert.ok(sweep.members.every((m) => !m.run || m.run.sweep === sweep.dir), 'member runs know their queue');

  // The model's list() has every run, members included; the tree shows the members under the queue only.
  const runs = [...await listRuns([ws]), ...sweep.members.flatMap((m) => (m.run ? [m.run] : []))];
  const live = (dir: string) => (dir === sweep.members[1].dir ? { phase: 'train', done: 3, total: 4, epoch: 2, epochs: 2, etaSeconds: 12 } : undefined);
  const roots = rootNodes(runs, live, [], sweeps);
  assert.deepEqual(roots.map(label), ['20261105-000000-vgg16', '20261103-000000-sweep', '20261101-000000-resnet18']);
  const sweepView = nodeView(roots[1]);
  assert.equal(sweepView.description, 'mobilenetv2, squeezenet1_1, densenet121, resnet50 · running · 1/4 completed, 1 failed · squeezenet1_1 epoch 2/2 train 75% ETA 12s');
  assert.match(sweepView.contextValue, /^sweep\b/);
  assert.match(sweepView.contextValue, /\bsweepCancellable\b/);
  assert.doesNotMatch(sweepView.contextValue, /\bcancellable\b|\bsweepResumable\b/, 'Cancel Training is for runs; a running queue is not resumed');
  assert.equal(sweepView.icon, 'sync~spin');
  assert.equal(sweepView.collapsible, 'expanded');
  assert.match(sweepView.tooltip ?? '', /resnet50: The engine process was killed/);

  const children = childNodes(roots[1]);
  assert.deepEqual(children.map((c) => [c.kind, label(c)]), [['run', 'mobilenetv2'], ['run', 'squeezenet1_1'], ['member', 'densenet121'], ['member', 'resnet50']]);
  const running = nodeView(children[1]);
  assert.match(running.description ?? '', /^running · epoch 2\/2 · train 75%/, 'the member in progress shows like a normal run (its label names the arch)');
  assert.match(running.contextValue, /\bcancellable\b/, 'one member can be cancelled on its own');
  assert.equal(nodeView(children[2]).description, 'densenet121 · queued');
  assert.equal(nodeView(children[2]).icon, 'clock');
  assert.match(nodeView(children[3]).description ?? '', /^resnet50 · failed · The engine process was killed/);
  assert.equal(nodeView(children[3]).icon, 'error');
});

test('a queue whose runner is gone is interrupted (resumable); a finished one says how many completed', async () => {
  const ws = tempWorkspace();
  writeSweep(ws, { id: 'a', createdAt: '2026-11-03T00:00:00Z', status: 'running', runnerPid: deadPid(), members: [
    { arch: 'resnet18', status: 'completed', run: { status: 'completed' } }, { arch: 'vgg16', status: 'running' },
  ] });
  writeSweep(ws, { id: 'b', createdAt: '2026-11-02T00:00:00Z', status: 'completed', members: [
    { arch: 'resnet18', seed: 1, status: 'completed' }, { arch: 'resnet18', seed: 2, status: 'completed' },
  ] });
  const [a, b] = await listSweeps([ws]);
  assert.equal(a.status, 'interrupted');
  const va = nodeView({ kind: 'sweep', sweep: a });
  assert.equal(va.description, 'resnet18, vgg16 · interrupted · 1/2 completed');
  assert.match(va.contextValue, /\bsweepResumable\b/);
  assert.doesNotMatch(va.contextValue, /\bsweepCancellable\b/);
  assert.equal(va.icon, 'debug-disconnect');
  const vb = nodeView({ kind: 'sweep', sweep: b });
  assert.equal(vb.description, 'resnet18 × 2 seeds · 2/2 completed');
  assert.doesNotMatch(vb.contextValue, /\bsweepResumable\b/, 'nothing left to resume');
  assert.deepEqual(b.members.map((m) => m.member.name), ['resnet18-seed1', 'resnet18-seed2']);

  assert.equal(sweepViewStatus({ status: 'running', runner: { pid: 1, host: 'node7', startedAt: '' } }, 'node7', () => false, 'login'), 'running on node7');
  assert.equal(await readSweep(path.join(ws, 'nowhere')), undefined);
});

/** A sink that records what the follower reports, as text. */
function recorder(): FollowerSink & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    memberStarted: (runDir, m, epochs) => log.push(`start ${path.basename(runDir)} ${m.arch} ${epochs}`),
    memberEvent: (runDir, e) => log.push(`event ${path.basename(runDir)} ${e.type}${e.type === 'progress' ? ` ${e.done}/${e.total}` : ''}`),
    memberEnded: (runDir, _m, status) => log.push(`end ${path.basename(runDir)} ${status}`),
    ended: (file, status, saw) => log.push(`queue ${status}${saw ? '' : ' (already over)'}`),
  };
}

test('the follower: member starts, the members\' events from runner.log (a line being written waits), ends, then the queue\'s end', async () => {
  const ws = tempWorkspace();
  const dir = writeSweep(ws, { id: 'q', createdAt: '2026-11-03T00:00:00Z', status: 'running', members: [
    { arch: 'resnet18', status: 'running' }, { arch: 'vgg16', status: 'queued' },
  ] });
  const file = () => JSON.parse(readFileSync(path.join(dir, SWEEP_FILES.sweep), 'utf8')) as SweepFile;
  const save = (f: SweepFile) => writeFileSync(path.join(dir, SWEEP_FILES.sweep), JSON.stringify(f));
  const setMembers = (...statuses: SweepMember['status'][]) => { const f = file(); save({ ...f, members: f.members.map((m, i) => ({ ...m, status: statuses[i] })) }); };
  const logFile = path.join(dir, SWEEP_FILES.log);
  const line = (o: object) => JSON.stringify(o) + '\n';
  const r18 = path.join(dir, 'resnet18'), vgg = path.join(dir, 'vgg16');
  writeFileSync(logFile, [
    line({ type: 'log', level: 'info', message: 'Training queue …' }), // the queue's own line: no member
    line({ type: 'progress', phase: 'train', done: 1, total: 4, member: 'resnet18', runDir: r18 }),
    'cxr-lab: an error line of the runner\n',
  ].join(''));
  const sink = recorder();
  const follower = new SweepFollower(dir, sink);
  assert.equal(await follower.poll(), true);
  assert.equal(follower.hasLog, true);
  assert.deepEqual(sink.log, ['start resnet18 resnet18 5', 'event resnet18 progress 1/4']);

  // Half a line: not delivered until its newline arrives.
  const epochEnd = line({ type: 'epoch-end', runDir: r18, member: 'resnet18', record: epoch(1) });
  appendFileSync(logFile, epochEnd.slice(0, 20));
  await follower.poll();
  assert.equal(sink.log.length, 2);
  appendFileSync(logFile, epochEnd.slice(20));
  setMembers('completed', 'running');
  appendFileSync(logFile, line({ type: 'progress', phase: 'train', done: 2, total: 4, member: 'vgg16', runDir: vgg }));
  await follower.poll();
  // Starts, then the log's events (the last epoch of resnet18 arrives before its end), then the ends.
  assert.deepEqual(sink.log.slice(2), ['start vgg16 vgg16 5', 'event resnet18 epoch-end', 'event vgg16 progress 2/4', 'end resnet18 completed']);

  setMembers('completed', 'failed');
  save({ ...file(), status: 'failed' });
  assert.equal(await follower.poll(), false, 'over');
  assert.deepEqual(sink.log.slice(6), ['end vgg16 failed', 'queue failed']);
  assert.equal(follower.done, true);

  // A follower attached to a queue already over only says so; one whose runner died ends the member as interrupted.
  const late = recorder();
  await new SweepFollower(dir, late).poll();
  assert.deepEqual(late.log, ['queue failed (already over)']);
  const killed = writeSweep(ws, { id: 'k', createdAt: '2026-11-03T00:00:00Z', status: 'running', members: [{ arch: 'resnet18', status: 'running' }] });
  let alive = true;
  const deps = { readSweep: (d: string) => readSweep(d).then((s) => s?.info), readFrom: async () => undefined, alive: () => alive, host: hostname() };
  const k = recorder();
  const kf = new SweepFollower(killed, k, deps);
  await kf.poll();
  alive = false;
  await kf.poll();
  assert.deepEqual(k.log, ['start resnet18 resnet18 5', 'end resnet18 interrupted', 'queue interrupted']);
  assert.equal(kf.hasLog, false, 'a queue started in a terminal has no runner.log');
});

test('the training manager tracks a queue member run by another process: live progress, events, then its end', () => {
  const invalidated: number[] = [];
  const runs = { invalidate: () => invalidated.push(1) };
  const manager = new TrainingManager({ backend: 'tensorflow' } as never, runs as never);
  const events: TrainingEvent[] = [];
  manager.onDidChange((e) => events.push(e));
  const dir = '/ws/.cxr-lab/sweeps/q/resnet18';
  manager.trackedEvent(dir, { type: 'progress', phase: 'train', done: 1, total: 2 });
  assert.equal(events.length, 0, 'an untracked run is ignored');
  manager.track(dir, 'resnet18', 6);
  assert.equal(manager.isLive(dir), true);
  assert.equal(manager.placeholder(dir)?.status, 'running');
  const progress: JobEvent = { type: 'progress', phase: 'train', done: 3, total: 8, epoch: 2, epochs: 6 };
  manager.trackedEvent(dir, progress);
  assert.equal(manager.progress(dir)?.done, 3);
  assert.equal(manager.cancel(dir), false, 'no job here: Cancel signals its engine process instead');
  manager.untrack(dir, 'completed');
  assert.equal(manager.isLive(dir), false);
  assert.deepEqual(events.map((e) => e.kind === 'status' ? `status ${e.status}` : `job ${e.event.type}`), ['job progress', 'status completed']);
  assert.ok(invalidated.length >= 2);
  manager.dispose();
});

test('Train Model settings of a queue: several architectures or seeds, the runner\'s command line, kept across sessions', () => {
  const s = { ...defaultSettings('/data/cxr'), arch: 'resnet18', archs: ['resnet18', 'densenet121'], seeds: [1, 2], epochs: 6, imageSize: 128, pretrained: 'imagenet' };
  assert.equal(isQueue(s), true);
  assert.equal(isQueue({ archs: ['resnet18'] }), false);
  assert.equal(isQueue({ archs: ['resnet18'], seeds: [1, 2] }), true);
  assert.equal(isQueue({}), false);
  assert.deepEqual(queueCliArgs(s, '/ws/.cxr-lab/sweeps/q', 'tensorflow'), [
    '--json', '--backend', 'tensorflow', 'train', '/data/cxr', '--arch', 'resnet18,densenet121', '--seeds', '1,2',
    '--epochs', '6', '--batch', '20', '--lr', '0.0001', '--image-size', '128', '--sampler', 'weighted', '--scheduler', 'step',
    '--pretrained', 'imagenet', '--out', '/ws/.cxr-lab/sweeps/q',
  ]);
  assert.ok(!queueCliArgs({ ...s, seeds: undefined }, '/q', 'auto').includes('--backend'), "'auto' is the CLI's default");
  assert.equal(settingsSummary(s), 'resnet18 + densenet121 · pretrained imagenet · seeds 1, 2 · 6 epochs · batch 20 · lr 1e-4 · 128 px · weighted · step');
  assert.deepEqual(parseSeeds(' 3, 1 2,3 '), { seeds: [3, 1, 2] });
  assert.match((parseSeeds('1,-2') as { error: string }).error, /"-2" is not a seed/);
  assert.deepEqual(asTrainSettings(JSON.parse(JSON.stringify(s)))?.archs, ['resnet18', 'densenet121']);
  assert.equal(asTrainSettings({ ...s, seeds: [1.5] }), undefined);
  assert.equal(asTrainSettings({ ...s, archs: [] }), undefined);
});

test('Cancel Queue: SIGTERM to the queue\'s runner (its member stops after the batch, the rest do not start); nothing to signal when it is not running here', async () => {
  const ws = tempWorkspace();
  // A stand-in runner that reports the signal it gets.
  const runner = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => { console.log('SIGTERM'); process.exit(143); }); setInterval(() => {}, 1000); console.log('ready')"], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  runner.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 20));
  writeSweep(ws, { id: 'q', createdAt: '2026-11-03T00:00:00Z', status: 'running', runnerPid: runner.pid, members: [{ arch: 'resnet18', status: 'running' }, { arch: 'vgg16', status: 'queued' }] });
  const [sweep] = await listSweeps([ws]);
  const runs = { onDidChange: () => ({ dispose() {} }), sweeps: async () => [] };
  const manager = new SweepManager({ context: {} as never, output: { appendLine() {} } as never, runs: runs as never, trainings: {} as never, trainingPanels: {} as never });
  assert.equal(manager.cancel(sweep), true);
  const code = await new Promise<number | null>((r) => runner.on('exit', (c) => r(c)));
  assert.equal(code, 143);
  assert.match(out, /SIGTERM/);
  assert.equal(manager.cancel((await listSweeps([ws]))[0]), false, 'its runner is gone: interrupted, nothing to cancel');
  manager.dispose();
});
