/**
 * Issue 17 items 4–5 on the extension side: weights already here (the download cache, the workspace's tfjs folders and
 * .pth/.h5 files) as picks, dataset folders of the workspace, the preflight dialog, "Train with last settings" = the last
 * settings that trained an epoch, a training that failed before writing run.json listed with its reason, the training
 * panel's configuration and split counts, and the Dataset view's metadata.csv summary.
 */
import '../fakes/vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { JobEvent, TrainResult } from '../../src/shared/engineProtocol';
import { preflightReport, type PreflightResult } from '../../src/shared/preflight';
import { archFromName, findWeights, rankForArch } from '../../src/extension/training/weightsDiscovery';
import { datasetCandidates } from '../../src/extension/training/datasetCandidates';
import { applyChoice, preflightDialog } from '../../src/extension/training/preflightDialog';
import { TrainingManager } from '../../src/extension/training/trainingManager';
import { FAILED_STARTS_KEY, asFailedStarts, withFailedStart, type FailedStart } from '../../src/extension/training/failedStarts';
import { failedStartView, nodeView, rootNodes, runDescription } from '../../src/extension/runs/runTreeModel';
import { readRun } from '../../src/extension/runs/runReader';
import { toRunView, TrainingViewState } from '../../src/extension/training/trainingState';
import { datasetChildren, datasetNodeView, datasetRoots, type DatasetNode } from '../../src/extension/dataset/datasetModel';
import { pickTrainSettings } from '../../src/extension/training/trainPicks';
import { fake } from '../fakes/vscode';
import { tempWorkspace, writeRun } from '../fakes/runFixtures';

const ARCHS = ['densenet121', 'mobilenetv2', 'resnet18', 'resnet50', 'squeezenet1_1', 'vgg16'];
const tfjsFolder = (dir: string, arch?: string) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['weights.bin'], weights: [] }], ...(arch ? { userDefinedMetadata: { cxrLab: { arch } } } : {}) }));
};

test('archFromName: torchvision, Keras and folder names; the longest known name wins', () => {
  assert.equal(archFromName('mobilenet_v2-b0353104.pth', ARCHS), 'mobilenetv2');
  assert.equal(archFromName('MobileNetV2-0.35-imagenet-notop', ARCHS), 'mobilenetv2');
  assert.equal(archFromName('squeezenet1_1-b8a52dc0.pth', ARCHS), 'squeezenet1_1');
  assert.equal(archFromName('resnet50-0676ba61.pth', ARCHS), 'resnet50');
  assert.equal(archFromName('densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5', ARCHS), 'densenet121');
  assert.equal(archFromName('my-backbone.h5', ARCHS), undefined);
});

test('findWeights: the download cache, .pth/.h5 files and tfjs folders of the workspace; hidden folders, node_modules and runs skipped; symlinks followed once', async () => {
  const ws = tempWorkspace();
  const cache = tempWorkspace();
  const outside = tempWorkspace();
  writeFileSync(path.join(cache, 'resnet18-f37072fd.pth'), 'x');
  writeFileSync(path.join(cache, 'resnet18-f37072fd.pth.verified'), '{}');
  writeFileSync(path.join(ws, 'vgg16.h5'), 'x');
  tfjsFolder(path.join(ws, 'models', 'imported-mnv2'), 'mobilenetv2');
  tfjsFolder(path.join(outside, 'mobilenetv2-0.35-imagenet-notop'));
  symlinkSync(outside, path.join(ws, 'weights'));
  symlinkSync(ws, path.join(ws, 'models', 'loop')); // a loop: visited once
  tfjsFolder(path.join(ws, '.cxr-lab', 'runs', 'r1', 'checkpoints', 'best'));
  writeFileSync(path.join(mkdirSync(path.join(ws, 'node_modules', 'x'), { recursive: true })!, 'w.h5'), 'x');
  mkdirSync(path.join(ws, '.hidden'));
  writeFileSync(path.join(ws, '.hidden', 'h.pth'), 'x');
  writeFileSync(path.join(ws, 'notes.txt'), 'x');

  const found = await findWeights({ roots: [ws], cacheDir: cache, archs: ARCHS });
  assert.deepEqual(found.map((w) => [w.kind, path.basename(w.path), w.arch ?? '']), [
    ['cache', 'resnet18-f37072fd.pth', 'resnet18'],
    ['file', 'vgg16.h5', 'vgg16'],
    ['tfjs-folder', 'imported-mnv2', 'mobilenetv2'],
    ['tfjs-folder', 'mobilenetv2-0.35-imagenet-notop', 'mobilenetv2'],
  ]);
  assert.deepEqual(rankForArch(found, 'mobilenetv2').map((w) => path.basename(w.path)),
    ['imported-mnv2', 'mobilenetv2-0.35-imagenet-notop', 'resnet18-f37072fd.pth', 'vgg16.h5']);
  assert.deepEqual(await findWeights({ roots: [path.join(ws, 'absent')], cacheDir: path.join(ws, 'no-cache'), archs: ARCHS }), []);
});

