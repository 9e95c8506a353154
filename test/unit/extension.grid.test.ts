/**
 * The CAM grid in the extension (issue 12, item 3): which runs are its columns, the request "Explain these images with
 * all runs" makes from an evaluation, and the grid view's controller (busy with progress, result with webview URIs,
 * a cell's Grad-CAM, PNG export, errors, a new grid replacing a running one).
 */
import '../fakes/vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { GridResult } from '../../src/shared/engineProtocol';
import type { EvaluationToWebview, GridProgress, GridToWebview } from '../../src/shared/webviewProtocol';
import { RUN_FILES } from '../../src/shared/runFiles';
import { listRuns } from '../../src/extension/runs/runReader';
import { EvaluationController } from '../../src/extension/evaluation/evaluationController';
import { loadEvaluation } from '../../src/extension/evaluation/evaluationPanel';
import { summaryRows } from '../../src/extension/evaluation/evaluationData';
import { gridRequestFor, gridRunDirs, MAX_GRID_RUNS } from '../../src/extension/explain/gridRuns';
import { busyMessage, GridController, type GridDeps, type GridJobRequest } from '../../src/extension/explain/gridController';
import { gridTitle } from '../../src/extension/explain/gridPanel';
import { epoch, evalFile, meta, tempWorkspace, writeRun } from '../fakes/runFixtures';
import { FakeWebview } from '../fakes/vscode';

async function workspace() {
  const ws = tempWorkspace();
  const old = writeRun(ws, { id: 'old', status: 'completed', createdAt: '2026-11-01T00:00:00Z', history: [epoch(1)], checkpoints: { best: meta(1, 0.5) }, evals: [evalFile('test', 0.7)] });
  const newer = writeRun(ws, { id: 'new', status: 'completed', arch: 'vgg16', createdAt: '2026-11-03T00:00:00Z', history: [epoch(1)], checkpoints: { best: meta(1, 0.3) }, evals: [evalFile('test', 0.9)] });
  const noCheckpoint = writeRun(ws, { id: 'empty', status: 'running', createdAt: '2026-11-04T00:00:00Z' });
  const other = writeRun(ws, { id: 'other', status: 'completed', createdAt: '2026-11-05T00:00:00Z', history: [epoch(1)], checkpoints: { best: meta(1, 0.4) } });
  // Another dataset's classes: not a column.
  const info = JSON.parse(readFileSync(path.join(other, RUN_FILES.run), 'utf8'));
  info.dataset.classes = ['cats', 'dogs'];
  writeFileSync(path.join(other, RUN_FILES.run), JSON.stringify(info));
  return { ws, old, newer, noCheckpoint, other, runs: await listRuns([ws]) };
}

test('columns: the evaluation\'s run (an ensemble\'s members) first, then every run with a best checkpoint and the same classes', async () => {
  const { old, newer, runs } = await workspace();
  const view = await loadEvaluation(old, 'test');
  assert.deepEqual(gridRunDirs(view, runs), [old, newer]);
  assert.deepEqual(gridRunDirs(await loadEvaluation(newer, 'test'), runs), [newer, old]);
  assert.deepEqual(gridRunDirs({ ...view, ensemble: [{ runId: 'new', runDir: newer, arch: 'vgg16', checkpoint: 'best' as const, epoch: 1 }, { runId: 'old', runDir: old, arch: 'resnet18', checkpoint: 'best' as const, epoch: 1 }] }, runs), [newer, old]);
  const many = Array.from({ length: 9 }, (_, i) => ({ ...runs.find((r) => r.dir === old)!, dir: `/r${i}` }));
  assert.equal(gridRunDirs(view, many).length, MAX_GRID_RUNS);
});

