/**
 * The extension host side against the real engine process (dist/engineHost.js), under node with the fake vscode:
 * dataset scan into the tree and the Problems panel, Train Model from the palette with a tiny model, the live
 * training panel, Evaluate into the evaluation view, and a Grad-CAM view of an image.
 */
import '../fakes/vscode';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { activate } from '../../src/extension/extension';
import type { DatasetNode } from '../../src/extension/dataset/datasetModel';
import type { RunNode } from '../../src/extension/runs/runTreeModel';
import type { EvaluationToWebview, ExplainToWebview, TrainingToWebview } from '../../src/shared/webviewProtocol';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { fake, fakeContext, Uri, window, workspace, type FakePanel } from '../fakes/vscode';
import { EngineService } from '../../src/extension/engine/engineService';
import { errorActions, showError } from '../../src/extension/engine/errorNotice';
import { carriedKind } from '../../src/shared/errorKind';
import { tempWorkspace } from '../fakes/runFixtures';

const repo = path.resolve(__dirname, '../..');
const engineBuilt = existsSync(path.join(repo, 'dist', 'engineHost.js'));
const skip = engineBuilt ? false : 'dist/engineHost.js is missing: run `node esbuild.mjs` first';

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 50_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const posted = <T extends { type: string }>(p: FakePanel, type: string) => p.webview.posted.filter((m) => (m as T).type === type) as T[];

const ws = tempWorkspace();
let context: ReturnType<typeof fakeContext> | undefined;
after(() => context?.subscriptions.forEach((d) => d.dispose()));

test('extension host with the real engine: scan, train, live panel, evaluate, Grad-CAM', { skip, timeout: 120_000 }, async () => {
  const { classes } = await generatePhantomDataset(ws, { perClass: 8, size: 32, seed: 3, classes: 3 });
  const broken = path.join(ws, classes[0], 'broken.png');
  writeFileSync(broken, 'not a png');
  workspace.workspaceFolders = [{ uri: Uri.file(ws), name: 'ws', index: 0 }];
  context = fakeContext(repo);
  activate(context as unknown as vscode.ExtensionContext);

  // Dataset view: one node per class with its count, the problems, and the broken file in the Problems panel.
  const dataset = fake.trees.get('cxrLab.dataset')!.treeDataProvider as vscode.TreeDataProvider<DatasetNode>;
  const roots = (await dataset.getChildren()) as DatasetNode[];
  assert.deepEqual(roots.filter((n) => n.kind === 'class').map((n) => `${(n as { name: string }).name}:${(n as { total: number }).total}`), [...classes].sort().map((c) => `${c}:8`));
  assert.ok(roots.some((n) => n.kind === 'problems'));
  const diags = fake.diagnostics.find((d) => d.name === 'cxrLab')!;
  assert.ok(diags.entries.has(broken), `diagnostics on ${broken}: ${[...diags.entries.keys()].join(', ')}`);

  // Train Model from the palette: workspace dataset, squeezenet, 1 epoch, batch 4, 32 px; the panel opens at once.
  fake.reset();
  fake.quickPickAnswers.push({}, { accept: 'squeezenet1_1' }, { accept: 'None' }, { accept: 'reference' }, { type: '1', accept: '1' }, { accept: '4' }, { accept: '1e-3' }, { type: '32', accept: '32' }, {}, {});
  await fake.commands.get('cxrLab.trainModel')!();
  const panel = fake.panels.find((p) => p.viewType === 'cxrLab.training')!;
  assert.ok(panel, 'training panel opened');
  panel.webview.send({ type: 'ready' });
  const finished = await until('the training to finish', () => fake.messages.find((m) => /finished/.test(m.text)));
  assert.match(finished.text, /training of \d{8}-\d{6}-squeezenet1_1 finished/);
  await until('the final status', () => posted<TrainingToWebview>(panel, 'status').some((m) => m.type === 'status' && m.status === 'completed'));
  assert.ok(posted(panel, 'init').length >= 1);
  assert.ok(posted(panel, 'progress').length > 0, 'live progress reached the panel');
  assert.equal(posted(panel, 'epoch').length, 1);
  assert.deepEqual(fake.state.get('cxrLab.lastTrainSettings'), { dataset: ws, arch: 'squeezenet1_1', epochs: 1, batchSize: 4, lr: 1e-3, imageSize: 32, sampler: 'weighted', scheduler: 'step', preset: 'reference' });

  // The run in the tree, completed, with its checkpoints.
  const runs = fake.trees.get('cxrLab.runs')!.treeDataProvider as vscode.TreeDataProvider<RunNode>;
  const run = await until('the run in the tree', async () => ((await runs.getChildren()) as RunNode[]).find((n) => n.run.status === 'completed'));
  assert.match((runs.getTreeItem(run) as vscode.TreeItem).description as string, /^squeezenet1_1 · completed$/);
  assert.deepEqual(((await runs.getChildren(run)) as RunNode[]).map((n) => n.kind === 'checkpoint' && n.which), ['best', 'last']);

  // Evaluate from the tree: the evaluation view gets the confusion matrix.
  fake.reset();
  await fake.commands.get('cxrLab.evaluate')!(run);
  const evalPanel = fake.panels.find((p) => p.viewType === 'cxrLab.evaluation')!;
  evalPanel.webview.send({ type: 'ready' });
  const init = await until('evaluation init', () => posted<EvaluationToWebview>(evalPanel, 'init')[0]);
  assert.ok(init.type === 'init' && init.evaluation.confusion.length === 3 && init.evaluation.predictions.length === init.evaluation.total);

  // Explain an image: the Grad-CAM view gets webview URIs of files written in the run's cams/.
  const image = init.type === 'init' ? init.evaluation.predictions[0].file : '';
  await fake.commands.get('cxrLab.explainImage')!(Uri.file(image));
  const camPanel = await until('the Grad-CAM view', () => fake.panels.find((p) => p.viewType === 'cxrLab.explain'));
  camPanel.webview.send({ type: 'ready' });
  const result = await until('the Grad-CAM', () => posted<ExplainToWebview>(camPanel, 'result')[0] ?? posted<ExplainToWebview>(camPanel, 'error')[0]);
  assert.equal(result.type, 'result', JSON.stringify(result));
  if (result.type !== 'result') return;
  assert.equal(result.view.checkpoint.runDir, run.run.dir);
  assert.equal(result.view.probabilities.length, 3);
  const overlay = decodeURIComponent(new URL(result.view.overlayUri).pathname).replace(/^\/fake-resource/, '');
  assert.ok(overlay.startsWith(path.join(run.run.dir, 'cams')) && existsSync(overlay), overlay);
});

