import '../fakes/vscode';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { once } from 'node:events';
import type * as vscode from 'vscode';
import { activate } from '../../src/extension/extension';
import type { RunNode } from '../../src/extension/runs/runTreeModel';
import type { EvaluationToWebview, TrainingToWebview } from '../../src/shared/webviewProtocol';
import { epoch, evalFile, meta, tempWorkspace, writeRun } from '../fakes/runFixtures';
import { fake, fakeContext, Uri, workspace } from '../fakes/vscode';

const repo = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
type MenuItem = { command: string; when?: string; group?: string };
const commandIds: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** Evaluates the `a == b && key =~ /re/flags` when-clauses this package uses. */
function when(clause: string | undefined, ctx: Record<string, string>): boolean {
  if (!clause) return true;
  return clause.split('&&').map((s) => s.trim()).every((part) => {
    const eq = /^(\w+) == ([\w.]+)$/.exec(part);
    if (eq) return ctx[eq[1]] === eq[2];
    const re = /^(\w+) =~ \/(.*)\/(\w*)$/.exec(part);
    if (re) return new RegExp(re[2], re[3]).test(ctx[re[1]] ?? '');
    if (part === 'false') return false;
    throw new Error(`when-clause part not understood: ${part}`);
  });
}

const ws = tempWorkspace();
const done = writeRun(ws, { id: '20261102-000000-resnet18', status: 'completed', createdAt: '2026-11-02T00:00:00Z', history: [epoch(1), epoch(2)], checkpoints: { best: meta(2, 0.3), last: meta(2, 0.3) }, evals: [evalFile('test', 0.8)] });
const cancelled = writeRun(ws, { id: '20261101-000000-vgg16', status: 'cancelled', arch: 'vgg16', createdAt: '2026-11-01T00:00:00Z', history: [epoch(1)], checkpoints: { last: meta(1, 0.6) } });
workspace.workspaceFolders = [{ uri: Uri.file(ws), name: 'ws', index: 0 }];
const context = fakeContext(repo);
activate(context as unknown as vscode.ExtensionContext);
after(() => context.subscriptions.forEach((d) => d.dispose()));

test('package.json: manifest fields the extension relies on', () => {
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  assert.equal(pkg.engines.vscode, '^1.100.0');
  assert.equal(pkg.main, './dist/extension.js');
  // VS Code >= 1.74 activates on contributed commands, views and custom editors by itself; restored panels
  // still need their onWebviewPanel event, and nothing else is listed.
  assert.deepEqual([...pkg.activationEvents].sort(), ['cxrLab.evaluation', 'cxrLab.explain', 'cxrLab.training'].map((id) => `onWebviewPanel:${id}`));
  assert.deepEqual(pkg.contributes.viewsContainers.activitybar.map((c: { id: string; title: string }) => `${c.id}:${c.title}`), ['cxrLab:CXR Lab']);
  assert.deepEqual(pkg.contributes.views.cxrLab.map((v: { id: string; name: string }) => `${v.id}:${v.name}`), ['cxrLab.dataset:Dataset', 'cxrLab.runs:Runs']);
  const editor = pkg.contributes.customEditors[0];
  assert.deepEqual([editor.viewType, editor.displayName, editor.priority], ['cxrLab.gradcamEditor', 'Grad-CAM', 'option']);
  for (const file of [pkg.icon, pkg.contributes.viewsContainers.activitybar[0].icon]) assert.ok(existsSync(path.join(repo, file)), file);
  for (const c of pkg.contributes.commands) assert.equal(c.category, 'CXR Lab');
});

test('every contributed command is registered by activate(), and every registered one is contributed', () => {
  assert.deepEqual([...fake.commands.keys()].sort(), [...commandIds].sort());
  const menus = Object.values(pkg.contributes.menus).flat() as MenuItem[];
  for (const m of menus) assert.ok(commandIds.includes(m.command), `menu names unknown command ${m.command}`);
  assert.ok(fake.trees.has('cxrLab.dataset') && fake.trees.has('cxrLab.runs'));
});

test('"Explain with Grad-CAM" is offered on images only, in the explorer and the editor title', () => {
  for (const where of ['explorer/context', 'editor/title']) {
    const item = (pkg.contributes.menus[where] as MenuItem[]).find((m) => m.command === 'cxrLab.explainImage')!;
    for (const ext of ['.png', '.jpg', '.JPEG', '.bmp', '.tif', '.tiff']) assert.ok(when(item.when, { resourceExtname: ext }), `${where} ${ext}`);
    for (const ext of ['.txt', '.json', '.pngx', '']) assert.ok(!when(item.when, { resourceExtname: ext }), `${where} ${ext}`);
  }
});

async function runsTree() {
  const provider = fake.trees.get('cxrLab.runs')!.treeDataProvider as vscode.TreeDataProvider<RunNode>;
  const roots = (await provider.getChildren()) as RunNode[];
  return { provider, roots };
}