test('the request from an evaluation: its images only, at most 8, true classes from the evaluation', async () => {
  const { old, newer, runs } = await workspace();
  const base = await loadEvaluation(old, 'test');
  const predictions = Array.from({ length: 12 }, (_, i) => ({ file: `/data/normal/n${i}.png`, rel: `normal/n${i}.png`, label: i % 3, predicted: 1, probabilities: [0.1, 0.8, 0.1] }));
  const view = { ...base, predictions };
  const request = gridRequestFor(view, ['/elsewhere/x.png', ...predictions.map((p) => p.file)], runs)!;
  assert.deepEqual(request.runs, [old, newer]);
  assert.deepEqual(request.images, predictions.slice(0, 8).map((p) => p.file));
  assert.equal(request.labels!['/data/normal/n1.png'], 'normal', 'the evaluation\'s label, not the folder');
  assert.equal(request.labels!['/data/normal/n2.png'], 'pneumonia');
  assert.equal(request.checkpoint, 'best');
  assert.equal(gridRequestFor(view, ['/elsewhere/x.png'], runs), undefined);
  assert.equal(gridTitle(request), 'CAM grid: 8 images × 2 runs');
  assert.equal(busyMessage({ ...request, methods: ['gradcam', 'scorecam'] }), 'Explaining 8 images with 2 runs × 2 methods…');
});

test('EvaluationController: "Explain these images with all runs" passes on the evaluation\'s own images only', async () => {
  const { newer, runs } = await workspace();
  const webview = new FakeWebview();
  const asked: [string[], string][] = [];
  const c = new EvaluationController(webview as never, newer, 'test', {
    load: loadEvaluation, summary: async () => summaryRows(runs), explainImage: () => undefined, onError: () => undefined,
    explainWithAllRuns: (files, evaluation) => { asked.push([files, evaluation.runId]); },
  });
  await c.handle({ type: 'explainWithAllRuns', files: ['/data/covid/a.png'] });
  assert.equal(asked.length, 0, 'nothing before the evaluation is shown');
  await c.handle({ type: 'ready' });
  assert.equal((webview.posted[0] as EvaluationToWebview).type, 'init');
  await c.handle({ type: 'explainWithAllRuns', files: ['/etc/passwd', '/data/covid/a.png', 7 as never] });
  await c.handle({ type: 'explainWithAllRuns', files: ['/etc/passwd'] });
  assert.deepEqual(asked, [[['/data/covid/a.png'], 'new']]);
});

function result(runDir: string): GridResult {
  const column = { runDir, runId: 'new', arch: 'vgg16', checkpoint: 'best' as const, epoch: 1, method: 'gradcam', methodLabel: 'Grad-CAM', title: ['new', 'vgg16 · best (epoch 1)', 'Grad-CAM'] };
  const cell = (predicted: string, correct: boolean) => ({
    overlay: `${runDir}/cams/k-${predicted}-gradcam-overlay.png`, heatmap: 'h', json: 'j', predicted, probability: 0.8, explained: predicted, correct,
    caption: `true covid · pred ${predicted} 80.0%`,
  });
  return {
    png: '/ws/.cxr-lab/grids/grid-1.png', width: 600, height: 700, columns: [column],
    rows: [{ image: '/data/covid/a.png', name: 'a.png', trueLabel: 'covid' }, { image: '/data/covid/b.png', name: 'b.png', trueLabel: 'covid' }],
    cells: [[cell('covid', true)], [cell('normal', false)]],
  };
}

function controllerSetup(o: { fail?: string } = {}) {
  const webview = new FakeWebview();
  const requests: GridJobRequest[] = [];
  const cancelled: number[] = [];
  const opened: string[] = [];
  const exported: string[] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const deps: GridDeps = {
    grid: async (request, onProgress: (p: GridProgress) => void) => {
      const n = requests.push(request);
      onProgress({ done: 1, total: 2, message: 'new · Grad-CAM: a.png' });
      const gate = hold ? new Promise<void>((r) => { release = r; }) : Promise.resolve();
      hold = false;
      return {
        result: gate.then(() => { if (o.fail) throw new Error(o.fail); return result(request.runs[0]); }),
        cancel: () => cancelled.push(n),
      };
    },
    toWebviewUri: (f) => `https://res${f}`,
    exportPng: async (png) => { exported.push(png); return '/ws/cam-grid.png'; },
    openCell: (image, runDir, which) => opened.push(`${image}@${runDir}:${which}`),
  };
  const request: GridJobRequest = { runs: ['/ws/runs/new'], images: ['/data/covid/a.png', '/data/covid/b.png'], checkpoint: 'best' };
  const controller = new GridController(webview as never, deps, request);
  return { webview, requests, cancelled, opened, exported, controller, request, holdNext: () => { hold = true; }, release: () => release?.() };
}

