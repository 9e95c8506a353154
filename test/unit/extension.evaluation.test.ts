/**
 * The extension side of the evaluation view after issue 11: a current eval file's metrics, intervals and warnings in
 * the view and the all-runs table, ensembles (.cxr-lab/ensembles/<id>) as one row each, thumbnails for the top-losses
 * gallery only for the evaluation's own images, and AUC beside macro-F1 in the Runs tree.
 */
import '../fakes/vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { EvaluationToWebview, EvaluationView } from '../../src/shared/webviewProtocol';
import { listRuns } from '../../src/extension/runs/runReader';
import { listEnsembles, readEnsemble } from '../../src/extension/runs/ensembleReader';
import { EvaluationController } from '../../src/extension/evaluation/evaluationController';
import { isUnder, loadEvaluation } from '../../src/extension/evaluation/evaluationPanel';
import { imagesRoot, newestEvaluation, summaryRows } from '../../src/extension/evaluation/evaluationData';
import { summarizeEval } from '../../src/extension/evaluation/evalFile';
import { childNodes, nodeView, type RunNode } from '../../src/extension/runs/runTreeModel';
import { epoch, evalFile, evalFileWithMetrics, meta, tempWorkspace, writeEnsemble, writeRun } from '../fakes/runFixtures';
import { FakeWebview } from '../fakes/vscode';

async function workspace() {
  const ws = tempWorkspace();
  const old = writeRun(ws, { id: 'old', status: 'completed', createdAt: '2026-11-01T00:00:00Z', history: [epoch(1)], checkpoints: { best: meta(1, 0.5) }, evals: [evalFile('test', 0.7)] });
  const cur = writeRun(ws, { id: 'cur', status: 'completed', arch: 'vgg16', createdAt: '2026-11-03T00:00:00Z', history: [epoch(1), epoch(2)], checkpoints: { best: meta(2, 0.3) }, evals: [evalFileWithMetrics('test', 0.9)] });
  const ens = writeEnsemble(ws, {
    id: 'ensemble-0a1b2c3d', updatedAt: '2099-01-01T00:00:00Z',
    members: [{ runId: 'cur', runDir: cur, arch: 'vgg16', epoch: 2 }, { runId: 'old', runDir: old, arch: 'resnet18', epoch: 1 }],
    evals: [evalFileWithMetrics('test', 0.92)],
  });
  return { ws, old, cur, ens, runs: await listRuns([ws]), ensembles: await listEnsembles([ws]) };
}

test('a current eval file: the view carries metrics, intervals, bootstrap, warnings and subgroups; an older one lacks them', async () => {
  const { old, cur } = await workspace();
  const view = await loadEvaluation(cur, 'test');
  assert.equal(view.explainRunDir, cur);
  assert.equal(view.metrics?.find((m) => m.id === 'rocAuc')?.id, 'rocAuc');
  assert.deepEqual(view.intervals?.macroF1, { low: 0.52, high: 0.78 });
  assert.equal(view.bootstrap?.unit, 'patient');
  assert.match(view.confounders?.[0].message ?? '', /^pneumonia: all 9 images come from source 'kermany'/);
  assert.equal(view.subgroups?.[0].column, 'source');
  const before = await loadEvaluation(old, 'test');
  for (const key of ['metrics', 'intervals', 'bootstrap', 'temperatureScaling', 'confounders', 'subgroups', 'ensemble'] as const) {
    assert.equal(key in before, false, `${key} absent for an older file`);
  }
});

test('ensembles: read from .cxr-lab/ensembles, opened as an evaluation, one row "ensemble of N: arch, arch" in the all-runs table', async () => {
  const { cur, old, ens, runs, ensembles } = await workspace();
  assert.deepEqual(ensembles.map((e) => [e.id, e.dir, e.evals.map((x) => x.name)]), [['ensemble-0a1b2c3d', ens, ['test']]]);
  const view = await loadEvaluation(ens, 'test');
  assert.equal(view.runDir, ens);
  assert.equal(view.runId, 'ensemble-0a1b2c3d');
  assert.equal(view.arch, 'ensemble of 2: vgg16, resnet18');
  assert.equal(view.explainRunDir, cur, 'images are explained with the first member');
  assert.deepEqual(view.ensemble?.map((m) => [m.runId, m.runDir, m.checkpoint, m.epoch]), [['cur', cur, 'best', 2], ['old', old, 'best', 1]]);
  await assert.rejects(loadEvaluation(ens, 'val'), /^Error: Ensemble ensemble-0a1b2c3d has no val evaluation/);

  const rows = summaryRows(runs, ensembles);
  assert.deepEqual(rows.map((r) => `${r.runId}/${r.name}`), ['cur/test', 'old/test', 'ensemble-0a1b2c3d/test']);
  const [current, older, ensemble] = rows;
  assert.equal(current.auc, 0.91);
  assert.deepEqual(current.intervals, { accuracy: { low: 0.7, high: 0.95 }, macroF1: { low: 0.52, high: 0.78 }, auc: { low: 0.84, high: 0.97 } });
  assert.equal('auc' in older, false, 'an older file: no AUC, no intervals');
  assert.equal('intervals' in older, false);
  assert.deepEqual([ensemble.arch, ensemble.members, ensemble.epochs, ensemble.accuracy, ensemble.auc], ['ensemble of 2: vgg16, resnet18', 2, undefined, 0.92, 0.91]);
  assert.deepEqual(newestEvaluation(runs, ensembles), { runDir: ens, name: 'test' });
  assert.equal((await readEnsemble(cur)), undefined, 'a run folder is not an ensemble');
  assert.deepEqual(await listEnsembles([tempWorkspace()]), []);
});

