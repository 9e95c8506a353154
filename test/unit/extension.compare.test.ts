/**
 * The compare view in the extension: what Compare Runs / Export Report act on (tree nodes, a selection, a sweep folder,
 * the newest sweep), the controller (busy with progress → table and curves → CAM grid; Export Report; errors; a new
 * target replacing a running one), the report's file name, and the page's view models.
 */
import '../fakes/vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ComparisonResult, ComparisonRow, PairedTest, ReportResult } from '../../src/shared/compare';
import type { GridResult } from '../../src/shared/engineProtocol';
import type { CompareToWebview } from '../../src/shared/webviewProtocol';
import { LAB_DIR, RUN_LAYOUT_VERSION, SWEEPS_DIR, SWEEP_FILES, type EvalFile, type SweepFile } from '../../src/shared/runFiles';
import { CompareController, curvesOf, type CompareDeps } from '../../src/extension/compare/compareController';
import { folderOf, listSweeps, targetFromArgs, targetTitle } from '../../src/extension/compare/compareTarget';
import { reportFile, reportName } from '../../src/extension/compare/reportExport';
import { classRows, curveData, pairRows, reduceCompare, summaryLine, tableRows } from '../../src/webview/compare/state';
import { epoch, tempWorkspace } from '../fakes/runFixtures';
import { FakeWebview } from '../fakes/vscode';

function sweepFile(id: string, createdAt: string): SweepFile {
  return {
    format: RUN_LAYOUT_VERSION, id, createdAt, updatedAt: createdAt, status: 'completed', dataset: '/data', config: {}, splitSeed: 1,
    archs: ['resnet18'], seeds: [1], members: [{ name: 'resnet18', arch: 'resnet18', seed: 1, runDir: 'resnet18', status: 'completed' }],
  };
}

test('targets: a sweep node, run nodes, a selection, a folder; the newest sweep of the workspace', async () => {
  const ws = tempWorkspace();
  const older = path.join(ws, LAB_DIR, SWEEPS_DIR, 's-old'), newer = path.join(ws, LAB_DIR, SWEEPS_DIR, 's-new');
  for (const [dir, at] of [[older, '2026-11-01T00:00:00Z'], [newer, '2026-11-29T00:00:00Z']] as const) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, SWEEP_FILES.sweep), JSON.stringify(sweepFile(path.basename(dir), at)));
  }
  mkdirSync(path.join(ws, LAB_DIR, SWEEPS_DIR, 'broken'));
  writeFileSync(path.join(ws, LAB_DIR, SWEEPS_DIR, 'broken', SWEEP_FILES.sweep), '{');
  assert.deepEqual((await listSweeps([ws])).map((s) => s.id), ['s-new', 's-old'], 'newest first; a broken sweep.json is skipped');

  assert.deepEqual(folderOf({ kind: 'sweep', sweep: { dir: newer } }), { dir: newer, kind: 'sweep' });
  assert.deepEqual(folderOf({ kind: 'run', run: { dir: '/r/a' } }), { dir: '/r/a', kind: 'run' });
  assert.deepEqual(folderOf({ kind: 'sweep', dir: '/s' }), { dir: '/s', kind: 'sweep' });
  assert.deepEqual(folderOf({ fsPath: '/u' }), { dir: '/u', kind: 'path' });
  assert.equal(folderOf(42), undefined);

  assert.deepEqual(await targetFromArgs({ kind: 'sweep', sweep: { dir: newer } }), { paths: [newer], title: 'sweep s-new', sweep: 's-new' });
  const runA = { kind: 'run', run: { dir: '/r/a' } }, runB = { kind: 'run', run: { dir: '/r/b' } }, runC = { kind: 'run', run: { dir: '/r/c' } };
  assert.deepEqual(await targetFromArgs(runA, [runA, runB]), { paths: ['/r/a', '/r/b'], title: 'a and b' });
  assert.deepEqual((await targetFromArgs(runA, [runA, runB, runC]))?.title, '3 runs');
  assert.deepEqual(await targetFromArgs(runA, [runA]), { paths: ['/r/a'], title: 'a' }, 'one clicked node: itself');
  assert.equal(await targetFromArgs(undefined), undefined);
  assert.equal(targetTitle(['/x/r1'], 'sw'), 'sweep sw');
});

test('the report\'s file: .cxr-lab/reports/<sweep id | run id | compare-<time>>.html in the workspace', () => {
  assert.equal(reportName({ sweep: '20261130-000000', paths: ['/s'] }), '20261130-000000');
  assert.equal(reportName({ paths: ['/ws/.cxr-lab/runs/20261130-resnet18'] }), '20261130-resnet18');
  assert.equal(reportName({ paths: ['/a', '/b'] }, new Date('2026-11-30T01:02:03Z')), 'compare-20261130-010203');
  assert.equal(reportName({ sweep: 'we ird/na:me', paths: [] }), 'we-ird-na-me');
  assert.equal(reportFile('/ws', 'x'), path.join('/ws', '.cxr-lab', 'reports', 'x.html'));
  assert.equal(reportFile(undefined, 'x'), undefined);
});

