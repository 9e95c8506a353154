/**
 * The training queue (issue 13, item 1) in process: which members a sweep plans (names, seeds, one shared split seed),
 * sweep.json's schema and reader, the member-scoped fault hook, unique folder names, and the queue itself driven with a
 * fake member trainer — it goes on after a failed member, stops on cancel with the rest marked, refuses a second
 * runner, and resumes only what did not complete. The real processes (forked engines, exit codes) are in
 * cli.sweep.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  RUN_LAYOUT_VERSION, SWEEP_FILES, numberedFolderName, parseSweepFile, runFolderName, sweepMemberName, sweepProgressText, type SweepFile,
} from '../../src/shared/runFiles';
import { claimNewFolder } from '../../src/shared/node/runFs';
import { isSweep, memberConfig, planSweep } from '../../src/engine/sweep/plan';
import { runSweep, sweepStatus, type SweepEvent } from '../../src/engine/sweep/runSweep';
import type { MemberJob, MemberOutcome } from '../../src/engine/sweep/memberProcess';
import { memberFaultSpec } from '../../src/engine/faults';
import { resolveTrainConfig } from '../../src/engine/train/config';
import { epoch, writeRun, writeSweep } from '../fakes/runFixtures';

const tempDir = () => fs.mkdtemp(path.join(os.tmpdir(), 'cxr-sweep-'));
const readSweep = async (dir: string): Promise<SweepFile> => parseSweepFile(await fs.readFile(path.join(dir, SWEEP_FILES.sweep), 'utf8'), SWEEP_FILES.sweep);

test('planning: one member per architecture × seed, arch-major, named for its folder; the split seed is the first seed', () => {
  const p = planSweep({ archs: ['resnet18', 'densenet121'], seeds: [3, 1, 2] });
  assert.deepEqual(p.members.map((m) => m.name), [
    'resnet18-seed3', 'resnet18-seed1', 'resnet18-seed2', 'densenet121-seed3', 'densenet121-seed1', 'densenet121-seed2',
  ]);
  assert.equal(p.splitSeed, 3, 'default: the first seed given');
  assert.deepEqual(p.members.map((m) => m.seed), [3, 1, 2, 3, 1, 2]);

  const archsOnly = planSweep({ archs: ['resnet18', 'squeezenet1_1', 'resnet18'] });
  assert.deepEqual(archsOnly.members.map((m) => m.name), ['resnet18', 'squeezenet1_1'], 'one seed: folders named by arch alone; a repeated arch once');
  assert.equal(archsOnly.splitSeed, resolveTrainConfig({}).seed, "no seed given: the recipe's");
  assert.equal(planSweep({ archs: ['a', 'b'], seed: 9 }).splitSeed, 9);
  assert.equal(planSweep({ archs: ['a'], seeds: [1, 2], splitSeed: 40 }).splitSeed, 40, '--split-seed wins');

  assert.equal(isSweep(['resnet18']), false);
  assert.equal(isSweep(['resnet18'], [5]), false);
  assert.equal(isSweep(['resnet18', 'resnet18'], [5, 5]), false, 'the same arch and seed twice is one run');
  assert.equal(isSweep(['resnet18', 'vgg16']), true);
  assert.equal(isSweep(['resnet18'], [1, 2]), true);
  assert.equal(sweepMemberName('resnet18', 4, true), 'resnet18-seed4');
});

test('a member config: the shared recipe, its arch and seed, and the sweep split seed — valid by the engine rules', () => {
  const c = memberConfig({ epochs: 6, imageSize: 128 }, { arch: 'resnet50', seed: 2 }, 1);
  assert.deepEqual(c, { epochs: 6, imageSize: 128, arch: 'resnet50', seed: 2, splitSeed: 1 });
  const resolved = resolveTrainConfig(c);
  assert.equal(resolved.splitSeed, 1);
  assert.equal(resolveTrainConfig({ seed: 5 }).splitSeed, undefined, 'a single run without --split-seed keeps one seed for everything');
  assert.throws(() => resolveTrainConfig({ splitSeed: -1 }), /splitSeed: must be 0 or more/);
});

test('sweep.json: its schema reads what the queue writes, names the first bad field, and refuses a newer format', async () => {
  const dir = await tempDir();
  const r = await runSweep({ dataset: dir, archs: ['squeezenet1_1', 'mobilenetv2'], config: { epochs: 1 }, sweepDir: path.join(dir, 's'),
    signal: new AbortController().signal, emit: () => {}, runMember: async () => ({ status: 'completed', epochsDone: 1 }) });
  const file = await readSweep(r.sweepDir);
  assert.equal(file.format, RUN_LAYOUT_VERSION);
  assert.equal(file.status, 'completed');
  assert.deepEqual(file.archs, ['squeezenet1_1', 'mobilenetv2']);
  assert.deepEqual(file.config, { epochs: 1 });
  assert.equal(file.runner?.pid, process.pid);
  assert.equal(file.executor, 'local', 'planned for this machine');
  assert.deepEqual(file.members.map((m) => [m.name, m.runDir, m.status, m.epochsDone]), [['squeezenet1_1', 'squeezenet1_1', 'completed', 1], ['mobilenetv2', 'mobilenetv2', 'completed', 1]]);
  await assert.rejects(fs.access(path.join(r.sweepDir, SWEEP_FILES.lock)), 'the runner let go of its lock');

  const bad = JSON.stringify({ ...file, members: [{ ...file.members[0], status: 'sleeping' }] });
  assert.throws(() => parseSweepFile(bad, 'sweep.json'), /Cannot read sweep\.json: field "members\[0\]\.status" should be "queued" or "running"/);
  assert.throws(() => parseSweepFile(JSON.stringify({ ...file, format: 2 }), 'sweep.json'), /newer CXR Lab \(format 2\)/);
  assert.equal(sweepProgressText(file.members), '2/2 completed');
  assert.equal(sweepProgressText([{ status: 'completed' }, { status: 'failed' }, { status: 'cancelled' }, { status: 'queued' }]), '1/4 completed, 1 failed, 1 cancelled');
});

test('the fault hook of one member: its entries reach only its engine, unscoped ones every process', () => {
  const spec = 'resnet18-seed1/epoch:1:batch:2, write:run.json=ENOSPC,vgg16/checkpoint:best:before-meta';
  assert.equal(memberFaultSpec(spec, 'resnet18-seed1'), 'epoch:1:batch:2,write:run.json=ENOSPC');
  assert.equal(memberFaultSpec(spec, 'vgg16'), 'write:run.json=ENOSPC,checkpoint:best:before-meta');
  assert.equal(memberFaultSpec(spec, 'resnet18'), 'write:run.json=ENOSPC', 'resnet18 is not resnet18-seed1');
  assert.equal(memberFaultSpec('', 'x'), '');
});

test('folder names: arch, seed and fold in the name; a taken name gets -2, -3 … even when claimed at the same moment', async () => {
  const now = new Date('2026-11-25T08:09:10Z');
  assert.equal(runFolderName('resnet18', now), '20261125-080910-resnet18', 'a single run keeps its name');
  assert.equal(runFolderName('resnet18', now, { seed: 3, fold: 2 }), '20261125-080910-resnet18-seed3-fold2');
  assert.equal(numberedFolderName('x', 1), 'x');
  assert.equal(numberedFolderName('x', 3), 'x-3');
  const parent = await tempDir();
  const claimed = await Promise.all(Array.from({ length: 5 }, () => claimNewFolder(parent, 'same')));
  assert.equal(new Set(claimed).size, 5, 'five claims, five folders');
  assert.deepEqual((await fs.readdir(parent)).sort(), ['same', 'same-2', 'same-3', 'same-4', 'same-5']);
});

/** A fake member trainer: records the requests; `outcome` decides each member's end. */
function fakeTrainer(outcome: (job: MemberJob, calls: number) => Promise<MemberOutcome> | MemberOutcome) {
  const jobs: MemberJob[] = [];
  return {
    jobs,
    runMember: async (job: MemberJob) => {
      jobs.push(job);
      job.emit({ type: 'log', level: 'info', message: `training ${job.member}` });
      return outcome(job, jobs.length);
    },
  };
}

