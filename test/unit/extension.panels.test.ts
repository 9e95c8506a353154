import '../fakes/vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { ExplainResult } from '../../src/shared/engineProtocol';
import type { EvaluationToWebview, ExplainToWebview } from '../../src/shared/webviewProtocol';
import { listRuns } from '../../src/extension/runs/runReader';
import { EvaluationController } from '../../src/extension/evaluation/evaluationController';
import { loadEvaluation } from '../../src/extension/evaluation/evaluationPanel';
import { newestEvaluation, summaryRows } from '../../src/extension/evaluation/evaluationData';
import { checkpointChoices, defaultCheckpoint, type CheckpointChoice } from '../../src/extension/explain/checkpointChoice';
import { ExplainController, type ExplainRequestOptions } from '../../src/extension/explain/explainController';
import { contentSecurityPolicy, webviewHtml } from '../../src/extension/webviewHtml';
import { errorActions } from '../../src/extension/engine/errorNotice';
import { EngineError } from '../../src/extension/engine/engineClient';
import { CLASSES, epoch, evalFile, meta, tempWorkspace, writeRun } from '../fakes/runFixtures';
import { FakeWebview, Uri } from '../fakes/vscode';

const tick = () => new Promise((r) => setImmediate(r));

async function workspaceWithRuns() {
  const ws = tempWorkspace();
  const older = writeRun(ws, { id: 'old', status: 'completed', createdAt: '2026-11-01T00:00:00Z', history: [epoch(1)], checkpoints: { best: meta(1, 0.5), last: meta(1, 0.5) }, evals: [evalFile('test', 0.7)] });
  const newer = writeRun(ws, { id: 'new', status: 'completed', arch: 'vgg16', createdAt: '2026-11-03T00:00:00Z', history: [epoch(1), epoch(2)], checkpoints: { best: meta(2, 0.3), last: meta(2, 0.3) }, evals: [evalFile('test', 0.9), evalFile('val', 0.8)] });
  const running = writeRun(ws, { id: 'live', status: 'running', createdAt: '2026-11-04T00:00:00Z', history: [epoch(1)], checkpoints: { best: meta(1, 0.9) } });
  return { ws, older, newer, running, runs: await listRuns([ws]) };
}

test('evaluation data: view from eval JSON, summary of every run, newest evaluation', async () => {
  const { newer, older, runs } = await workspaceWithRuns();
  const view = await loadEvaluation(newer, 'test');
  assert.equal(view.runId, 'new');
  assert.equal(view.arch, 'vgg16');
  assert.deepEqual(view.classes, CLASSES);
  assert.equal(view.accuracy, 0.9);
  assert.equal(view.predictions[0].rel, 'covid/a.png');
  await assert.rejects(loadEvaluation(older, 'val'), /no val evaluation/);

  const rows = summaryRows(runs);
  assert.deepEqual(rows.map((r) => `${r.runId}/${r.name}`), ['new/test', 'new/val', 'old/test']);
  assert.deepEqual([rows[0].macroF1, rows[0].weightedF1, rows[0].epochs, rows[0].bestEpoch], [0.65, 0.66, 2, 2]);
  assert.ok(newestEvaluation(runs));
  assert.equal(newestEvaluation([]), undefined);
});

test('EvaluationController: init after ready, switch evaluation, explain an image, summary refresh', async () => {
  const { newer, runs } = await workspaceWithRuns();
  const webview = new FakeWebview();
  const explained: string[] = [];
  const errors: string[] = [];
  const c = new EvaluationController(webview as never, newer, 'test', {
    load: loadEvaluation, summary: async () => summaryRows(runs), explainImage: (f, r) => explained.push(`${f}@${r}`), onError: (m) => errors.push(m),
  });
  await c.refreshSummary();
  assert.equal(webview.posted.length, 0);
  await c.handle({ type: 'ready' });
  const init = webview.posted[0] as Extract<EvaluationToWebview, { type: 'init' }>;
  assert.equal(init.type, 'init');
  assert.equal(init.evaluation.name, 'test');
  assert.equal(init.summary.length, 3);

  await c.handle({ type: 'openEvaluation', runDir: newer, name: 'val' });
  assert.equal((webview.posted[1] as Extract<EvaluationToWebview, { type: 'init' }>).evaluation.name, 'val');
  assert.deepEqual(c.current, { runDir: newer, name: 'val' });
  await c.handle({ type: 'explainImage', file: '/data/covid/a.png', runDir: newer });
  assert.deepEqual(explained, [`/data/covid/a.png@${newer}`]);
  await c.refreshSummary();
  assert.equal((webview.posted[2] as EvaluationToWebview).type, 'summary');
  await c.handle({ type: 'openEvaluation', runDir: newer, name: 'train' });
  assert.equal(webview.posted.length, 3);
  assert.match(errors[0], /no train evaluation/);
});