function contextActions(contextValue: string): string[] {
  return (pkg.contributes.menus['view/item/context'] as MenuItem[])
    .filter((m) => !m.group?.startsWith('inline') && when(m.when, { view: 'cxrLab.runs', viewItem: contextValue })).map((m) => m.command);
}

test('Runs tree: newest first, and each run gets the context actions that fit its state', async () => {
  const { provider, roots } = await runsTree();
  const items = roots.map((n) => provider.getTreeItem(n) as vscode.TreeItem);
  assert.deepEqual(items.map((i) => i.label), ['20261102-000000-resnet18', '20261101-000000-vgg16']);
  assert.equal(items[1].description, 'vgg16 · cancelled · 1/5 epochs');
  const compare = ['cxrLab.compareRuns', 'cxrLab.exportReport'];
  assert.deepEqual(contextActions(items[0].contextValue!), ['cxrLab.openTrainingPanel', 'cxrLab.evaluate', 'cxrLab.explainWithCheckpoint', 'cxrLab.auditShortcuts', ...compare, 'cxrLab.revealRun', 'cxrLab.deleteRun']);
  assert.deepEqual(contextActions(items[1].contextValue!), ['cxrLab.openTrainingPanel', ...compare, 'cxrLab.resumeRun', 'cxrLab.revealRun', 'cxrLab.deleteRun']);
  assert.deepEqual(contextActions('run status-running ckpt cancellable'), ['cxrLab.openTrainingPanel', 'cxrLab.evaluate', 'cxrLab.explainWithCheckpoint', 'cxrLab.auditShortcuts', ...compare, 'cxrLab.cancelTraining', 'cxrLab.revealRun']);
  assert.deepEqual(contextActions('sweep status-completed'), compare, 'a sweep node: compare it, report it');
  const children = (await provider.getChildren(roots[0])) as RunNode[];
  assert.deepEqual(contextActions((provider.getTreeItem(children[0]) as vscode.TreeItem).contextValue!), ['cxrLab.evaluate', 'cxrLab.explainWithCheckpoint']);
});

test('Open Training Panel: a cxrLab.training webview with the run history after ready; a second open reveals it', async () => {
  fake.reset();
  await fake.commands.get('cxrLab.openTrainingPanel')!(done);
  assert.equal(fake.panels.length, 1);
  const panel = fake.panels[0];
  assert.equal(panel.viewType, 'cxrLab.training');
  assert.match(panel.webview.html, /training\.js/);
  panel.webview.send({ type: 'ready' });
  await tick(50);
  const init = panel.webview.posted[0] as Extract<TrainingToWebview, { type: 'init' }>;
  assert.deepEqual([init.type, init.run.id, init.history.length], ['init', '20261102-000000-resnet18', 2]);
  await fake.commands.get('cxrLab.openTrainingPanel')!(done);
  assert.deepEqual([fake.panels.length, panel.revealed], [1, 1]);
  panel.dispose();
});

test('Open Evaluation: a cxrLab.evaluation webview with the eval and the summary of all runs', async () => {
  fake.reset();
  await fake.commands.get('cxrLab.openEvaluation')!(done, 'test');
  const panel = fake.panels[0];
  assert.equal(panel.viewType, 'cxrLab.evaluation');
  panel.webview.send({ type: 'ready' });
  await tick(50);
  const init = panel.webview.posted[0] as Extract<EvaluationToWebview, { type: 'init' }>;
  assert.deepEqual([init.type, init.evaluation.accuracy, init.summary.length], ['init', 0.8, 1]);
  panel.dispose();
});

test('Cancel Training on a CLI run sends SIGINT to its process, as Ctrl-C would', async () => {
  const child = spawn(process.execPath, ['-e', "process.on('SIGINT', () => process.exit(7)); setInterval(() => {}, 1000); process.stdout.write('up')"]);
  await once(child.stdout!, 'data');
  const dir = writeRun(ws, { id: '20261103-000000-cli', status: 'running', pid: child.pid, createdAt: '2026-11-03T00:00:00Z' });
  fake.reset();
  await fake.commands.get('cxrLab.cancelTraining')!(dir);
  const [code] = await once(child, 'exit');
  assert.equal(code, 7);
});

test('Delete Run asks first (modal) and removes the folder only on "Delete"', async () => {
  const { roots } = await runsTree();
  const node = roots.find((n) => n.run.dir === cancelled)!;
  fake.reset();
  fake.messageAnswers.push(undefined);
  await fake.commands.get('cxrLab.deleteRun')!(node);
  assert.ok(existsSync(cancelled));
  assert.match(fake.messages[0].text, /^Delete run 20261101-000000-vgg16\?/);
  fake.messageAnswers.push('Delete');
  await fake.commands.get('cxrLab.deleteRun')!(node);
  assert.ok(!existsSync(cancelled));
});