test('the queue goes on after a failed member: failed with its reason, the next ones train, the queue says failed', async () => {
  const dir = await tempDir();
  const events: SweepEvent[] = [];
  const t = fakeTrainer((job) => (job.member === 'resnet18-seed1'
    ? { status: 'failed', reason: 'The engine process was killed (SIGKILL) before the training ended.' }
    : { status: 'completed', epochsDone: 2 }));
  const r = await runSweep({
    dataset: path.join(dir, 'data'), archs: ['resnet18', 'squeezenet1_1'], seeds: [1, 2], config: { epochs: 2, imageSize: 64 },
    sweepDir: path.join(dir, 'q'), signal: new AbortController().signal, emit: (e) => events.push(e), runMember: t.runMember,
  });
  assert.equal(r.status, 'failed');
  assert.deepEqual(t.jobs.map((j) => j.member), ['resnet18-seed1', 'resnet18-seed2', 'squeezenet1_1-seed1', 'squeezenet1_1-seed2'], 'one after another, all of them');
  // Every member shares the split seed (the first seed) and the recipe; seeds differ.
  for (const j of t.jobs) {
    assert.equal(j.request.config.splitSeed, 1);
    assert.equal(j.request.config.epochs, 2);
    assert.equal(j.request.runDir, path.join(dir, 'q', j.member));
    assert.equal(j.request.dataset, path.join(dir, 'data'));
  }
  assert.deepEqual(t.jobs.map((j) => j.request.config.seed), [1, 2, 1, 2]);
  const file = await readSweep(r.sweepDir);
  assert.deepEqual(file.members.map((m) => m.status), ['failed', 'completed', 'completed', 'completed']);
  assert.match(file.members[0].reason ?? '', /killed \(SIGKILL\)/);
  assert.ok(file.members.every((m) => m.startedAt && m.endedAt));
  // Member events carry the member and its run folder (the extension follows them).
  const tagged = events.find((e) => e.type === 'log' && e.message === 'training squeezenet1_1-seed2');
  assert.equal(tagged?.member, 'squeezenet1_1-seed2');
  assert.equal(tagged?.runDir, path.join(dir, 'q', 'squeezenet1_1-seed2'));
  assert.ok(events.some((e) => e.type === 'log' && /Training queue failed: 3\/4 completed, 1 failed/.test(e.message)));
});

