// Entry of the compare webview: the reference study's table (#compare-table) with intervals, per-class metrics, the
// paired tests as sentences and a table (#paired-tests), for folds of a cross-validation the mean ± sd over the folds
// and the pooled out-of-fold metrics with their paired tests (#cross-validation), validation curves of all runs overlaid (#val-curves, uPlot),
// the CAM grid of a few shared test images (#cam-grid), runs left out and why; Export Report (#export-report).
import '../../../media/webview.css';
import './compare.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import type { CompareFromWebview, CompareToWebview, CompareView } from '../../shared/webviewProtocol';
import { formatPercent } from '../../shared/format';
import { byId, h, renderPanelStatus, replaceChildren } from '../common/dom';
import { dataTable } from '../common/table';
import { LineChart, type SeriesSpec } from '../common/lineChart';
import { onThemeChange } from '../common/theme';
import { getVsCodeApi, onHostMessage } from '../common/vscodeApi';
import { classRows, crossValidationRows, curveData, initialCompareState, pairRows, progressText, reduceCompare, summaryLine, tableRows, type CompareState } from './state';

const vscode = getVsCodeApi<CompareState, CompareFromWebview>();
let state: CompareState = vscode.getState() ?? initialCompareState;

const post = (m: CompareFromWebview) => vscode.postMessage(m);

function buildLayout(): void {
  replaceChildren(byId('app'), h('main', { class: 'view compare-view' },
    h('header', { class: 'view-header' },
      h('div', { class: 'title-block' }, h('h1', { id: 'compare-title' }, 'Compare runs'), h('div', { id: 'compare-summary', class: 'meta' })),
      h('div', { class: 'actions' },
        h('vscode-button', { id: 'refresh', secondary: true, 'aria-label': 'Compare again (evaluates runs whose best checkpoint changed)' }, 'Refresh'),
        h('vscode-button', { id: 'export-report', 'aria-label': 'Write a self-contained HTML report of these runs and open it' }, 'Export Report'))),
    h('div', { id: 'export-status', class: 'export-status', role: 'status', 'aria-live': 'polite', hidden: true }),
    h('div', { id: 'error-message', class: 'error-box', role: 'alert', hidden: true }),
    h('div', { id: 'busy', class: 'busy-box', role: 'status', 'aria-live': 'polite', hidden: true },
      h('vscode-progress-ring', { 'aria-label': 'Working' }),
      h('div', { class: 'busy-text' }, h('span', { id: 'busy-message' }), h('span', { id: 'busy-progress', class: 'muted' }))),
    h('p', { id: 'empty-state', class: 'muted' }, 'Waiting for the comparison…'),
    h('div', { id: 'compare-body', class: 'compare-body', hidden: true },
      h('section', { class: 'card', 'aria-label': 'Comparison table' },
        h('h2', {}, 'Test split, best checkpoint of each run'),
        h('div', { id: 'table-host', class: 'table-scroll' }),
        h('p', { class: 'muted hint' }, 'Second lines: 95 % bootstrap intervals. Inference: forward pass only, per image. Click a row to open its evaluation.'),
        h('ul', { id: 'row-notes', class: 'notes' }),
        h('ul', { id: 'excluded', class: 'notes warning-list' }),
        h('details', { class: 'per-class' }, h('summary', {}, 'Per class: precision, recall, F1, AUC'), h('div', { id: 'class-table-host', class: 'table-scroll' }))),
      h('section', { id: 'cross-validation', class: 'card', 'aria-label': 'Cross-validation', hidden: true },
        h('h2', {}, 'Cross-validation'),
        h('p', { class: 'muted hint' }, 'Each fold is tested on its own held-out patients: mean ± sd over the folds, and the pooled out-of-fold metrics — every held-out prediction scored together, with 95 % bootstrap intervals (second lines).'),
        h('div', { id: 'cv-folds-host', class: 'table-scroll' }),
        h('div', { id: 'cv-pooled-host', class: 'table-scroll' }),
        h('ul', { id: 'cv-group-notes', class: 'notes warning-list' }),
        h('details', { class: 'per-class' }, h('summary', {}, 'Per class: F1 and AUC over the folds and pooled'), h('div', { id: 'cv-class-host', class: 'table-scroll' })),
        h('h3', { id: 'cv-pairs-title', hidden: true }, 'Paired tests of the pooled out-of-fold predictions'),
        h('ul', { id: 'cv-pair-sentences', class: 'sentences' }),
        h('div', { id: 'cv-pair-host', class: 'table-scroll' }),
        h('ul', { id: 'cv-notes', class: 'notes' })),
      h('section', { id: 'paired-tests', class: 'card', 'aria-label': 'Paired tests' },
        h('h2', {}, 'Paired tests'),
        h('ul', { id: 'pair-sentences', class: 'sentences' }),
        h('div', { id: 'pair-table-host', class: 'table-scroll' }),
        h('ul', { id: 'pair-notes', class: 'notes' })),
      h('section', { id: 'val-curves', class: 'card', 'aria-label': 'Validation curves of all runs' },
        h('h2', {}, 'Validation curves'),
        h('div', { class: 'curves' },
          h('figure', {}, h('figcaption', {}, 'Validation loss'), h('div', { id: 'val-loss-chart', class: 'chart' })),
          h('figure', {}, h('figcaption', {}, 'Validation accuracy'), h('div', { id: 'val-acc-chart', class: 'chart' })))),
      h('section', { id: 'cam-grid', class: 'card', 'aria-label': 'Grad-CAM grid' },
        h('h2', {}, 'Grad-CAM of a few test images'),
        h('div', { id: 'grid-status', class: 'muted' }),
        h('div', { id: 'grid-host', class: 'grid-host' })))));
  byId('refresh').addEventListener('click', () => { if (!state.busy) post({ type: 'refresh' }); });
  byId('export-report').addEventListener('click', () => { if (state.view && state.export?.state !== 'running') post({ type: 'exportReport' }); });
}