test('EngineService starts the engine on first use, logs to the output channel, and starts it again after it died', { skip, timeout: 60_000 }, async () => {
  const output = window.createOutputChannel('CXR Lab test');
  const engine = new EngineService(path.join(repo, 'dist', 'engineHost.js'), output as unknown as vscode.OutputChannel);
  try {
    assert.equal(output.lines.length, 0, 'nothing starts before the first request');
    const first = await (await engine.start({ type: 'info' })).result;
    assert.ok(first.models.includes('densenet121'));
    assert.ok(engine.backend);
    const child = (engine as unknown as { client: { child: ChildProcess } }).client.child;
    child.kill('SIGKILL');
    await once(child, 'exit');
    const second = await (await engine.start({ type: 'info' })).result;
    assert.deepEqual(second.models, first.models);
    assert.equal(output.lines.filter((l) => l.startsWith('Starting the engine')).length, 2);
    assert.ok(output.lines.some((l) => /engine process stopped \(SIGKILL\)/.test(l)), output.lines.join('\n'));
  } finally {
    engine.dispose();
  }
});

test('an engine failure reaches the notice with its kind: a dataset error offers the dataset problems', { skip, timeout: 60_000 }, async () => {
  const output = window.createOutputChannel('CXR Lab test');
  const engine = new EngineService(path.join(repo, 'dist', 'engineHost.js'), output as unknown as vscode.OutputChannel);
  try {
    const missing = path.join(ws, 'no-such-dataset');
    const err = await (await engine.start({ type: 'scan', root: missing })).result.then(() => assert.fail('scan should fail'), (e: unknown) => e);
    assert.equal(carriedKind(err), 'dataset');
    assert.deepEqual(errorActions(err), ['Show Log', 'Open Dataset Problems']);
    fake.reset();
    fake.messageAnswers.push('Open Dataset Problems');
    await showError('scan failed', err);
    assert.equal(fake.messages.length, 1);
    assert.match(fake.messages[0].text, /^CXR Lab: scan failed: The dataset folder .* does not exist\.$/);
    assert.deepEqual(fake.executed.map((e) => e.command), ['cxrLab.dataset.focus', 'workbench.actions.view.problems']);
    const badConfig = await (await engine.start({ type: 'train', dataset: ws, config: { epochs: 0 } })).result.then(() => assert.fail('train should fail'), (e: unknown) => e);
    assert.equal(carriedKind(badConfig), 'config');
    assert.deepEqual(errorActions(badConfig), ['Show Log']);
  } finally {
    engine.dispose();
  }
});