test('default checkpoint: best of the newest completed run; choices list every checkpoint', async () => {
  const { newer, runs } = await workspaceWithRuns();
  const d = defaultCheckpoint(runs);
  assert.deepEqual(d && [d.runDir, d.which, d.epoch, d.arch], [newer, 'best', 2, 'vgg16']);
  assert.deepEqual(checkpointChoices(runs).map((c) => `${c.runId}:${c.which}`), ['live:best', 'new:best', 'new:last', 'old:best', 'old:last']);
  assert.equal(defaultCheckpoint(runs.filter((r) => r.status !== 'completed')), undefined);
});

function explainSetup(runs: Awaited<ReturnType<typeof workspaceWithRuns>>['runs'], pick?: CheckpointChoice) {
  const webview = new FakeWebview();
  const requests: ExplainRequestOptions[] = [];
  const picks: number[] = [];
  const controller = new ExplainController(webview as never, '/data/covid/a.png', {
    explain: async (o): Promise<ExplainResult> => {
      requests.push(o);
      const cls = o.classIndex ?? 1;
      return { candidateLayers: ['block5', 'block4'], methods: [{ id: 'gradcam', label: 'Grad-CAM', usesGradients: true }, { id: 'scorecam', label: 'Score-CAM', usesGradients: false }], items: [{ image: o.image, classIndex: cls, className: CLASSES[cls], probabilities: [0.2, 0.7, 0.1], layer: o.layer ?? 'block5', heatmap: `${o.runDir}/cams/k-${cls}-heatmap.png`, overlay: `${o.runDir}/cams/k-${cls}-overlay.png`, json: 'j' }] };
    },
    listRuns: async () => runs,
    pickCheckpoint: async (choices) => { picks.push(choices.length); return pick; },
    toWebviewUri: (f) => `https://res${f}`,
    allowFolder: () => undefined,
  });
  return { webview, requests, picks, controller };
}

test('ExplainController: explains with the default checkpoint, re-runs on class and layer, busy then result', async () => {
  const { newer, runs } = await workspaceWithRuns();
  const { webview, requests, picks, controller } = explainSetup(runs);
  await controller.handle({ type: 'ready' });
  assert.deepEqual(picks, [], 'a default exists: no question');
  assert.deepEqual(requests[0], { runDir: newer, image: '/data/covid/a.png', checkpoint: 'best', classIndex: undefined, layer: undefined, method: 'gradcam', augSmooth: false, eigenSmooth: false, scale: 'per-map', colormap: 'jet' });
  assert.deepEqual(webview.posted.map((m) => (m as ExplainToWebview).type), ['busy', 'result']);
  const view = (webview.posted[1] as Extract<ExplainToWebview, { type: 'result' }>).view;
  assert.equal(view.image.uri, 'https://res/data/covid/a.png');
  assert.match(view.overlayUri, new RegExp(`^https://res${newer}/cams/k-1-overlay\\.png\\?v=\\d+$`));
  assert.deepEqual([view.classIndex, view.layer, view.layers, view.classes, view.checkpoint.runId, view.checkpoint.epoch], [1, 'block5', ['block5', 'block4'], CLASSES, 'new', 2]);

  await controller.handle({ type: 'selectClass', classIndex: 2 });
  await controller.handle({ type: 'selectLayer', layer: 'block4' });
  assert.deepEqual(requests.slice(1).map((r) => [r.classIndex, r.layer]), [[2, 'block5'], [2, 'block4']]);
  const last = (webview.posted.at(-1) as Extract<ExplainToWebview, { type: 'result' }>).view;
  assert.notEqual(last.heatmapUri, view.heatmapUri, 'a new query makes the page reload the rewritten file');
  assert.deepEqual([view.method, view.augSmooth, view.eigenSmooth, view.methods.map((m) => m.id)], ['gradcam', false, false, ['gradcam', 'scorecam']]);

  // The method picker and the smoothing boxes: the same class and layer, another method and options.
  await controller.handle({ type: 'selectMethod', method: 'scorecam', augSmooth: true, eigenSmooth: false });
  assert.deepEqual(requests.at(-1), { runDir: newer, image: '/data/covid/a.png', checkpoint: 'best', classIndex: 2, layer: 'block4', method: 'scorecam', augSmooth: true, eigenSmooth: false, scale: 'per-map', colormap: 'jet' });
  assert.equal((webview.posted.at(-2) as Extract<ExplainToWebview, { type: 'busy' }>).message, `Computing Score-CAM of a.png with new (best)…`);
  const scored = (webview.posted.at(-1) as Extract<ExplainToWebview, { type: 'result' }>).view;
  assert.deepEqual([scored.method, scored.augSmooth, scored.eigenSmooth], ['scorecam', true, false]);
});