test('datasetCandidates: the workspace folder when it is a dataset, else the dataset folders in it', async () => {
  const ws = tempWorkspace();
  mkdirSync(path.join(ws, 'cxr'));
  writeFileSync(path.join(ws, 'cxr', 'metadata.csv'), 'file,patient\n');
  for (const c of ['a', 'b']) { mkdirSync(path.join(ws, 'phantom', c), { recursive: true }); writeFileSync(path.join(ws, 'phantom', c, '1.png'), ''); }
  mkdirSync(path.join(ws, 'docs', 'one'), { recursive: true });
  writeFileSync(path.join(ws, 'docs', 'one', 'x.png'), '');
  mkdirSync(path.join(ws, 'split', 'train'), { recursive: true });
  assert.deepEqual((await datasetCandidates(ws)).map((d) => path.relative(ws, d)), ['cxr', 'phantom', 'split']);
  assert.deepEqual(await datasetCandidates(path.join(ws, 'phantom')), [path.join(ws, 'phantom')]);
});

test('weights and dataset steps: found weights are picks (for the architecture first); the dataset step opens on the dataset found', async () => {
  const ws = tempWorkspace();
  fake.reset();
  const seen: string[][] = [];
  const labels = (q: { items: { label: string }[] }) => seen.push(q.items.map((i) => i.label));
  fake.quickPickAnswers.push(
    (q) => { labels(q); return {}; }, { accept: 'mobilenetv2' },
    (q) => { labels(q); return { accept: '$(package) mobilenetv2-0.35-imagenet-notop' }; },
    ...Array.from({ length: 12 }, () => ({})), // the later steps as they open (however many the build has)
  );
  const s = await pickTrainSettings({
    workspaceRoot: ws, models: async () => ARCHS, datasets: async () => [path.join(ws, 'cxr')],
    weights: async () => [{ path: '/c/resnet18-f37072fd.pth', kind: 'cache', arch: 'resnet18' }, { path: path.join(ws, 'weights', 'mobilenetv2-0.35-imagenet-notop'), kind: 'tfjs-folder', arch: 'mobilenetv2' }],
  });
  assert.equal(s?.dataset, path.join(ws, 'cxr'), 'the dataset folder found is the active item');
  assert.equal(s?.pretrained, path.join(ws, 'weights', 'mobilenetv2-0.35-imagenet-notop'));
  assert.deepEqual(seen[0], [`$(root-folder) ${path.basename(ws)}`, '$(folder) cxr', '$(folder-opened) Browse…']);
  assert.deepEqual(seen[1], ['ImageNet', 'None', '$(package) mobilenetv2-0.35-imagenet-notop', '$(file-binary) resnet18-f37072fd.pth',
    '$(file) Browse for a weights file…', '$(folder-opened) Browse for a tfjs model folder…']);
});