test('a member trainer that throws is a failed member too, with the message as its reason', async () => {
  const dir = await tempDir();
  const t = fakeTrainer((_job, n) => { if (n === 1) throw new Error('fork failed: ENOMEM'); return { status: 'completed' }; });
  const r = await runSweep({ dataset: dir, archs: ['resnet18', 'vgg16'], sweepDir: path.join(dir, 'q'),
    signal: new AbortController().signal, emit: () => {}, runMember: t.runMember });
  assert.deepEqual(r.members.map((m) => [m.name, m.status, m.reason]), [['resnet18', 'failed', 'fork failed: ENOMEM'], ['vgg16', 'completed', undefined]]);
});

test('cancelling the queue: the member in progress is cancelled, the rest are marked cancelled (not started), the queue says cancelled', async () => {
  const dir = await tempDir();
  const controller = new AbortController();
  const t = fakeTrainer(async (job) => {
    controller.abort('cancelled by SIGTERM (kill, docker stop or a cluster scheduler)');
    assert.ok(job.signal.aborted, 'the member sees the queue cancel');
    return { status: 'cancelled', epochsDone: 1 };
  });
  const r = await runSweep({ dataset: dir, archs: ['resnet18', 'vgg16', 'mobilenetv2'], sweepDir: path.join(dir, 'q'), signal: controller.signal, emit: () => {}, runMember: t.runMember });
  assert.equal(t.jobs.length, 1, 'nothing starts after the cancel');
  assert.equal(r.status, 'cancelled');
  const file = await readSweep(r.sweepDir);
  assert.deepEqual(file.members.map((m) => m.status), ['cancelled', 'cancelled', 'cancelled']);
  assert.match(file.members[0].reason ?? '', /^cancelled by SIGTERM/);
  assert.match(file.members[1].reason ?? '', /^not started: cancelled by SIGTERM/);
  assert.match(file.note ?? '', /SIGTERM/);
});

test('a member cancelled on its own: marked cancelled, the queue goes on and then says cancelled', async () => {
  const dir = await tempDir();
  const t = fakeTrainer((job) => (job.member === 'resnet18' ? { status: 'cancelled' } : { status: 'completed' }));
  const r = await runSweep({ dataset: dir, archs: ['resnet18', 'vgg16'], sweepDir: path.join(dir, 'q'), signal: new AbortController().signal, emit: () => {}, runMember: t.runMember });
  assert.equal(t.jobs.length, 2);
  assert.deepEqual(r.members.map((m) => m.status), ['cancelled', 'completed']);
  assert.match(r.members[0].reason ?? '', /on its own/);
  assert.equal(r.status, 'cancelled');
  assert.equal(sweepStatus([{ status: 'completed' }, { status: 'failed' }, { status: 'cancelled' }], false), 'failed', 'a failure outweighs a cancel');
  assert.equal(sweepStatus([{ status: 'completed' }], true), 'cancelled', 'a stopped queue is cancelled');
  assert.equal(sweepStatus([{ status: 'completed' }, { status: 'completed' }], false), 'completed');
});

