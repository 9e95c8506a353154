// Entry of the evaluation webview: confusion-matrix heatmap, the images behind a cell, per-class metrics, all runs.
import '../../../media/webview.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import type { EvaluationFromWebview, EvaluationToWebview, PredictionRow, SummaryRow } from '../../shared/webviewProtocol';
import { byId, h, onActivate, replaceChildren } from '../common/dom';
import { basename, formatMetric, formatPercent } from '../../shared/format';
import { dataTable } from '../common/table';
import { onThemeChange } from '../common/theme';
import { getVsCodeApi, onHostMessage } from '../common/vscodeApi';
import { bestScores, confidence, isCurrentRow, metricCell, metricRows, predictionsForCell, sortSummary, type MetricRow, type SummaryKey } from './matrixModel';
import { matrixTable } from './matrixView';
import { initialEvaluationState, reduceEvaluation, toggleCell, toggleSort, type EvaluationState } from './state';

/** Long cells (hundreds of correct images) list the first ones only; the DOM stays light. */
const MAX_LISTED = 200;

const vscode = getVsCodeApi<EvaluationState, EvaluationFromWebview>();
let state: EvaluationState = vscode.getState() ?? initialEvaluationState;

function setState(next: EvaluationState): void {
  state = next;
  vscode.setState(state);
  render();
}

function buildLayout(): void {
  replaceChildren(byId('app'), h('main', { class: 'view evaluation-view' },
    h('header', { class: 'view-header' },
      h('div', { class: 'title-block' }, h('h1', { id: 'eval-title' }, 'Evaluation'), h('div', { id: 'eval-meta', class: 'meta' })),
      h('div', { class: 'headline' },
        h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, 'Accuracy'), h('span', { id: 'overall-accuracy', class: 'stat-value' }, '—')),
        h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, 'Macro F1'), h('span', { id: 'macro-f1', class: 'stat-value' }, '—')))),
    h('p', { id: 'empty-state', class: 'muted' }, 'Waiting for an evaluation…'),
    h('div', { id: 'eval-body', class: 'eval-grid' },
      h('section', { class: 'card matrix-card', 'aria-label': 'Confusion matrix' },
        h('div', { class: 'section-header' },
          h('h2', {}, 'Confusion matrix'),
          h('div', { class: 'segmented', role: 'group', 'aria-label': 'Cell values' },
            h('vscode-button', { id: 'cm-mode-counts', 'aria-label': 'Show counts' }, 'Counts'),
            h('vscode-button', { id: 'cm-mode-percent', 'aria-label': 'Show row-normalised percentages' }, 'Row %'))),
        h('div', { id: 'matrix-container', class: 'matrix-scroll' }),
        h('p', { class: 'muted hint' }, 'Rows: true class · columns: predicted class. Click a cell to list its images.')),
      h('section', { class: 'card images-card', 'aria-label': 'Images in the selected cell' },
        h('h2', { id: 'cell-images-title' }, 'Images'),
        h('p', { id: 'cell-images-hint', class: 'muted' }),
        h('ul', { id: 'cell-images', class: 'cell-images', 'aria-label': 'Images in the selected cell' })),
      h('section', { class: 'card wide', 'aria-label': 'Per-class metrics' },
        h('h2', {}, 'Per-class metrics'), h('div', { id: 'per-class-container', class: 'table-scroll' })),
      h('section', { class: 'card wide', 'aria-label': 'All runs' },
        h('h2', {}, 'All runs'), h('p', { class: 'muted hint' }, 'Click a row to open that evaluation.'),
        h('div', { id: 'summary-container', class: 'table-scroll' })))));
  byId('cm-mode-counts').addEventListener('click', () => setState({ ...state, mode: 'counts' }));
  byId('cm-mode-percent').addEventListener('click', () => setState({ ...state, mode: 'percent' }));
}

function renderHeader(): void {
  const v = state.evaluation;
  byId('eval-title').textContent = v ? `Evaluation — ${v.name}` : 'Evaluation';
  byId('eval-meta').textContent = v ? `${v.runId} · ${v.arch} · ${v.total} images · ${v.classes.length} classes` : '';
  byId('overall-accuracy').textContent = v ? formatPercent(v.accuracy) : '—';
  byId('macro-f1').textContent = v ? formatMetric(v.macro.f1) : '—';
  byId('empty-state').hidden = !!v;
  byId('eval-body').hidden = !v;
  for (const [id, mode] of [['cm-mode-counts', 'counts'], ['cm-mode-percent', 'percent']] as const) {
    const b = byId(id);
    b.toggleAttribute('secondary', state.mode !== mode);
    b.setAttribute('aria-pressed', String(state.mode === mode));
  }
}

function renderMatrix(): void {
  const v = state.evaluation;
  if (!v) return byId('matrix-container').replaceChildren();
  byId('matrix-container').replaceChildren(matrixTable({
    view: v, mode: state.mode, selected: state.selected,
    onCell: (row, col) => setState(toggleCell(state, row, col)),
  }));
}

function imageItem(p: PredictionRow, runDir: string, classes: string[]): HTMLLIElement {
  const c = confidence(p);
  const li = h('li', { class: 'cell-image', 'data-file': p.file, title: `${p.rel}\nClick to explain with Grad-CAM`, 'aria-label': `${basename(p.rel)}, confidence ${formatPercent(c)}` },
    h('span', { class: 'file-name' }, basename(p.rel)),
    h('span', { class: 'file-dir muted' }, p.rel.includes('/') ? p.rel.slice(0, p.rel.lastIndexOf('/')) : ''),
    h('span', { class: 'confidence', title: `P(${classes[p.predicted] ?? p.predicted})` },
      h('span', { class: 'confidence-bar' }, h('span', { class: 'confidence-fill', style: `width: ${(c * 100).toFixed(1)}%` })),
      h('span', { class: 'confidence-text num' }, formatPercent(c))));
  onActivate(li, () => vscode.postMessage({ type: 'explainImage', file: p.file, runDir }));
  return li;
}

