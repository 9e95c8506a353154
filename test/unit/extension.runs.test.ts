import '../fakes/vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { listRuns, readHistoryFile, viewStatus } from '../../src/extension/runs/runReader';
import { pidAlive } from '../../src/shared/node/runFs';
import { childNodes, nodeView, rootNodes, runDescription, type RunNode } from '../../src/extension/runs/runTreeModel';
import { toTreeItem } from '../../src/extension/runs/runsTree';
import { summarizeEval } from '../../src/extension/evaluation/evalFile';
import { epoch, evalFile, meta, tempWorkspace, writeRun } from '../fakes/runFixtures';

const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

test('pidAlive: this process is alive, an exited child is not', () => {
  assert.equal(pidAlive(process.pid), true);
  assert.equal(pidAlive(deadPid()), false);
  assert.equal(pidAlive(0), false);
});

test('viewStatus: running with a dead pid is interrupted; other statuses pass through', () => {
  assert.equal(viewStatus({ status: 'running', pid: 1 }, () => false), 'interrupted');
  assert.equal(viewStatus({ status: 'running', pid: 1 }, () => true), 'running');
  assert.equal(viewStatus({ status: 'completed', pid: 1 }, () => false), 'completed');
  assert.equal(viewStatus({ status: 'cancelled', pid: 1 }, () => false), 'cancelled');
});

test('listRuns: newest first, statuses mapped, unreadable folders skipped', async () => {
  const ws = tempWorkspace();
  writeRun(ws, { id: '20261101-100000-resnet18', status: 'completed', createdAt: '2026-11-01T10:00:00Z' });
  writeRun(ws, { id: '20261103-100000-vgg16', status: 'running', pid: deadPid(), createdAt: '2026-11-03T10:00:00Z', arch: 'vgg16' });
  writeRun(ws, { id: '20261102-100000-densenet121', status: 'running', pid: process.pid, createdAt: '2026-11-02T10:00:00Z' });
  mkdirSync(path.join(ws, '.cxr-lab', 'runs', 'half-created'), { recursive: true });
  writeFileSync(path.join(ws, '.cxr-lab', 'runs', 'not-a-dir.txt'), 'x');

  const runs = await listRuns([ws]);
  assert.deepEqual(runs.map((r) => r.id), ['20261103-100000-vgg16', '20261102-100000-densenet121', '20261101-100000-resnet18']);
  assert.deepEqual(runs.map((r) => r.status), ['interrupted', 'running', 'completed']);
  assert.deepEqual(await listRuns([path.join(ws, 'nowhere')]), []);
});

test('run node: label, description with live progress, context values for the menus', async () => {
  const ws = tempWorkspace();
  writeRun(ws, { id: 'r-live', status: 'running', createdAt: '2026-11-02T00:00:00Z', epochs: 5, history: [epoch(1)], checkpoints: { best: meta(1, 0.9), last: meta(1, 0.9) } });
  writeRun(ws, { id: 'r-cancelled', status: 'cancelled', createdAt: '2026-11-01T00:00:00Z', epochs: 5, history: [epoch(1), epoch(2)], checkpoints: { last: meta(2, 0.7) } });
  const [live, cancelled] = await listRuns([ws]);

  const idle = nodeView({ kind: 'run', run: live });
  assert.equal(idle.label, 'r-live');
  assert.equal(idle.description, 'resnet18 · running · epoch 2/5');
  const withProgress = runDescription(live, { phase: 'train', done: 3, total: 4, epoch: 2, epochs: 5, etaSeconds: 125 });
  assert.equal(withProgress, 'resnet18 · running · epoch 2/5 · train 75% · ETA 2m05s');
  assert.match(idle.contextValue, /\bcancellable\b/);
  assert.match(idle.contextValue, /\bckpt\b/);
  assert.doesNotMatch(idle.contextValue, /\bdeletable\b|\bresumable\b/);

  const c = nodeView({ kind: 'run', run: cancelled });
  assert.equal(c.description, 'resnet18 · cancelled · 2/5 epochs');
  assert.match(c.contextValue, /\bresumable\b/);
  assert.match(c.contextValue, /\bdeletable\b/);
  assert.doesNotMatch(c.contextValue, /\bckpt\b/, 'no best checkpoint: nothing to evaluate');
  assert.deepEqual(c.command?.arguments, [cancelled.dir]);
});