const iv = (value: number) => ({ value, interval: { low: value - 0.05, high: value + 0.03 } });
function row(runId: string, label: string, f1: number): ComparisonRow {
  return {
    runDir: `/ws/runs/${runId}`, runId, label, arch: label, seed: 1, status: 'completed', checkpoint: { which: 'best', epoch: 2, evaluatedAt: '2026-11-30T00:00:00Z' },
    images: 30, accuracy: iv(f1 + 0.01), macroF1: iv(f1), macroAuc: iv(0.95), params: 11_200_000, trainingSeconds: 125, epochs: 3, inferenceMsPerImage: 4.2, backend: 'tensorflow',
    perClass: [{ className: 'covid', precision: 0.9, recall: 0.8, f1: iv(0.85), auc: iv(0.97), support: 10, present: true }], notes: [],
  };
}
const pair: PairedTest = {
  a: 'r1', b: 'r2', labelA: 'resnet18', labelB: 'vgg16', images: 30, unmatched: 0, mcnemar: { b: 4, c: 2, p: 0.6875 },
  macroF1: { a: 0.9, b: 0.85, difference: 0.05, interval: { low: -0.02, high: 0.11 } }, macroAuc: { a: 0.95, b: 0.95, difference: 0, interval: { low: -0.01, high: 0.01 } },
  bootstrap: { unit: 'patient', clusters: 15, resamples: 2000, confidence: 0.95, seed: 1 }, verdict: 'no-difference', sentence: 'resnet18 vs vgg16: … — no evidence of a difference',
};
const comparison: ComparisonResult = {
  createdAt: '2026-11-30T00:00:00Z', split: 'test', classes: ['covid'], dataset: { root: '/data', hash: 'h' }, rows: [row('r1', 'resnet18', 0.9), row('r2', 'vgg16', 0.85)],
  excluded: [{ runDir: '/ws/runs/r3', runId: 'r3', reason: 'r3 has other classes.' }], pairing: 'all', best: 'r1', pairs: [pair], skippedPairs: [], notes: ['note'],
};

function gridResult(): GridResult {
  const col = (runId: string) => ({ runDir: `/ws/runs/${runId}`, runId, arch: 'a', checkpoint: 'best' as const, method: 'gradcam', methodLabel: 'Grad-CAM', title: [runId, 'a · best', 'Grad-CAM'] });
  const cell = (correct: boolean) => ({ overlay: 'o', heatmap: 'h', json: 'j', predicted: 'covid', probability: 0.9, explained: 'covid', correct, caption: 'c' });
  return { png: '/ws/.cxr-lab/grids/g.png', width: 500, height: 300, columns: [col('r1'), col('r2')], rows: [{ image: '/data/covid/a.png', name: 'a.png', trueLabel: 'covid' }], cells: [[cell(true), cell(false)]] };
}

function setup(o: { fail?: string; evaluation?: boolean } = {}) {
  const webview = new FakeWebview();
  const calls: string[] = [];
  const evaluation: Pick<EvalFile, 'classes' | 'predictions'> = { classes: ['covid'], predictions: [{ file: '/data/covid/a.png', rel: 'covid/a.png', label: 0, predicted: 0, probabilities: [1] }] };
  const deps: CompareDeps = {
    compare: async (paths, onProgress) => {
      calls.push(`compare ${paths.join(',')}`);
      onProgress({ phase: 'evaluate', done: 3, total: 9, message: 'r1 (1/2)' });
      return { result: o.fail ? Promise.reject(new Error(o.fail)) : Promise.resolve(comparison), cancel: () => calls.push('cancel compare') };
    },
    history: async (dir) => (dir.endsWith('r1') ? [epoch(1), epoch(2), epoch(3)] : [epoch(1)]),
    evaluation: async () => (o.evaluation === false ? undefined : evaluation),
    grid: async (request, onProgress) => {
      calls.push(`grid ${request.runs.join(',')} ${request.images.join(',')}`);
      onProgress({ done: 1, total: 2 });
      return { result: Promise.resolve(gridResult()), cancel: () => calls.push('cancel grid') };
    },
    exportReport: async (target, onProgress) => {
      calls.push(`report ${target.paths.join(',')}`);
      onProgress({ phase: 'write', done: 1, total: 1 });
      return { out: '/ws/.cxr-lab/reports/x.html', format: 'html', figures: [], bytes: 10, runs: target.paths, warnings: [] } satisfies ReportResult;
    },
    toWebviewUri: (f) => `https://res${f}`,
    openRun: (dir) => calls.push(`open ${dir}`),
  };
  const controller = new CompareController(webview as never, deps, { paths: ['/ws/.cxr-lab/sweeps/s1'], title: 'sweep s1', sweep: 's1' });
  return { webview, calls, controller, posted: () => webview.posted as CompareToWebview[] };
}