function renderCellImages(): void {
  const v = state.evaluation;
  const list = byId('cell-images');
  const title = byId('cell-images-title');
  const hint = byId('cell-images-hint');
  if (!v || !state.selected) {
    title.textContent = 'Images';
    hint.textContent = 'Select a cell of the matrix to list the images behind it.';
    list.replaceChildren();
    return;
  }
  const { row, col } = state.selected;
  const items = predictionsForCell(v.predictions, row, col);
  title.textContent = `True ${v.classes[row]} → predicted ${v.classes[col]}`;
  const count = v.confusion[row]?.[col] ?? 0;
  hint.textContent = items.length === 0
    ? (count > 0 ? `${count} images, but this evaluation stored no per-image predictions.` : 'No images in this cell.')
    : `${items.length} image${items.length === 1 ? '' : 's'}, most confident first${items.length > MAX_LISTED ? ` (first ${MAX_LISTED} listed)` : ''}. Click one to explain it.`;
  list.replaceChildren(...items.slice(0, MAX_LISTED).map((p) => imageItem(p, v.runDir, v.classes)));
}

function renderPerClass(): void {
  const v = state.evaluation;
  if (!v) return byId('per-class-container').replaceChildren();
  const { classes, summary, naNote } = metricRows(v);
  const blankUnless = (k: MetricRow['kind'][], f: (r: MetricRow) => string) => (r: MetricRow) => (k.includes(r.kind) ? f(r) : '');
  const note = naNote ? [h('p', { class: 'muted', id: 'per-class-note' }, naNote)] : [];
  byId('per-class-container').replaceChildren(dataTable<MetricRow>({
    id: 'per-class-table', label: 'Per-class metrics', rows: classes, footer: summary,
    rowClass: (r) => `metric-${r.kind}`,
    rowAttrs: (r) => ({ 'data-kind': r.kind }),
    columns: [
      { key: 'name', header: 'Class', cell: (r) => r.name },
      { key: 'accuracy', header: 'Accuracy', numeric: true, headerTitle: 'One-vs-rest accuracy (TP+TN)/N per class', cell: blankUnless(['class', 'accuracy'], (r) => metricCell(r, 'accuracy')) },
      { key: 'precision', header: 'Precision', numeric: true, cell: blankUnless(['class', 'macro', 'weighted'], (r) => metricCell(r, 'precision')) },
      { key: 'recall', header: 'Recall', numeric: true, cell: blankUnless(['class', 'macro', 'weighted'], (r) => metricCell(r, 'recall')) },
      { key: 'f1', header: 'F1', numeric: true, cell: blankUnless(['class', 'macro', 'weighted'], (r) => metricCell(r, 'f1')) },
      { key: 'support', header: 'Support', numeric: true, cell: (r) => String(r.support) },
    ],
  }), ...note);
}

function renderSummary(): void {
  const container = byId('summary-container');
  if (state.summary.length === 0) return container.replaceChildren(h('p', { class: 'muted' }, 'No evaluated runs yet.'));
  const best = bestScores(state.summary);
  const top = (k: 'accuracy' | 'macroF1' | 'weightedF1') => (r: SummaryRow) => (r[k] === best[k] ? 'best-value' : undefined);
  container.replaceChildren(dataTable<SummaryRow>({
    id: 'summary-table', label: 'All evaluated runs', rows: sortSummary(state.summary, state.sort.key, state.sort.descending),
    rowClass: (r) => (isCurrentRow(r, state.evaluation) ? 'current' : undefined),
    rowAttrs: (r) => ({ 'data-run-dir': r.runDir, 'data-name': r.name }),
    rowLabel: (r) => `${r.runId} ${r.arch} ${r.name}: accuracy ${formatPercent(r.accuracy)}`,
    onRow: (r) => vscode.postMessage({ type: 'openEvaluation', runDir: r.runDir, name: r.name }),
    sort: { key: state.sort.key, descending: state.sort.descending, onSort: (key) => setState(toggleSort(state, key as SummaryKey)) },
    columns: [
      { key: 'arch', header: 'Model', cell: (r) => r.arch },
      { key: 'runId', header: 'Run', cell: (r) => r.runId, title: (r) => r.runDir },
      { key: 'name', header: 'Evaluated on', cell: (r) => r.name },
      { key: 'accuracy', header: 'Accuracy', numeric: true, cell: (r) => formatPercent(r.accuracy), cellClass: top('accuracy') },
      { key: 'macroF1', header: 'Macro F1', numeric: true, cell: (r) => formatMetric(r.macroF1), cellClass: top('macroF1') },
      { key: 'weightedF1', header: 'Weighted F1', numeric: true, cell: (r) => formatMetric(r.weightedF1), cellClass: top('weightedF1') },
      { key: 'epochs', header: 'Epochs', numeric: true, cell: (r) => String(r.epochs) },
      { key: 'bestEpoch', header: 'Best epoch', numeric: true, cell: (r) => (r.bestEpoch === undefined ? '—' : String(r.bestEpoch)) },
    ],
  }));
}

function render(): void {
  renderHeader();
  renderMatrix();
  renderCellImages();
  renderPerClass();
  renderSummary();
}

buildLayout();
onHostMessage<EvaluationToWebview>((message) => setState(reduceEvaluation(state, message)));
onThemeChange(renderMatrix);
render();
vscode.postMessage({ type: 'ready' });