test('one runner per sweep: a second one is refused with the holder sentence while the first runs; a finished sweep is not started again', async () => {
  const dir = await tempDir();
  const sweepDir = path.join(dir, 'q');
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const t = fakeTrainer(async () => { await gate; return { status: 'completed' }; });
  const first = runSweep({ dataset: dir, archs: ['resnet18', 'vgg16'], sweepDir, signal: new AbortController().signal, emit: () => {}, runMember: t.runMember });
  while (t.jobs.length === 0) await new Promise((r) => setTimeout(r, 10));
  const opts = { signal: new AbortController().signal, emit: () => {}, runMember: async (): Promise<MemberOutcome> => ({ status: 'completed' }) };
  await assert.rejects(runSweep({ ...opts, resume: sweepDir }), new RegExp(`is in use by process ${process.pid} on host .* \\(training queue\\); wait for it or cancel it`));
  await assert.rejects(runSweep({ ...opts, dataset: dir, archs: ['resnet18', 'vgg16'], sweepDir }), /\(training queue\)/);
  release();
  assert.equal((await first).status, 'completed');
  await assert.rejects(runSweep({ ...opts, dataset: dir, archs: ['resnet18', 'vgg16'], sweepDir }), /already holds a training queue; continue it with `cxr-lab resume/);
});

test('resume: completed members are skipped, the others train again (from their run when it exists), in order', async () => {
  const dir = await tempDir();
  const sweepDir = path.join(dir, 'q');
  const first = fakeTrainer((job) => (job.member === 'vgg16' ? { status: 'failed', reason: 'out of memory' } : { status: 'completed' }));
  await runSweep({ dataset: dir, archs: ['resnet18', 'vgg16', 'mobilenetv2'], sweepDir, signal: new AbortController().signal, emit: () => {}, runMember: first.runMember });
  // vgg16 got as far as a run folder (its engine wrote run.json before failing): resume continues that run.
  writeRun(dir, { id: 'vgg16', status: 'failed', createdAt: '2026-11-30T00:00:00Z', arch: 'vgg16', dir: path.join(sweepDir, 'vgg16') });
  const again = fakeTrainer(() => ({ status: 'completed' }));
  const r = await runSweep({ resume: sweepDir, signal: new AbortController().signal, emit: () => {}, runMember: again.runMember });
  assert.deepEqual(again.jobs.map((j) => j.member), ['vgg16'], 'only the failed member trains again');
  assert.equal(again.jobs[0].request.resume, path.join(sweepDir, 'vgg16'), 'from its run');
  assert.equal(r.status, 'completed');
  assert.deepEqual((await readSweep(sweepDir)).members.map((m) => [m.status, m.reason]), [['completed', undefined], ['completed', undefined], ['completed', undefined]]);
  await assert.rejects(runSweep({ resume: path.join(dir, 'nothing'), signal: new AbortController().signal, emit: () => {} }), /is not a training queue/);
});

test('resume after the runner was killed between a member\'s end and sweep.json: the member\'s completed run counts, nothing retrains', async () => {
  const dir = await tempDir();
  const sweepDir = writeSweep(dir, { id: 'q', createdAt: '2026-11-30T00:00:00Z', status: 'running', members: [
    { arch: 'resnet18', status: 'completed', run: { status: 'completed' } },
    { arch: 'vgg16', status: 'running', run: { status: 'completed', history: [epoch(1), epoch(2)] } },
  ] });
  const t = fakeTrainer(() => ({ status: 'completed' }));
  const r = await runSweep({ resume: sweepDir, signal: new AbortController().signal, emit: () => {}, runMember: t.runMember });
  assert.equal(t.jobs.length, 0);
  assert.deepEqual(r.members.map((m) => [m.status, m.epochsDone]), [['completed', undefined], ['completed', 2]]);
  assert.equal(r.status, 'completed');
});
