/**
 * One reusable Grad-CAM view (like VS Code's preview editors): later explanations update it in place, its pin keeps it
 * on its image, a new view opens beside only when there is one editor group; the header's facts (true class, split);
 * the scale and colormap requests. Against the fake vscode module.
 */
import '../fakes/vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ExplainRequest, ExplainResult } from '../../src/shared/engineProtocol';
import type { ExplainToWebview } from '../../src/shared/webviewProtocol';
import { RUN_FILES, RUN_LAYOUT_VERSION } from '../../src/shared/runFiles';
import { listRuns } from '../../src/extension/runs/runReader';
import { ExplainPanels, explainTitle } from '../../src/extension/explain/explainPanels';
import { explainColumn } from '../../src/extension/explain/explainColumn';
import { imageFacts } from '../../src/extension/explain/imageFacts';
import { ExplainController, type ExplainRequestOptions } from '../../src/extension/explain/explainController';
import { CLASSES, meta, tempWorkspace, writeRun } from '../fakes/runFixtures';
import { FakeWebview, ViewColumn, fake, fakeContext, window } from '../fakes/vscode';

const tick = async (n = 5) => { for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r)); };
/** Waits (up to 2 s) for the asynchronous reads behind a message (run files, split.json). */
async function until(what: string, cond: () => boolean): Promise<void> {
  for (let t = 0; t < 200 && !cond(); t++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

test('explainColumn: beside with one group; otherwise an existing group other than the active one', () => {
  assert.equal(explainColumn([1], 1), 'beside');
  assert.equal(explainColumn([], undefined), 'beside');
  assert.equal(explainColumn([1, 2], 1), 2, 'the group to the right');
  assert.equal(explainColumn([1, 2], 2), 1, 'the last group: the one to its left');
  assert.equal(explainColumn([1, 2, 3], 2), 3);
  assert.equal(explainColumn([2, 1, 2], 9), 2, 'an unknown active group: the last one');
});

test('imageFacts: class from the folder, split from split.json, outside the dataset, not in the split', () => {
  const run = { root: '/ws/data', classes: CLASSES };
  const split = { 'covid/a.png': 'test', 'normal/b.png': 'train' } as const;
  assert.deepEqual(imageFacts('/ws/data/covid/a.png', run, split), { trueClass: 'covid', split: 'test', rel: 'covid/a.png' });
  assert.deepEqual(imageFacts('/ws/data/normal/b.png', run, split), { trueClass: 'normal', split: 'train', rel: 'normal/b.png' });
  assert.deepEqual(imageFacts('/ws/data/pneumonia/new.png', run, split), { trueClass: 'pneumonia', split: 'unsplit', rel: 'pneumonia/new.png' });
  assert.deepEqual(imageFacts('/elsewhere/COVID/x.png', run, split), { trueClass: 'covid', split: 'outside' }, 'class folders outside the dataset still say the class');
  assert.deepEqual(imageFacts('/elsewhere/x.png', run, undefined), { trueClass: null, split: 'outside' });
  // A class folder above the dataset root does not count: only the folders inside it.
  assert.equal(imageFacts('/covid/data/scans/y.png', { root: '/covid/data', classes: CLASSES }, {}).trueClass, null);
});

async function setup() {
  const ws = tempWorkspace();
  const runDir = writeRun(ws, { id: 'r1', status: 'completed', createdAt: '2026-11-01T00:00:00Z', checkpoints: { best: meta(3, 0.4), last: meta(4, 0.5) } });
  writeFileSync(path.join(runDir, RUN_FILES.split), JSON.stringify({ format: RUN_LAYOUT_VERSION, 'covid/a.png': 'test', 'normal/b.png': 'train' }));
  const runs = await listRuns([ws]);
  const requests: ExplainRequest[] = [];
  const engine = {
    start: async (req: ExplainRequest) => {
      requests.push(req);
      const result: ExplainResult = {
        candidateLayers: ['layer4'], methods: [{ id: 'gradcam', label: 'Grad-CAM', usesGradients: true }],
        items: [{
          image: req.images[0], classIndex: 1, className: 'normal', probabilities: [0.1, 0.8, 0.1], layer: 'layer4', heatmap: `${runDir}/cams/h.png`,
          overlay: `${runDir}/cams/o.png`, json: `${runDir}/cams/j.json`, raw: { width: 1, height: 1, values: [2], inputWidth: 4, inputHeight: 4 },
          scale: { mode: req.scale ?? 'per-map', min: 0, max: 2 }, colormap: req.colormap,
        }],
      };
      return { result: Promise.resolve(result) };
    },
  };
  const model = { list: async () => runs, get: async (dir: string) => runs.find((r) => r.dir === dir) };
  fake.reset();
  window.tabGroups.all = [{ viewColumn: 1 }];
  window.tabGroups.activeTabGroup.viewColumn = 1;
  const panels = new ExplainPanels(fakeContext(ws) as never, engine as never, model as never);
  return { ws, runDir, data: path.join(ws, 'data'), requests, panels };
}

const results = (w: FakeWebview) => w.posted.filter((m): m is Extract<ExplainToWebview, { type: 'result' }> => (m as ExplainToWebview).type === 'result').map((m) => m.view);

test('one reusable view: opened beside, updated in place; the pin keeps it; the next one opens in the other group', async () => {
  const { data, requests, panels, runDir } = await setup();
  const a = path.join(data, 'covid', 'a.png');
  const b = path.join(data, 'normal', 'b.png');
  await panels.open(a);
  assert.equal(fake.panels.length, 1);
  const first = fake.panels[0];
  assert.equal((first.column as { viewColumn: unknown }).viewColumn, ViewColumn.Beside, 'one group: beside the active editor');
  assert.equal(first.title, 'Grad-CAM: a.png');
  first.webview.send({ type: 'ready' });
  await until('the first result', () => results(first.webview).length === 1);
  assert.deepEqual(first.webview.posted[0], { type: 'pin', pinned: false }, 'the page learns it has a pin');
  const view = results(first.webview)[0];
  assert.deepEqual(view.facts, { trueClass: 'covid', split: 'test', rel: 'covid/a.png' });
  assert.deepEqual([view.raw?.values, view.scale?.mode, view.scaleMode], [[2], 'per-map', 'per-map']);

  // The evaluation's list asks for another image: the same view shows it (no new column), focus kept.
  await panels.open(b, undefined, { preserveFocus: true });
  await until('the second result', () => results(first.webview).length === 2);
  assert.equal(fake.panels.length, 1, 'no new view');
  assert.equal(first.title, 'Grad-CAM: b.png');
  assert.deepEqual(requests.map((r) => path.basename(r.images[0])), ['a.png', 'b.png']);
  assert.deepEqual(results(first.webview).at(-1)?.facts, { trueClass: 'normal', split: 'train', rel: 'normal/b.png' });
  assert.deepEqual(first.revealedIn.at(-1), first.viewColumn, 'revealed in its own column');

  // Pinned: it keeps b; the next image opens a new reusable view — in the existing second group, not a third.
  first.webview.send({ type: 'pin' });
  await tick();
  assert.equal(first.title, explainTitle(b, true));
  assert.deepEqual(first.webview.posted.at(-1), { type: 'pin', pinned: true });
  window.tabGroups.all = [{ viewColumn: 1 }, { viewColumn: 2 }];
  await panels.open(a);
  assert.equal(fake.panels.length, 2);
  assert.equal((fake.panels[1].column as { viewColumn: unknown }).viewColumn, 2, 'two groups: the other one, no split');
  assert.deepEqual(panels.openCount, { preview: 1, pinned: 1 });
  // b again: the pinned view comes forward, nothing is recomputed.
  const before = requests.length;
  await panels.open(b);
  assert.equal(fake.panels.length, 2);
  assert.equal(first.revealed, 2);
  assert.equal(requests.length, before);
  // b with another checkpoint is not what the pinned view shows: the reusable view takes it.
  const second = fake.panels[1];
  second.webview.send({ type: 'ready' });
  await until('the new view\'s result', () => results(second.webview).length === 1);
  await panels.open(b, { runDir, runId: 'r1', arch: 'resnet18', which: 'last', epoch: 4, classes: CLASSES });
  await until('b with the last checkpoint', () => results(second.webview).length === 2);
  assert.equal(second.title, 'Grad-CAM: b.png');
  assert.equal(requests.at(-1)?.checkpoint, 'last');
  // Closing the reusable view: the next explanation opens a new one.
  second.dispose();
  assert.deepEqual(panels.openCount, { preview: 0, pinned: 1 });
  await panels.open(a);
  assert.equal(fake.panels.length, 3);
  first.dispose();
  assert.deepEqual(panels.openCount, { preview: 1, pinned: 0 });
});

test('ExplainController: the scale shared across classes, the colormap of the PNGs, aug-smooth falls back to per map', async () => {
  const webview = new FakeWebview();
  const requests: ExplainRequestOptions[] = [];
  const c = new ExplainController(webview as never, '/data/covid/a.png', {
    explain: async (o) => {
      requests.push(o);
      return { candidateLayers: ['l'], methods: [], items: [{ image: o.image, classIndex: 0, className: 'covid', probabilities: [0.9, 0.05, 0.05], layer: 'l', heatmap: 'h', overlay: 'o', json: 'j' }] };
    },
    listRuns: async () => [],
    pickCheckpoint: async () => ({ runDir: '/r', runId: 'r', arch: 'a', which: 'best', classes: CLASSES }),
    toWebviewUri: (f) => f,
    allowFolder: () => undefined,
  });
  await c.handle({ type: 'ready' });
  assert.deepEqual([requests[0].scale, requests[0].colormap], ['per-map', 'jet']);
  await c.handle({ type: 'setColormap', colormap: 'inferno' });
  assert.equal(requests.length, 1, 'a colormap change draws in the page; nothing is recomputed');
  await c.handle({ type: 'setColormap', colormap: 'rainbow' });
  await c.handle({ type: 'selectScale', scale: 'shared' });
  assert.deepEqual([requests[1].scale, requests[1].colormap], ['shared', 'inferno']);
  assert.equal(results(webview).at(-1)?.scaleMode, 'shared');
  await c.handle({ type: 'selectMethod', method: 'gradcam', augSmooth: true, eigenSmooth: false });
  assert.deepEqual([requests[2].scale, requests[2].augSmooth], ['per-map', true], 'aug-smooth has no unscaled maps to share a scale');
  await c.handle({ type: 'selectScale', scale: 'shared' });
  assert.deepEqual([requests[3].scale, requests[3].augSmooth], ['shared', false]);
  await c.handle({ type: 'selectScale', scale: 'bogus' as never });
  assert.equal(requests.length, 4);
  await c.handle({ type: 'pin' });
  // The custom editor has no pin: nothing posted about it, nothing thrown.
  assert.ok(!webview.posted.some((m) => (m as ExplainToWebview).type === 'pin'));
});