function renderTable(view: CompareView): void {
  const rows = tableRows(view);
  const col = (key: string, header: string, numeric = true) => ({ key, header, numeric, cell: (r: (typeof rows)[number]) => r.cells[key].text, sub: (r: (typeof rows)[number]) => r.cells[key].sub ?? '' });
  replaceChildren(byId('table-host'), dataTable({
    id: 'compare-table', label: 'Runs compared on their test split', rows,
    columns: [col('model', 'Model', false), col('accuracy', 'Accuracy'), col('macroF1', 'Macro-F1'), col('macroAuc', 'Macro AUC'), col('params', 'Parameters'),
      col('training', 'Training'), col('inference', 'Inference'), col('backend', 'Backend', false), col('checkpoint', 'Checkpoint', false)],
    rowClass: (r) => (r.best ? 'best-row' : undefined), rowAttrs: (r) => ({ 'data-run': r.row.runId }),
    rowLabel: (r) => `${r.row.label}${r.best ? ' (highest macro-F1)' : ''}: accuracy ${formatPercent(r.row.accuracy.value)}, macro-F1 ${r.cells.macroF1.text}`,
    onRow: (r) => post({ type: 'openRun', runDir: r.row.runDir }),
  }));
  const classes = classRows(view);
  replaceChildren(byId('class-table-host'), dataTable({
    label: 'Per-class metrics of each run', rows: classes,
    columns: [
      { key: 'label', header: 'Model', cell: (r) => r.label }, { key: 'className', header: 'Class', cell: (r) => r.className },
      { key: 'precision', header: 'Precision', numeric: true, cell: (r) => r.precision }, { key: 'recall', header: 'Recall', numeric: true, cell: (r) => r.recall },
      { key: 'f1', header: 'F1', numeric: true, cell: (r) => r.f1.text, sub: (r) => r.f1.sub ?? '' },
      { key: 'auc', header: 'AUC', numeric: true, cell: (r) => r.auc.text, sub: (r) => r.auc.sub ?? '' },
      { key: 'support', header: 'Support', numeric: true, cell: (r) => r.support },
    ],
  }));
  const c = view.comparison;
  replaceChildren(byId('row-notes'), c.rows.flatMap((r) => r.notes.map((n) => h('li', {}, `${r.label}: ${n}`))));
  replaceChildren(byId('excluded'), c.excluded.map((e) => h('li', {}, `Not compared — ${e.reason}`)));
}

function renderPairs(view: CompareView): void {
  const c = view.comparison;
  replaceChildren(byId('pair-sentences'), c.pairs.length
    ? c.pairs.map((p) => h('li', { class: `verdict-${p.verdict}`, 'data-a': p.a, 'data-b': p.b }, p.sentence))
    : [h('li', { class: 'muted' }, c.rows.length < 2 ? 'One run: nothing to pair.' : 'No pair could be tested.')]);
  replaceChildren(byId('pair-table-host'), pairTable('paired-tests-table', 'Paired tests', pairRows(c.pairs)));
  replaceChildren(byId('pair-notes'), [...c.skippedPairs.map((s) => h('li', { class: 'warning-item' }, s.reason)), ...c.notes.map((n) => h('li', {}, n))]);
}

