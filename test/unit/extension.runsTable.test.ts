/**
 * What the extension tells the evaluation view about each evaluation: the set it evaluated (the key its rows are grouped
 * by), the checkpoint, the external folder's location; and the checkpoint an image is explained with.
 */
import '../fakes/vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listRuns } from '../../src/extension/runs/runReader';
import { listEnsembles } from '../../src/extension/runs/ensembleReader';
import { evaluatedSetKey, summaryRows } from '../../src/extension/evaluation/evaluationData';
import { loadEvaluation } from '../../src/extension/evaluation/evaluationPanel';
import { EvaluationController } from '../../src/extension/evaluation/evaluationController';
import { groupSummary } from '../../src/webview/evaluation/runsTableModel';
import { evalFile, meta, tempWorkspace, writeEnsemble, writeRun } from '../fakes/runFixtures';
import { FakeWebview } from '../fakes/vscode';

test('summary rows carry the evaluated set, the checkpoint and the images; the view groups them without ranking across', async () => {
  const ws = tempWorkspace();
  const external = { ...evalFile('data-kaggle', 0.944), checkpoint: { which: 'best' as const, ...meta(6, 0.3) }, total: 180 };
  external.predictions = [{ file: '/data2/kaggle/covid/x.png', rel: 'covid/x.png', label: 0, predicted: 0, probabilities: [0.9, 0.05, 0.05] },
    { file: '/data2/kaggle/normal/y.png', rel: 'normal/y.png', label: 1, predicted: 1, probabilities: [0.1, 0.8, 0.1] }];
  const a = writeRun(ws, { id: 'a', status: 'completed', createdAt: '2026-11-02T00:00:00Z', seed: 42, checkpoints: { best: meta(6, 0.3) },
    evals: [{ ...evalFile('test', 0.911), checkpoint: { which: 'best', ...meta(6, 0.3) } }, external, { ...evalFile('test-last', 0.89), checkpoint: { which: 'last', ...meta(8, 0.35) } }] });
  const b = writeRun(ws, { id: 'b', status: 'completed', createdAt: '2026-11-01T00:00:00Z', seed: 7, evals: [evalFile('test', 0.95)] });
  writeEnsemble(ws, { id: 'ensemble-1', members: [{ runId: 'a', runDir: a, arch: 'resnet18', epoch: 6 }, { runId: 'b', runDir: b, arch: 'resnet18', epoch: 3 }], evals: [evalFile('test', 0.92)] });
  const rows = summaryRows(await listRuns([ws]), await listEnsembles([ws]));
  const of = (runId: string, name: string) => rows.find((r) => r.runId === runId && r.name === name)!;
  assert.equal(of('a', 'test').setKey, 'split:test:h:42');
  assert.equal(of('a', 'test-last').setKey, 'split:test:h:42', 'the last checkpoint on the same images: same group');
  assert.equal(of('b', 'test').setKey, 'split:test:h:7', 'another split seed: other images');
  assert.equal(of('ensemble-1', 'test').setKey, 'split:test:h:42', "an ensemble's split is its first member's");
  assert.equal(of('a', 'data-kaggle').setKey, 'folder:kaggle');
  assert.deepEqual(of('a', 'test-last').checkpoint, { which: 'last', epoch: 8 });
  assert.deepEqual(of('ensemble-1', 'test').memberEpochs, [6, 3]);
  assert.equal(of('a', 'data-kaggle').total, 180);
  assert.deepEqual(of('b', 'test').dataset, { name: 'data', splitSeed: 7 });

  const groups = groupSummary(rows, 'accuracy', true);
  assert.deepEqual(groups.map((g) => [g.title, g.rows.map((r) => r.runId)]), [
    ['Test split · data (split seed 42)', ['ensemble-1', 'a', 'a']],
    ['Test split · data (split seed 7)', ['b']],
    ['External folder kaggle', ['a']],
  ]);
  assert.equal(evaluatedSetKey('holdout', { hash: 'h' }), 'other:holdout');

  // The external evaluation's header names its folder: the deepest one holding its images.
  const view = await loadEvaluation(a, 'data-kaggle');
  assert.equal(view.evaluatedFolder, '/data2/kaggle');
  assert.equal(view.checkpoint?.epoch, 6);
  assert.equal((await loadEvaluation(a, 'test')).evaluatedFolder, undefined);
});

test('an image of an evaluation is explained with the checkpoint the evaluation used', async () => {
  const explained: unknown[][] = [];
  const c = new EvaluationController(new FakeWebview() as never, '/r', 'test-last', {
    load: async () => { throw new Error('unused'); }, summary: async () => [], onError: () => undefined,
    explainImage: (...args) => { explained.push(args); },
  });
  await c.handle({ type: 'explainImage', file: '/d/x.png', runDir: '/r', checkpoint: 'last' });
  await c.handle({ type: 'explainImage', file: '/d/y.png', runDir: '/r' });
  await c.handle({ type: 'explainImage', file: '/d/z.png', runDir: '/r', checkpoint: 'other' as never });
  assert.deepEqual(explained, [['/d/x.png', '/r', 'last'], ['/d/y.png', '/r', undefined], ['/d/z.png', '/r', undefined]]);
});
