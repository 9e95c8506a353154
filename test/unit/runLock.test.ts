/**
 * One training per run folder (issue 10, item 4): run.lock is created atomically; a live holder on this host refuses a
 * second one with one sentence naming it; a lock whose process is gone on this host is taken over (said so); a lock of
 * another host is never judged from here: refused without --force, taken with it; the Runs tree shows such a run as
 * "running on <host>", not "interrupted". The CLI side (two real processes into one --out) is in cli.lock.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUN_FILES, RUN_LAYOUT_VERSION, lockHolderSentence, parseRunLock, type RunLock } from '../../src/shared/runFiles';
import { acquireRunLock } from '../../src/engine/run/runLock';
import { listRuns, readRun, viewStatus } from '../../src/extension/runs/runReader';
import { runContextValue, runDescription } from '../../src/extension/runs/runTreeModel';
import { tempWorkspace, writeRun } from '../fakes/runFixtures';

const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;
const tempDir = () => fs.mkdtemp(path.join(os.tmpdir(), 'cxr-lock-'));
const lockFile = (dir: string) => path.join(dir, RUN_FILES.lock);
const writeLock = (dir: string, lock: Partial<RunLock>) => fs.writeFile(lockFile(dir), JSON.stringify({
  format: RUN_LAYOUT_VERSION, pid: process.pid, host: os.hostname(), startedAt: '2026-11-29T21:40:00.000Z', job: 'training', ...lock,
}));
const readLock = async (dir: string) => parseRunLock(await fs.readFile(lockFile(dir), 'utf8'), lockFile(dir));
const holder = /^(.+) is in use by process (\d+) on host (\S+) since \d{4}-\d\d-\d\d \d\d:\d\d \(training\); wait for it or cancel it/;

test('the lock is created with pid, host and start time, refuses a second holder with one sentence, and is released', async () => {
  const dir = path.join(await tempDir(), 'not-yet'); // created with the lock
  const first = await acquireRunLock(dir, { job: 'training' });
  const held = await readLock(dir);
  assert.equal(held.pid, process.pid);
  assert.equal(held.host, os.hostname());
  assert.ok(Math.abs(Date.parse(held.startedAt) - Date.now()) < 60_000);

  const refused = await acquireRunLock(dir, { job: 'training' }).then(() => undefined, (e: Error) => e);
  assert.ok(refused, 'a second lock on a held folder is refused');
  const m = holder.exec(refused.message);
  assert.ok(m, refused.message);
  assert.equal(m[1], path.resolve(dir));
  assert.equal(Number(m[2]), process.pid);
  assert.equal(m[3], os.hostname());
  assert.doesNotMatch(refused.message, /\n/);

  await first.release();
  await assert.rejects(fs.access(lockFile(dir)), 'released: the file is gone');
  await (await acquireRunLock(dir, { job: 'training' })).release();
});

test('two acquisitions at once: exactly one wins', async () => {
  const dir = await tempDir();
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => acquireRunLock(dir, { job: 'training' })));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  for (const r of results) if (r.status === 'rejected') assert.match((r.reason as Error).message, holder);
});

test('a lock of this host whose process is gone is stale: taken over, said so in one line', async () => {
  const dir = await tempDir();
  const gone = deadPid();
  await writeLock(dir, { pid: gone });
  const logs: string[] = [];
  const lock = await acquireRunLock(dir, { job: 'training', log: (m) => logs.push(m) });
  assert.deepEqual(logs, [`took over the lock of process ${gone}, which is gone`]);
  assert.equal((await readLock(dir)).pid, process.pid);
  await lock.release();
});

test('a lock held on another host is refused without --force and taken with it', async () => {
  const dir = await tempDir();
  await writeLock(dir, { pid: deadPid(), host: 'node-17.cluster' }); // a dead pid here says nothing about node-17
  const refused = await acquireRunLock(dir, { job: 'training' }).then(() => undefined, (e: Error) => e);
  assert.ok(refused);
  assert.match(refused.message, holder);
  assert.match(refused.message, /on host node-17\.cluster/);
  assert.match(refused.message, /--force/);

  const logs: string[] = [];
  const lock = await acquireRunLock(dir, { job: 'training', force: true, log: (m) => logs.push(m) });
  assert.equal(logs.length, 1);
  assert.match(logs[0], /node-17\.cluster/);
  assert.equal((await readLock(dir)).host, os.hostname());
  await lock.release();
});

test('release leaves a lock that another process took over with --force', async () => {
  const dir = await tempDir();
  const lock = await acquireRunLock(dir, { job: 'training' });
  await writeLock(dir, { pid: 4242, host: 'node-3' }); // forced over by node-3
  await lock.release();
  assert.equal((await readLock(dir)).host, 'node-3');
});

test('the holder sentence names folder, process, host, local start time and job', () => {
  const startedAt = new Date(2026, 10, 29, 21, 40, 12).toISOString(); // local 2026-11-29 21:40
  assert.equal(
    lockHolderSentence('/runs/r1', { format: RUN_LAYOUT_VERSION, pid: 1234, host: 'h', startedAt, job: 'training' }, 'h'),
    '/runs/r1 is in use by process 1234 on host h since 2026-11-29 21:40 (training); wait for it or cancel it.',
  );
});

test('viewStatus: a run whose lock is held on another host is "running on <host>", on this host a dead pid is interrupted', () => {
  const remote = { format: RUN_LAYOUT_VERSION, pid: 1, host: 'node-17', startedAt: '2026-11-29T21:40:00Z', job: 'training' } as const;
  assert.equal(viewStatus({ status: 'running', pid: 1 }, () => false, remote, 'here'), 'running on node-17');
  assert.equal(viewStatus({ status: 'running', pid: 1 }, () => false, { ...remote, host: 'here' }, 'here'), 'interrupted');
  assert.equal(viewStatus({ status: 'running', pid: 1 }, () => true, { ...remote, host: 'here' }, 'here'), 'running');
  assert.equal(viewStatus({ status: 'completed', pid: 1 }, () => false, remote, 'here'), 'completed');
});

test('the Runs tree reads run.lock: a run training on another node is "running on <host>", neither deletable nor resumable', async () => {
  const ws = tempWorkspace();
  const dir = writeRun(ws, { id: 'r-remote', status: 'running', pid: deadPid(), createdAt: '2026-11-02T00:00:00Z', epochs: 5 });
  const here = writeRun(ws, { id: 'r-killed', status: 'running', pid: deadPid(), createdAt: '2026-11-01T00:00:00Z', epochs: 5 });
  writeFileSync(lockFile(dir), JSON.stringify({ format: 1, pid: 77, host: 'node-17', startedAt: '2026-11-02T00:00:00Z', job: 'training' }));
  writeFileSync(lockFile(here), JSON.stringify({ format: 1, pid: deadPid(), host: os.hostname(), startedAt: '2026-11-01T00:00:00Z', job: 'training' }));
  const [remote, killed] = await listRuns([ws]);
  assert.equal(remote.status, 'running on node-17');
  assert.equal(killed.status, 'interrupted');
  assert.match(runDescription(remote), /running on node-17/);
  const ctx = runContextValue(remote);
  assert.doesNotMatch(ctx, /\bdeletable\b|\bresumable\b|\bcancellable\b/);
  assert.equal((await readRun(dir))?.status, 'running on node-17');
});