function pairTable(id: string, label: string, rows: Record<string, string>[]): HTMLTableElement | null {
  return rows.length ? dataTable({
    id, label, rows,
    columns: [
      { key: 'pair', header: 'A vs B', cell: (r) => r.pair }, { key: 'images', header: 'Images', numeric: true, cell: (r) => r.images },
      { key: 'b', header: 'b', numeric: true, headerTitle: 'Images A got right and B wrong', cell: (r) => r.b },
      { key: 'c', header: 'c', numeric: true, headerTitle: 'Images A got wrong and B right', cell: (r) => r.c },
      { key: 'p', header: 'McNemar p', numeric: true, cell: (r) => r.p },
      { key: 'f1', header: 'Δ macro-F1', numeric: true, headerTitle: 'A − B with the paired bootstrap\'s 95 % interval', cell: (r) => r.f1 },
      { key: 'auc', header: 'Δ macro AUC', numeric: true, cell: (r) => r.auc },
    ],
  }) : null;
}

function renderCrossValidation(view: CompareView): void {
  const cv = view.comparison.crossValidation;
  byId('cross-validation').hidden = !cv;
  if (!cv) return;
  const t = crossValidationRows(cv);
  replaceChildren(byId('cv-folds-host'), dataTable({
    id: 'cv-folds-table', label: 'Mean ± sd over the folds', rows: t.folds, rowAttrs: (r) => ({ 'data-group': r.id }),
    columns: [
      { key: 'label', header: 'Model', cell: (r) => r.label }, { key: 'folds', header: 'Folds', numeric: true, cell: (r) => r.folds },
      { key: 'accuracy', header: 'Accuracy (mean ± sd)', numeric: true, cell: (r) => r.accuracy },
      { key: 'macroF1', header: 'Macro-F1 (mean ± sd)', numeric: true, cell: (r) => r.macroF1 },
      { key: 'macroAuc', header: 'Macro AUC (mean ± sd)', numeric: true, cell: (r) => r.macroAuc },
    ],
  }));
  replaceChildren(byId('cv-pooled-host'), dataTable({
    id: 'cv-pooled-table', label: 'Pooled out-of-fold metrics', rows: t.pooled, rowAttrs: (r) => ({ 'data-group': r.id }),
    rowClass: (r) => (r.best ? 'best-row' : undefined),
    columns: [
      { key: 'label', header: 'Pooled out-of-fold', cell: (r) => r.label, sub: (r) => (r.best ? '★ highest pooled macro-F1' : '') },
      { key: 'images', header: 'Images', numeric: true, cell: (r) => r.images.text, sub: (r) => r.images.sub ?? '' },
      { key: 'accuracy', header: 'Accuracy', numeric: true, cell: (r) => r.accuracy.text, sub: (r) => r.accuracy.sub ?? '' },
      { key: 'macroF1', header: 'Macro-F1', numeric: true, cell: (r) => r.macroF1.text, sub: (r) => r.macroF1.sub ?? '' },
      { key: 'macroAuc', header: 'Macro AUC', numeric: true, cell: (r) => r.macroAuc.text, sub: (r) => r.macroAuc.sub ?? '' },
    ],
  }));
  replaceChildren(byId('cv-class-host'), dataTable({
    label: 'Per-class F1 and AUC over the folds and pooled', rows: t.perClass,
    columns: [
      { key: 'label', header: 'Model', cell: (r) => r.label }, { key: 'className', header: 'Class', cell: (r) => r.className },
      { key: 'f1Folds', header: 'F1 (folds)', numeric: true, cell: (r) => r.f1Folds }, { key: 'aucFolds', header: 'AUC (folds)', numeric: true, cell: (r) => r.aucFolds },
      { key: 'f1Pooled', header: 'F1 (pooled)', numeric: true, cell: (r) => r.f1Pooled.text, sub: (r) => r.f1Pooled.sub ?? '' },
      { key: 'aucPooled', header: 'AUC (pooled)', numeric: true, cell: (r) => r.aucPooled.text, sub: (r) => r.aucPooled.sub ?? '' },
    ],
  }));
  replaceChildren(byId('cv-group-notes'), cv.groups.flatMap((g) => g.notes.map((n) => h('li', {}, `${g.label}: ${n}`))));
  byId('cv-pairs-title').hidden = cv.pairs.length === 0;
  replaceChildren(byId('cv-pair-sentences'), cv.pairs.map((p) => h('li', { class: `verdict-${p.verdict}`, 'data-a': p.a, 'data-b': p.b }, p.sentence)));
  replaceChildren(byId('cv-pair-host'), pairTable('cv-paired-table', 'Paired tests of the pooled out-of-fold predictions', t.pairs));
  replaceChildren(byId('cv-notes'), [...cv.skippedPairs.map((s) => h('li', { class: 'warning-item' }, s.reason)), ...cv.notes.map((n) => h('li', {}, n))]);
}