test('children: best and last checkpoints with epoch and val loss, then metrics per evaluation', async () => {
  const ws = tempWorkspace();
  writeRun(ws, {
    id: 'r1', status: 'completed', createdAt: '2026-11-01T00:00:00Z', history: [epoch(1), epoch(2), epoch(3)],
    checkpoints: { best: meta(2, 0.4321), last: meta(3, 0.5) }, evals: [evalFile('test', 0.875), evalFile('val', 0.5)],
  });
  const [run] = await listRuns([ws]);
  const [node] = rootNodes([run], () => undefined);
  const kids = childNodes(node);
  assert.deepEqual(kids.map((k) => nodeView(k).label), ['best', 'last', 'metrics (test)', 'metrics (val)']);
  assert.equal(nodeView(kids[0]).description, 'epoch 2 · val loss 0.4321 · val acc 80.0%');
  assert.equal(nodeView(kids[1]).description, 'epoch 3 · val loss 0.5000 · val acc 80.0%');
  assert.equal(nodeView(kids[0]).contextValue, 'checkpoint checkpoint-best');
  const evalView = nodeView(kids[2]);
  assert.equal(evalView.description, 'accuracy 87.5% · macro-F1 0.650');
  assert.deepEqual(evalView.command?.arguments, [run.dir, 'test']);

  const metrics = childNodes(kids[2] as RunNode);
  assert.deepEqual(metrics.map((m) => nodeView(m).label), ['accuracy', 'macro-F1', 'covid', 'normal', 'pneumonia']);
  assert.equal(nodeView(metrics[0]).description, '87.5%');
  assert.equal(nodeView(metrics[3]).description, 'P 0.600 · R 0.700 · F1 0.650 · n 8');
  assert.equal(new Set([...kids, ...metrics].map((k) => nodeView(k).id)).size, kids.length + metrics.length, 'tree ids are unique');
  // A class with no image in the evaluated set that was never predicted: n/a, not F1 0.
  const na = evalFile('na', 0.9);
  na.perClass[2] = { ...na.perClass[2], tp: 0, fp: 0, fn: 0, precision: 0, recall: 0, f1: 0, support: 0, present: false };
  const naRun = { ...(kids[2] as Extract<RunNode, { kind: 'eval' }>), evaluation: summarizeEval(na, '/x/eval/na.json') };
  const naMetrics = childNodes(naRun);
  assert.equal(nodeView(naMetrics[4]).description, 'n/a · n 0');
  assert.equal(nodeView(naMetrics[4]).tooltip, 'n/a: no image of this class in the evaluated set and never predicted; left out of the averages');
  assert.equal(nodeView(naMetrics[4]).accessibilityLabel, 'pneumonia, n/a: no image of this class in the evaluated set and never predicted; left out of the averages');
  assert.equal(nodeView(naMetrics[3]).description, 'P 0.600 · R 0.700 · F1 0.650 · n 8');
});

test('accessible names: status and numbers in words, not the tooltip path; the visible label comes first', async () => {
  const ws = tempWorkspace();
  writeRun(ws, {
    id: 'r1', status: 'completed', createdAt: '2026-11-01T00:00:00Z', history: [epoch(1), epoch(2)],
    checkpoints: { best: meta(2, 0.4321), last: meta(2, 0.4321) }, evals: [evalFile('test', 0.875)],
  });
  writeRun(ws, { id: 'r2', status: 'running', createdAt: '2026-11-02T00:00:00Z', epochs: 5, history: [epoch(1)] });
  const [live, run] = await listRuns([ws]);
  const [node] = rootNodes([run], () => undefined);
  const item = toTreeItem(nodeView(node));
  assert.equal(item.accessibilityInformation?.label, 'r1, resnet18, completed');
  assert.ok(String(item.tooltip).includes(run.dir), 'the tooltip keeps the path');
  const liveLabel = nodeView({ kind: 'run', run: live, live: { phase: 'train', done: 1, total: 4, epoch: 2, epochs: 5 } }).accessibilityLabel;
  assert.equal(liveLabel, 'r2, resnet18, running, epoch 2 of 5, train 25%');

  const kids = childNodes(node);
  assert.equal(toTreeItem(nodeView(kids[0])).accessibilityInformation?.label, 'best checkpoint, epoch 2, validation loss 0.4321, validation accuracy 80.0%');
  const evalLabel = nodeView(kids[2]).accessibilityLabel;
  assert.match(evalLabel, /^metrics \(test\), accuracy 87\.5%, macro-F1 0\.650/);
  const metrics = childNodes(kids[2]);
  assert.equal(nodeView(metrics[0]).accessibilityLabel, 'accuracy 87.5%');
  assert.equal(toTreeItem(nodeView(metrics[3])).accessibilityInformation?.label, 'normal, precision 0.600, recall 0.700, F1 0.650, 8 images');
  for (const k of [node, ...kids, ...metrics]) {
    const v = nodeView(k);
    assert.ok(v.accessibilityLabel.startsWith(v.label), `"${v.accessibilityLabel}" starts with the visible label "${v.label}"`);
    assert.ok(!v.accessibilityLabel.includes(ws), 'no paths');
  }
});

test('readHistoryFile skips a half-written last line', async () => {
  const ws = tempWorkspace();
  const dir = writeRun(ws, { id: 'r', status: 'running', createdAt: '2026-11-01T00:00:00Z', history: [epoch(1), epoch(2)] });
  writeFileSync(path.join(dir, 'history.jsonl'), `${JSON.stringify(epoch(1))}\n${JSON.stringify(epoch(2))}\n{"epoch":3,"trai`);
  assert.deepEqual((await readHistoryFile(dir)).map((r) => r.epoch), [1, 2]);
});