test('ExplainController: asks for a checkpoint when none is finished, changeCheckpoint resets class and layer', async () => {
  const { running, runs } = await workspaceWithRuns();
  const onlyLive = runs.filter((r) => r.status === 'running');
  const choice = checkpointChoices(onlyLive)[0];
  const { webview, requests, picks, controller } = explainSetup(onlyLive, choice);
  await controller.handle({ type: 'ready' });
  assert.deepEqual(picks, [1]);
  assert.equal(requests[0].runDir, running);
  assert.equal((webview.posted.at(-1) as Extract<ExplainToWebview, { type: 'result' }>).view.checkpoint.runId, 'live');
  await controller.handle({ type: 'selectClass', classIndex: 0 });
  await controller.handle({ type: 'changeCheckpoint' });
  assert.deepEqual([requests[2].classIndex, requests[2].layer], [undefined, undefined]);

  const none = explainSetup([]);
  await none.controller.handle({ type: 'ready' });
  assert.equal(none.requests.length, 0);
  assert.match((none.webview.posted[0] as Extract<ExplainToWebview, { type: 'error' }>).message, /No trained checkpoint/);
});

test('ExplainController: an engine failure becomes an error message for the page', async () => {
  const webview = new FakeWebview();
  const { runs } = await workspaceWithRuns();
  const c = new ExplainController(webview as never, '/x.png', {
    explain: async () => { throw new Error('Cannot read /x.png: unsupported image'); }, listRuns: async () => runs,
    pickCheckpoint: async () => undefined, toWebviewUri: (f) => f, allowFolder: () => undefined,
  });
  await c.handle({ type: 'ready' });
  await tick();
  assert.deepEqual(webview.posted.at(-1), { type: 'error', message: 'Cannot read /x.png: unsupported image' });
});

test('webview HTML: #app, nonce-d script and stylesheet from dist/webview, strict CSP', () => {
  const webview = new FakeWebview();
  const html = webviewHtml(webview as never, Uri.file('/ext') as never, 'training', 'Training: <r>');
  assert.match(html, /<div id="app"><\/div>/);
  const nonce = /script-src 'nonce-([A-Za-z0-9]+)'/.exec(html)?.[1];
  assert.ok(nonce && nonce.length >= 16);
  assert.ok(html.includes(`<script nonce="${nonce}" src="https:///fake-resource${path.resolve('/ext/dist/webview/training.js')}"></script>`));
  assert.ok(html.includes(`href="https:///fake-resource${path.resolve('/ext/dist/webview/training.css')}"`));
  assert.ok(html.includes('Training: &#60;r&#62;'));
  assert.notEqual(/nonce-([A-Za-z0-9]+)/.exec(webviewHtml(webview as never, Uri.file('/ext') as never, 'training', 't'))?.[1], nonce, 'a fresh nonce per page');
  const csp = contentSecurityPolicy('SRC', 'N');
  assert.equal(csp, "default-src 'none'; img-src SRC data:; style-src SRC 'unsafe-inline'; script-src 'nonce-N'; font-src SRC");
});

test('errors offer the dataset problems only when the dataset is the cause', () => {
  // By the error's kind (as the engine reports it), not by its wording.
  assert.deepEqual(errorActions(new EngineError('The dataset folder has no class folders.', 'dataset')), ['Show Log', 'Open Dataset Problems']);
  assert.deepEqual(errorActions(new Error('Engine process stopped (SIGKILL).')), ['Show Log']);
});