const PALETTE: [string, string][] = [
  ['--vscode-charts-blue', '#3794ff'], ['--vscode-charts-orange', '#d18616'], ['--vscode-charts-green', '#89d185'], ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-purple', '#b180d7'], ['--vscode-charts-yellow', '#cca700'], ['--cxr-chart-7', '#4ec9b0'], ['--cxr-chart-8', '#ce9178'],
];
let charts: { loss: LineChart; acc: LineChart; key: string } | undefined;

function renderCurves(view: CompareView): void {
  const series: SeriesSpec[] = view.curves.map((c, i) => ({ label: `${c.label}${c.bestEpoch ? ` (best ep. ${c.bestEpoch})` : ''}`, colorVar: PALETTE[i % PALETTE.length][0], fallback: PALETTE[i % PALETTE.length][1] }));
  const key = series.map((s) => s.label).join('\u0000');
  if (!charts || charts.key !== key) {
    byId('val-loss-chart').replaceChildren();
    byId('val-acc-chart').replaceChildren();
    charts = {
      key,
      loss: new LineChart(byId('val-loss-chart'), { label: 'Validation loss per epoch, every run', height: 240, series,
        yTick: (v) => String(Number(v.toPrecision(3))), yRange: (min, max) => [0, Math.max(0.1, (max ?? 1) * 1.05, min ?? 0)] }),
      acc: new LineChart(byId('val-acc-chart'), { label: 'Validation accuracy per epoch, every run', height: 240,
        series: series.map((s) => ({ ...s, format: (v: number) => formatPercent(v) })), yTick: (v) => formatPercent(v, 0), yRange: () => [0, 1] }),
    };
  }
  charts.loss.setData(curveData(view, 'valLoss'));
  charts.acc.setData(curveData(view, 'valAcc'));
}

function renderGrid(): void {
  const g = state.grid;
  byId('grid-status').textContent = state.gridBusy ? `${state.gridBusy} ${progressText(state.gridProgress)}` : state.gridNote ?? '';
  const host = byId('grid-host');
  if (!g) { host.replaceChildren(); return; }
  if (host.dataset.src === g.pngUri) return;
  host.dataset.src = g.pngUri;
  replaceChildren(host,
    h('img', { id: 'cam-grid-image', src: g.pngUri, width: g.width, height: g.height, alt: `Grad-CAM grid: ${g.rows.length} test images (rows) explained by ${g.columns.join(', ')} (columns)` }),
    h('p', { class: 'muted hint' }, `Rows: ${g.rows.map((r) => `${r.name} (true ${r.trueLabel ?? '?'})`).join(', ')}. Columns: ${g.columns.join(', ')}. ` +
      `${g.wrong} wrong prediction${g.wrong === 1 ? '' : 's'} (✗).`));
}

let drawn: CompareView | undefined;

function render(): void {
  const v = state.view;
  renderPanelStatus({ body: 'compare-body', hasView: !!v, busy: state.busy, error: state.error, busyText: 'busy-message' });
  byId('busy-progress').textContent = progressText(state.progress);
  byId('export-report').toggleAttribute('disabled', !v || state.export?.state === 'running');
  const ex = state.export;
  byId('export-status').hidden = !ex;
  byId('export-status').className = `export-status ${ex?.state ?? ''}`;
  byId('export-status').textContent = ex ? `${ex.message}${ex.state === 'running' && ex.progress ? ` ${progressText(ex.progress)}` : ''}` : '';
  if (v) {
    byId('compare-title').textContent = `Compare: ${v.title}`;
    byId('compare-summary').textContent = summaryLine(v);
  }
  if (v && v !== drawn) {
    drawn = v;
    renderTable(v);
    renderCrossValidation(v);
    renderPairs(v);
    renderCurves(v);
  }
  renderGrid();
}

buildLayout();
onThemeChange(() => { charts?.loss.rebuild(); charts?.acc.rebuild(); });
onHostMessage<CompareToWebview>((message) => {
  state = reduceCompare(state, message);
  vscode.setState(state);
  render();
});
render();
post({ type: 'ready' });