test('EvaluationController: thumbnails only for the evaluation\'s own images, the images allowed before init', async () => {
  const webview = new FakeWebview();
  const view = { runDir: '/r', name: 'test', predictions: [{ file: '/data/a.png' }, { file: '/data/b.png' }] } as unknown as EvaluationView;
  const allowed: EvaluationView[] = [];
  const c = new EvaluationController(webview as never, '/r', 'test', {
    load: async () => view, summary: async () => [], explainImage: () => undefined, onError: (m) => assert.fail(m),
    imageUri: (f) => `uri:${f}`, allowImages: (v) => { allowed.push(v); },
  });
  await c.handle({ type: 'requestImages', files: ['/data/a.png'] });
  assert.equal(webview.posted.length, 0, 'nothing before the page is ready and an evaluation is loaded');
  await c.handle({ type: 'ready' });
  assert.deepEqual(allowed, [view]);
  await c.handle({ type: 'requestImages', files: ['/data/a.png', '/etc/passwd', '/data/b.png', 42 as never] });
  assert.deepEqual(webview.posted.at(-1), { type: 'images', uris: { '/data/a.png': 'uri:/data/a.png', '/data/b.png': 'uri:/data/b.png' } } satisfies EvaluationToWebview);
  const n = webview.posted.length;
  await c.handle({ type: 'requestImages', files: ['/etc/passwd'] });
  assert.equal(webview.posted.length, n, 'no answer for files outside the evaluation');
});

test('images root: the deepest folder holding every evaluated image; isUnder', () => {
  assert.equal(imagesRoot(['/ws/data/covid/a.png', '/ws/data/normal/b.png', '/ws/data/covid/c.png']), path.resolve('/ws/data'));
  assert.equal(imagesRoot(['/ws/data/covid/a.png']), path.resolve('/ws/data/covid'));
  assert.equal(imagesRoot(['/a/x.png', '/b/y.png']), path.resolve('/'));
  assert.equal(imagesRoot([]), undefined);
  assert.equal(isUnder('/ws/data/covid', ['/ws/data']), true);
  assert.equal(isUnder('/ws/data', ['/ws/data']), true);
  assert.equal(isUnder('/ws/database', ['/ws/data']), false);
});

test('Runs tree: AUC beside macro-F1 (with intervals in the metric rows) where the file has it; older files unchanged', async () => {
  const { runs } = await workspace();
  const cur = runs.find((r) => r.id === 'cur')!;
  const evalNode = childNodes({ kind: 'run', run: cur }).find((k) => k.kind === 'eval')!;
  const v = nodeView(evalNode);
  assert.equal(v.description, 'accuracy 90.0% · macro-F1 0.650 · AUC 0.910');
  assert.match(v.accessibilityLabel, /macro-F1 0\.650, AUC 0\.910, 24 images$/);
  const metrics = childNodes(evalNode as RunNode).map(nodeView);
  assert.deepEqual(metrics.map((m) => m.label), ['accuracy', 'macro-F1', 'AUC (macro)', 'covid', 'normal', 'pneumonia']);
  assert.deepEqual(metrics.slice(0, 3).map((m) => m.description), ['90.0% (70.0–95.0%)', '0.650 (0.520–0.780)', '0.910 (0.840–0.970)']);
  assert.equal(metrics[1].accessibilityLabel, 'macro-F1 0.650, 95 % interval 0.520 to 0.780');
  assert.equal(metrics[3].description, 'P 0.500 · R 0.600 · F1 0.550 · AUC 0.930 · n 7');
  assert.equal(metrics[5].description, 'P 0.700 · R 0.800 · F1 0.750 · AUC n/a · n 9');
  assert.equal(metrics[5].tooltip, 'AUC n/a: no image of pneumonia in the evaluated set');
  // An older file: as before.
  const old = summarizeEval(evalFile('test', 0.7), '/x/eval/test.json');
  const oldNode = { kind: 'eval', run: cur, evaluation: old } as const;
  assert.equal(nodeView(oldNode).description, 'accuracy 70.0% · macro-F1 0.650');
  assert.deepEqual(childNodes(oldNode).map((m) => nodeView(m).description).slice(0, 2), ['70.0%', '0.650']);
});