function result(over: Partial<PreflightResult> = {}): PreflightResult {
  return {
    arch: 'mobilenetv2', imageSize: 224, batchSize: 20, epochs: 8,
    dataset: { root: '/data', classes: ['a', 'b', 'c'], split: { train: 903, val: 180, test: 180 }, groupedBy: 'patient', warnings: [] },
    backend: { name: 'wasm', threads: 1, simd: true, native: false },
    weights: { source: 'none' }, timing: { steps: 3, microBatch: 4, trainSecondsPerImage: 0.2, inferSecondsPerImage: 0.05 }, seconds: 5, ...over,
  };
}

test('preflight dialog: ok is one notification; long is a modal with ways out (native only when the command exists); weights an error', () => {
  const ok = preflightDialog(preflightReport(result({ epochs: 1, timing: { steps: 3, microBatch: 4, trainSecondsPerImage: 0.01, inferSecondsPerImage: 0.01 } })), { nativeCommand: true });
  assert.equal(ok.modal, false);
  assert.match(ok.message, /^CXR Lab: About 10 s on wasm: training mobilenetv2 at 224 px for 1 epoch\. 903 \/ 180 \/ 180 train \/ val \/ test images, 3 classes, split by patient\.$/);

  const long = preflightReport(result()); // 1517 s at 224 px; 160 px: 774 s, under 15 min
  const withNative = preflightDialog(long, { nativeCommand: true });
  assert.equal(withNative.modal, true);
  assert.equal(withNative.severity, 'warning');
  assert.deepEqual(withNative.buttons.map((b) => b.label), ['Train Anyway', 'Install Native Backend', 'Use 160 px (about 13 min)']);
  const without = preflightDialog(long, { nativeCommand: false });
  assert.deepEqual(without.buttons.map((b) => b.label), ['Train Anyway', 'Use 160 px (about 13 min)']);
  assert.match(without.detail, /native backend .* trains several times faster/);

  const offline = preflightDialog(preflightReport(result({ epochs: 1, weights: { source: 'imagenet', state: 'unreachable', problem: 'x does not answer', cacheDir: '/c' } })), { nativeCommand: true });
  assert.equal(offline.severity, 'error');
  assert.deepEqual(offline.buttons.map((b) => b.label), ['Choose Weights…', 'Train from Scratch']);

  const settings = { dataset: '/d', arch: 'mobilenetv2', pretrained: 'imagenet', imageSize: 224 };
  assert.deepEqual(applyChoice(settings, { kind: 'image-size', imageSize: 96, etaSeconds: 1 }), { ...settings, imageSize: 96 });
  assert.deepEqual(applyChoice(settings, { kind: 'no-weights' }), { dataset: '/d', arch: 'mobilenetv2', imageSize: 224 });
  assert.equal(applyChoice(settings, { kind: 'choose-weights' }), undefined);
});

/** An engine whose train job the test drives: events in, then the result or a failure. */
function fakeEngine() {
  let onEvent: (e: JobEvent) => void = () => {};
  let settle: { resolve(r: TrainResult): void; reject(e: Error): void } | undefined;
  const engine = {
    backend: 'wasm',
    start: async (_body: unknown, on: (e: JobEvent) => void) => {
      onEvent = on;
      const result = new Promise<TrainResult>((resolve, reject) => { settle = { resolve, reject }; });
      return { id: 1, result, cancel() {} };
    },
  };
  return { engine, emit: (e: JobEvent) => onEvent(e), settle: () => settle! };
}
const memento = () => {
  const m = new Map<string, unknown>();
  return { get: <T>(k: string, d?: T) => (m.has(k) ? m.get(k) as T : d), update: async (k: string, v: unknown) => { m.set(k, v); }, keys: () => [...m.keys()] };
};
const runs = { invalidate() {} };
const tick = () => new Promise((r) => setImmediate(r));

