import '../fakes/vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrainingFromWebview, TrainingToWebview } from '../../src/shared/webviewProtocol';
import { listRuns, readHistoryFile, readRun } from '../../src/extension/runs/runReader';
import { TrainingController, type TrainingDeps } from '../../src/extension/training/trainingController';
import { mergeHistory, toRunView, TrainingViewState } from '../../src/extension/training/trainingState';
import { statusText } from '../../src/extension/training/statusText';
import { FakeWebview } from '../fakes/vscode';
import { epoch, meta, tempWorkspace, writeRun } from '../fakes/runFixtures';

const tick = () => new Promise((r) => setImmediate(r));

test('mergeHistory replaces a re-run epoch and keeps epochs in order', () => {
  const h = mergeHistory([epoch(1), epoch(3)], epoch(2));
  assert.deepEqual(h.map((r) => r.epoch), [1, 2, 3]);
  const replaced = mergeHistory(h, epoch(2, { valLoss: 9 }));
  assert.equal(replaced.length, 3);
  assert.equal(replaced[1].valLoss, 9);
});

test('TrainingViewState folds the run files and live events into panel messages', async () => {
  const ws = tempWorkspace();
  const dir = writeRun(ws, { id: 'r', status: 'running', createdAt: '2026-11-01T00:00:00Z', epochs: 4, history: [epoch(2), epoch(1)], checkpoints: { best: meta(2, 0.6) } });
  const run = (await readRun(dir))!;
  const state = new TrainingViewState(toRunView(run), await readHistoryFile(dir));
  const init = state.init();
  assert.equal(init.type, 'init');
  if (init.type !== 'init') return;
  assert.deepEqual(init.history.map((r) => r.epoch), [1, 2]);
  assert.equal(init.run.epochs, 4);
  assert.equal(init.run.best?.epoch, 2);
  assert.equal(init.progress, undefined);

  const progress = state.onJobEvent({ type: 'progress', phase: 'train', done: 2, total: 8, epoch: 3, epochs: 4, etaSeconds: 40 });
  assert.deepEqual(progress, [{ type: 'progress', progress: { phase: 'train', done: 2, total: 8, epoch: 3, epochs: 4, etaSeconds: 40, message: undefined } }]);
  assert.equal(state.onJobEvent({ type: 'log', level: 'info', message: 'hi' }).length, 0);

  const better = state.onJobEvent({ type: 'epoch-end', runDir: dir, record: epoch(3, { valLoss: 0.3, best: true }) });
  assert.deepEqual(better.map((m) => m.type), ['epoch', 'status']);
  const status = better[1] as Extract<TrainingToWebview, { type: 'status' }>;
  assert.equal(status.best?.epoch, 3);
  const worse = state.onJobEvent({ type: 'epoch-end', runDir: dir, record: epoch(4, { valLoss: 0.5, best: false }) });
  assert.deepEqual(worse.map((m) => m.type), ['epoch']);

  const done = state.onStatus('completed');
  assert.deepEqual(done, { type: 'status', status: 'completed', best: status.best });
  const again = state.init();
  assert.ok(again.type === 'init' && again.history.length === 4 && again.run.status === 'completed' && !again.progress);
});

function deps(over: Partial<TrainingDeps> = {}): TrainingDeps & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls, readRun: (d) => readRun(d), readHistory: readHistoryFile, liveProgress: () => undefined, isLive: () => false, placeholder: () => undefined,
    cancel: (d) => calls.push(`cancel ${d}`), evaluate: (d) => calls.push(`evaluate ${d}`), onError: (m) => calls.push(`error ${m}`), ...over,
  };
}

test('TrainingController: init only after ready, from the run files (a finished run opens from its history)', async () => {
  const ws = tempWorkspace();
  const dir = writeRun(ws, { id: 'done', status: 'completed', createdAt: '2026-11-01T00:00:00Z', epochs: 3, history: [epoch(1), epoch(2), epoch(3)] });
  const webview = new FakeWebview();
  const d = deps();
  const c = new TrainingController(webview as never, dir, d);
  await tick();
  assert.equal(webview.posted.length, 0, 'nothing before the page is ready');
  webview.send({ type: 'ready' } satisfies TrainingFromWebview);
  await c.reload();
  const init = webview.posted[0] as Extract<TrainingToWebview, { type: 'init' }>;
  assert.equal(init.type, 'init');
  assert.equal(init.run.status, 'completed');
  assert.deepEqual(init.history.map((r) => r.epoch), [1, 2, 3]);

  webview.send({ type: 'cancel' });
  webview.send({ type: 'evaluate' });
  await tick();
  assert.deepEqual(d.calls, [`cancel ${dir}`, `evaluate ${dir}`]);
  c.dispose();
  webview.send({ type: 'evaluate' });
  assert.equal(d.calls.length, 2, 'a disposed controller stops listening');
});