test('GridController: busy with progress, then the grid with webview URIs; a cell opens its Grad-CAM; Export PNG copies the engine\'s PNG', async () => {
  const s = controllerSetup();
  await s.controller.handle({ type: 'exportPng' });
  assert.equal(s.requests.length + s.webview.posted.length + s.exported.length, 0, 'nothing before the page is ready');
  await s.controller.handle({ type: 'ready' });
  const types = s.webview.posted.map((m) => (m as GridToWebview).type);
  assert.deepEqual(types, ['busy', 'busy', 'result']);
  const progress = s.webview.posted[1] as Extract<GridToWebview, { type: 'busy' }>;
  assert.deepEqual(progress, { type: 'busy', message: 'Explaining 2 images with 1 run…', progress: { done: 1, total: 2, message: 'new · Grad-CAM: a.png' } });
  const view = (s.webview.posted[2] as Extract<GridToWebview, { type: 'result' }>).view;
  assert.match(view.cells[1][0].overlayUri, /^https:\/\/res\/ws\/runs\/new\/cams\/k-normal-gradcam-overlay\.png\?v=\d+$/);
  assert.deepEqual(view.cells.map((r) => r[0].correct), [true, false]);
  assert.deepEqual(view.columns[0].title, ['new', 'vgg16 · best (epoch 1)', 'Grad-CAM']);
  assert.equal(view.png, '/ws/.cxr-lab/grids/grid-1.png');

  await s.controller.handle({ type: 'openCell', row: 1, col: 0 });
  await s.controller.handle({ type: 'openCell', row: 5, col: 0 });
  assert.deepEqual(s.opened, ['/data/covid/b.png@/ws/runs/new:best']);
  await s.controller.handle({ type: 'exportPng' });
  assert.deepEqual(s.exported, ['/ws/.cxr-lab/grids/grid-1.png']);
  assert.deepEqual(s.webview.posted.at(-1), { type: 'exported', file: '/ws/cam-grid.png' });

  // The page loaded again (resource roots changed): it gets the grid back, no new job.
  await s.controller.handle({ type: 'ready' });
  assert.equal(s.requests.length, 1);
  assert.equal((s.webview.posted.at(-1) as GridToWebview).type, 'result');
});

test('GridController: an engine failure is an error for the page; a new grid cancels the one still running', async () => {
  const failing = controllerSetup({ fail: 'Layer "x" is not in this model' });
  await failing.controller.handle({ type: 'ready' });
  assert.deepEqual(failing.webview.posted.at(-1), { type: 'error', message: 'Layer "x" is not in this model' });

  const s = controllerSetup();
  s.holdNext();
  const first = s.controller.handle({ type: 'ready' });
  await new Promise((r) => setImmediate(r));
  await s.controller.show({ ...s.request, runs: ['/ws/runs/other'] });
  s.release();
  await first;
  assert.deepEqual(s.cancelled, [1], 'the first job is cancelled');
  const results = s.webview.posted.filter((m) => (m as GridToWebview).type === 'result') as Extract<GridToWebview, { type: 'result' }>[];
  assert.equal(results.length, 1, 'only the newer grid is shown');
  assert.equal(results[0].view.columns[0].runDir, '/ws/runs/other');
  s.controller.dispose();
});