test('last settings: remembered when the first epoch finished, once; never for a run that failed before it', async () => {
  const ws = tempWorkspace();
  const f = fakeEngine();
  const manager = new TrainingManager(f.engine as never, runs as never, memento() as never);
  let remembered = 0;
  await manager.start({ dataset: ws, config: { arch: 'resnet18', epochs: 3 }, runDir: path.join(ws, 'r1') }, { onFirstEpoch: () => remembered++ });
  f.emit({ type: 'progress', phase: 'train', done: 1, total: 4, epoch: 1, epochs: 3 });
  assert.equal(remembered, 0, 'a batch is not an epoch');
  const record = { epoch: 1, trainLoss: 1, trainAcc: 0.5, valLoss: 1, valAcc: 0.5, lr: 1e-4, seconds: 1, best: true };
  f.emit({ type: 'epoch-end', runDir: path.join(ws, 'r1'), record });
  f.emit({ type: 'epoch-end', runDir: path.join(ws, 'r1'), record: { ...record, epoch: 2 } });
  assert.equal(remembered, 1);

  const g = fakeEngine();
  const other = new TrainingManager(g.engine as never, runs as never, memento() as never);
  let failedRemembered = 0;
  await other.start({ dataset: ws, config: { arch: 'densenet121' }, runDir: path.join(ws, 'r2') }, { onFirstEpoch: () => failedRemembered++ });
  g.emit({ type: 'progress', phase: 'download', done: 0, total: 0 });
  g.settle().reject(new Error('Cannot download densenet121 ImageNet weights'));
  await tick();
  assert.equal(failedRemembered, 0);
  manager.dispose();
  other.dispose();
});

test('a training that fails before writing run.json is kept with its reason: Runs tree row, panel placeholder, Delete removes it', async () => {
  const ws = tempWorkspace();
  const f = fakeEngine();
  const state = memento();
  const manager = new TrainingManager(f.engine as never, runs as never, state as never);
  const runDir = path.join(ws, '.cxr-lab', 'runs', '20261130-101010-densenet121');
  await manager.start({ dataset: path.join(ws, 'data'), config: { arch: 'densenet121', epochs: 25 }, runDir });
  f.settle().reject(new Error('Cannot download densenet121 ImageNet weights from https://download.pytorch.org/… (ENOTFOUND).'));
  await tick();
  const [failed] = manager.failedStarts();
  assert.equal(failed.runDir, runDir);
  assert.match(failed.error, /Cannot download densenet121/);
  assert.equal(fake.messages.at(-1)?.level, 'error');

  const view = manager.placeholder(runDir)!;
  assert.equal(view.status, 'failed');
  assert.match(view.error!, /Cannot download/);
  const row = failedStartView(failed);
  assert.equal(row.label, '20261130-101010-densenet121');
  assert.match(row.description!, /^densenet121 · failed before epoch 1 · Cannot download densenet121 ImageNet weights/);
  assert.match(row.contextValue, /\bdeletable\b/);
  assert.equal(row.icon, 'error');

  await manager.dismissFailedStart(runDir);
  assert.deepEqual(manager.failedStarts(), []);

  // A run that failed after writing run.json is read from it instead (the tree shows its error there).
  const g = fakeEngine();
  const other = new TrainingManager(g.engine as never, runs as never, state as never);
  const written = writeRun(ws, { id: 'oom', status: 'failed', createdAt: '2026-11-30T10:00:00Z' });
  await other.start({ dataset: ws, config: { arch: 'resnet18' }, runDir: written });
  g.settle().reject(new Error('out of memory'));
  await tick();
  assert.deepEqual(other.failedStarts(), []);
  manager.dispose();
  other.dispose();
});