test('TrainingController: a run just started (no run.json yet) opens from the placeholder and follows live events', async () => {
  const ws = tempWorkspace();
  const dir = `${ws}/.cxr-lab/runs/new-run`;
  const webview = new FakeWebview();
  const c = new TrainingController(webview as never, dir, deps({
    isLive: () => true, liveProgress: () => ({ phase: 'scan', done: 3, total: 10 }),
    placeholder: (runDir) => ({ runDir, id: 'new-run', arch: 'resnet18', status: 'running', epochs: 2, backend: 'wasm', classes: [] }),
  }));
  await c.handle({ type: 'ready' });
  const init = webview.posted[0] as Extract<TrainingToWebview, { type: 'init' }>;
  assert.equal(init.run.id, 'new-run');
  assert.deepEqual(init.progress, { phase: 'scan', done: 3, total: 10 });
  c.onTrainingEvent({ runDir: dir, kind: 'job', event: { type: 'epoch-end', runDir: dir, record: epoch(1) } });
  c.onTrainingEvent({ runDir: '/elsewhere', kind: 'job', event: { type: 'epoch-end', runDir: '/elsewhere', record: epoch(1) } });
  c.onTrainingEvent({ runDir: dir, kind: 'status', status: 'completed' });
  await c.reload(); // the epoch started a re-read of run.json (still absent here): events wait for it
  assert.deepEqual(webview.posted.slice(1).map((m) => (m as TrainingToWebview).type), ['epoch', 'status', 'status']);
  assert.equal((webview.posted.at(-1) as Extract<TrainingToWebview, { type: 'status' }>).status, 'completed');
});

test('TrainingController: a placeholder panel re-reads run.json (the classes) once the engine is past the scan', async () => {
  const ws = tempWorkspace();
  const dir = `${ws}/.cxr-lab/runs/new-run`;
  const webview = new FakeWebview();
  const c = new TrainingController(webview as never, dir, deps({
    isLive: () => true,
    placeholder: (runDir) => ({ runDir, id: 'new-run', arch: 'resnet18', status: 'running', epochs: 5, backend: '', classes: [] }),
  }));
  await c.handle({ type: 'ready' });
  const inits = () => webview.posted.filter((m) => (m as TrainingToWebview).type === 'init') as Extract<TrainingToWebview, { type: 'init' }>[];
  assert.deepEqual(inits()[0].run.classes, []);
  c.onTrainingEvent({ runDir: dir, kind: 'job', event: { type: 'progress', phase: 'scan', done: 5, total: 30 } });
  await tick();
  assert.equal(inits().length, 1, 'still scanning: no re-read');
  writeRun(ws, { id: 'new-run', status: 'running', createdAt: '2026-11-01T00:00:00Z' });
  c.onTrainingEvent({ runDir: dir, kind: 'job', event: { type: 'progress', phase: 'train', done: 1, total: 4, epoch: 1, epochs: 5 } });
  await c.reload(); // joins the re-read the event started
  assert.equal(inits().length, 2);
  assert.deepEqual(inits()[1].run.classes, ['covid', 'normal', 'pneumonia']);
  assert.equal(inits()[1].run.status, 'running');
  c.onTrainingEvent({ runDir: dir, kind: 'job', event: { type: 'progress', phase: 'train', done: 2, total: 4, epoch: 1, epochs: 5 } });
  await tick();
  assert.equal(inits().length, 2, 'run.json read: no more re-reads');
});

test('TrainingController: a live run reads as running even if run.json lags; missing run reports an error', async () => {
  const ws = tempWorkspace();
  const dir = writeRun(ws, { id: 'r', status: 'cancelled', createdAt: '2026-11-01T00:00:00Z' });
  const webview = new FakeWebview();
  await new TrainingController(webview as never, dir, deps({ isLive: () => true })).handle({ type: 'ready' });
  assert.equal((webview.posted[0] as Extract<TrainingToWebview, { type: 'init' }>).run.status, 'running');

  const d = deps();
  const other = new FakeWebview();
  await new TrainingController(other as never, `${ws}/missing`, d).handle({ type: 'ready' });
  assert.equal(other.posted.length, 0);
  assert.match(d.calls[0], /^error No readable run/);
  assert.equal((await listRuns([ws])).length, 1);
});

test('status bar text: backend, epoch and ETA', () => {
  assert.equal(statusText('wasm', { phase: 'train', done: 1, total: 4, epoch: 2, epochs: 5, etaSeconds: 3725 }, 5), '$(pulse) CXR Lab: wasm · epoch 2/5 · ETA 1h02m');
  assert.equal(statusText(undefined, undefined, 5), '$(pulse) CXR Lab: engine · starting');
  assert.equal(statusText('cpu', { phase: 'scan', done: 1, total: 4 }, 5), '$(pulse) CXR Lab: cpu · scan');
});