test('CompareController: busy with the engine\'s progress, then the table with curves, then the CAM grid of shared test images', async () => {
  const { controller, posted, calls } = setup();
  await controller.handle({ type: 'refresh' });
  assert.equal(posted().length, 0, 'nothing before the page is ready');
  await controller.handle({ type: 'ready' });
  const types = posted().map((m) => m.type);
  assert.deepEqual(types.slice(0, 3), ['busy', 'busy', 'result']);
  const busy = posted()[1] as Extract<CompareToWebview, { type: 'busy' }>;
  assert.deepEqual(busy.progress, { done: 3, total: 9, message: 'evaluate · r1 (1/2)' });
  const result = posted().find((m) => m.type === 'result') as Extract<CompareToWebview, { type: 'result' }>;
  assert.deepEqual(result.view.curves.map((c) => [c.label, c.valLoss.length, c.bestEpoch]), [['resnet18', 3, 2], ['vgg16', 1, 2]]);
  assert.deepEqual(calls, ['compare /ws/.cxr-lab/sweeps/s1', 'grid /ws/runs/r1,/ws/runs/r2 /data/covid/a.png']);
  const grid = posted().filter((m) => m.type === 'grid').at(-1) as Extract<CompareToWebview, { type: 'grid' }>;
  assert.match(grid.grid!.pngUri, /^https:\/\/res\/ws\/\.cxr-lab\/grids\/g\.png\?v=\d+$/);
  assert.deepEqual([grid.grid!.columns, grid.grid!.wrong], [['r1', 'r2'], 1]);

  await controller.handle({ type: 'exportReport' });
  const exports = posted().filter((m) => m.type === 'export').map((m) => (m as Extract<CompareToWebview, { type: 'export' }>).export);
  assert.deepEqual(exports.map((e) => e.state), ['running', 'running', 'done']);
  assert.equal(exports.at(-1)!.file, '/ws/.cxr-lab/reports/x.html');
  await controller.handle({ type: 'openRun', runDir: '/ws/runs/r2' });
  assert.ok(calls.includes('open /ws/runs/r2'));
  controller.dispose();
});

test('CompareController: a failed comparison is an error message; no shared images, no grid (with why)', async () => {
  const failed = setup({ fail: 'r1 is not a CXR Lab run directory' });
  await failed.controller.handle({ type: 'ready' });
  assert.deepEqual(failed.posted().at(-1), { type: 'error', message: 'r1 is not a CXR Lab run directory' });
  const noEval = setup({ evaluation: false });
  await noEval.controller.handle({ type: 'ready' });
  assert.deepEqual(noEval.posted().at(-1), { type: 'grid', note: 'No Grad-CAM grid: the runs share no test image.' });
});

test('the page\'s view models: table cells with intervals, per-class rows, pair rows, curves aligned by epoch, state', () => {
  const view = { title: 'sweep s1', comparison, curves: curvesOf(comparison, [[epoch(1), epoch(2), epoch(3)], [epoch(1)]]) };
  const rows = tableRows(view);
  assert.deepEqual(rows.map((r) => [r.cells.model.text, r.best, r.cells.accuracy.text, r.cells.accuracy.sub, r.cells.macroF1.text, r.cells.macroF1.sub]),
    [['resnet18', true, '91.0%', '86.0–94.0%', '0.900', '0.850–0.930'], ['vgg16', false, '86.0%', '81.0–89.0%', '0.850', '0.800–0.880']]);
  assert.deepEqual([rows[0].cells.params.text, rows[0].cells.training.text, rows[0].cells.inference.text], ['11.2 M', '2 min 05 s', '4.2 ms']);
  assert.deepEqual(classRows(view)[0], { label: 'resnet18', className: 'covid', precision: '90.0%', recall: '80.0%', f1: { text: '0.850', sub: '0.800–0.880' }, auc: { text: '0.970', sub: '0.920–1.000' }, support: '10' });
  assert.deepEqual(pairRows([pair])[0], { pair: 'resnet18 vs vgg16', images: '30', b: '4', c: '2', p: '0.688', f1: '+0.050 (−0.020 to +0.110)', auc: '0.000 (−0.010 to +0.010)', verdict: 'no-difference' });
  const loss = curveData(view, 'valLoss');
  assert.deepEqual(loss.x, [1, 2, 3]);
  assert.deepEqual(loss.ys[1], [1.2, null, null]);
  assert.equal(summaryLine(view), '2 runs · test split, 30 images · /data · 1 not compared');
  let s = reduceCompare({}, { type: 'busy', message: 'Comparing…' });
  s = reduceCompare(s, { type: 'export', export: { state: 'running', message: 'w' } });
  s = reduceCompare(s, { type: 'result', view });
  assert.equal(s.busy, undefined);
  assert.equal(s.export?.state, 'running', 'an export in flight survives a new result');
  s = reduceCompare(s, { type: 'grid', busy: 'Grad-CAM…' });
  assert.equal(s.gridBusy, 'Grad-CAM…');
  s = reduceCompare(s, { type: 'error', message: 'x' });
  assert.equal(s.error, 'x');
  assert.ok(s.view, 'the last comparison stays under an error');
});