test('Runs tree: failed starts merged among the runs by time; a failed run says why; stored lists are checked', async () => {
  const ws = tempWorkspace();
  const older = (await readRun(writeRun(ws, { id: 'older', status: 'completed', createdAt: '2026-11-01T00:00:00Z' })))!;
  const newer = (await readRun(writeRun(ws, { id: 'newer', status: 'completed', createdAt: '2026-11-03T00:00:00Z' })))!;
  const failed: FailedStart = { runDir: '/ws/f', id: 'f', arch: 'densenet121', dataset: '/d', epochs: 25, error: 'offline', at: '2026-11-02T00:00:00Z' };
  const nodes = rootNodes([newer, older], () => undefined, [failed]);
  assert.deepEqual(nodes.map((n) => (n.kind === 'failed' ? n.failed.id : n.kind === 'run' ? n.run.id : '')), ['newer', 'f', 'older']);
  assert.equal(nodeView(nodes[1]).icon, 'error');

  const broken = (await readRun(writeRun(ws, { id: 'broken', status: 'failed', createdAt: '2026-11-04T00:00:00Z' })))!;
  broken.info.error = 'No space left on the device holding the run\nsecond line';
  assert.equal(runDescription(broken), 'resnet18 · failed · 0/5 epochs · No space left on the device holding the run');

  assert.deepEqual(asFailedStarts([failed, { runDir: 1 }, null, 'x']), [failed]);
  const many = Array.from({ length: 12 }, (_, i) => ({ ...failed, runDir: `/r${i}` })).reduce(withFailedStart, [] as FailedStart[]);
  assert.equal(many.length, 10);
  assert.equal(many[0].runDir, '/r11');
  assert.equal(FAILED_STARTS_KEY, 'cxrLab.failedStarts');
});

test('training panel: configuration and split counts from run.json; a failure carries its reason to the panel', async () => {
  const ws = tempWorkspace();
  const run = (await readRun(writeRun(ws, { id: 'r', status: 'running', createdAt: '2026-11-01T00:00:00Z' })))!;
  const view = toRunView(run);
  assert.deepEqual(view.setup?.split, { train: 18, val: 6, test: 6, groupedBy: 'file' });
  assert.equal(view.setup?.config.lr, 1e-3);
  assert.deepEqual(view.setup?.backend, { name: 'cpu', threads: 1, simd: false });
  assert.equal(view.setup?.microBatch, 4);
  const state = new TrainingViewState(view, []);
  assert.deepEqual(state.onStatus('failed', undefined, 'Cannot download'), { type: 'status', status: 'failed', error: 'Cannot download' });
  const init = state.init();
  assert.ok(init.type === 'init' && init.run.error === 'Cannot download');
  assert.deepEqual(state.onStatus('running'), { type: 'status', status: 'running' }, 'a resumed run drops the old reason');
});

test('Dataset view: metadata.csv read, the column that gave the patients, how many, the other columns', () => {
  const summary = {
    root: '/d', layout: 'class-folders', classes: ['COVID', 'Normal'], perClass: { COVID: 2, Normal: 2 }, perSplit: { train: {}, val: {}, test: {} },
    size: { minWidth: 1, maxWidth: 1, minHeight: 1, maxHeight: 1, meanWidth: 1, meanHeight: 1 }, channels: {}, formats: {}, excluded: [], issues: [],
    patients: { source: 'metadata.csv' as const, count: 3, metadata: { file: '/d/metadata.csv', column: 'patient', columns: ['label', 'source', 'license'], matched: 4 } },
  };
  const roots = datasetRoots(summary);
  const meta = roots.find((n) => n.kind === 'patients')!;
  const v = datasetNodeView(meta);
  assert.equal(v.label, 'metadata.csv');
  assert.equal(v.description, 'read · 3 patients from column "patient"');
  assert.equal(v.file, '/d/metadata.csv');
  const rows = datasetChildren(meta).map((n: DatasetNode) => datasetNodeView(n));
  assert.deepEqual(rows.map((r) => [r.label, r.description]), [
    ['Patients', '3 from column "patient" (4 of 4 images listed)'],
    ['Other columns', 'label, source, license'],
  ]);
  const none = datasetNodeView(datasetRoots({ ...summary, patients: { source: 'none', count: 4 } }).find((n) => n.kind === 'patients')!);
  assert.equal(none.label, 'Patients');
  assert.match(none.description!, /^unknown: no metadata\.csv with file and patient columns, so each image is its own patient$/);
});
