// Entry of the evaluation webview: headline with intervals, confounder warnings, confusion-matrix heatmap and the images
// behind a cell, per-class metrics, ROC/PR curves, the binary view (threshold slider), calibration, other metrics,
// top losses, subgroups, all runs. Sections whose data an older eval file lacks stay hidden.
import '../../../media/webview.css';
import './evaluation.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { EvaluationFromWebview, EvaluationToWebview, PredictionRow, SummaryRow } from '../../shared/webviewProtocol';
import { byId, h, onActivate, replaceChildren } from '../common/dom';
import { basename, formatMetric, formatPercent } from '../../shared/format';
import { dataTable } from '../common/table';
import { onThemeChange } from '../common/theme';
import { getVsCodeApi, onHostMessage } from '../common/vscodeApi';
import { XyChart, type XyMarker } from '../common/xyChart';
import {
  confidence, intervalCell, isCurrentRow, metricCell, metricRows, predictionsForCell, summaryColumns, type IntervalKey, type MetricRow, type SummaryKey,
} from './matrixModel';
import { checkpointCell, evaluatedSetLine, groupSummary, type RunsGroup } from './runsTableModel';
import { matrixTable } from './matrixView';
import { classColour, prCurves, reliability, rocCurves } from './curvesModel';
import { calledPositive, operatingMarkers, operatingRows, type OperatingRow } from './operatingModel';
import { GALLERY_PAGE, galleryCount, topLosses, type LossItem } from './lossModel';
import { gridSelection } from './gridModel';
import { bootstrapNote, confounderWarnings, ensembleNote, headline, otherMetricRows, subgroupTables, summaryInterval, type OtherMetricRow } from './reportModel';
import {
  reduceEvaluation, restoreState, setOnlyWrong, setPositive, setThreshold, showMoreLosses, toggleCell, toggleSort, type EvaluationState,
} from './state';

/** Long cells (hundreds of correct images) list the first ones only; the DOM stays light. */
const MAX_LISTED = 200;

const vscode = getVsCodeApi<EvaluationState, EvaluationFromWebview>();
let state: EvaluationState = restoreState(vscode.getState());
/** Thumbnails already asked for (the host answers with an 'images' message). */
const requested = new Set<string>();
let charts: { roc: XyChart; pr: XyChart; reliability: XyChart } | undefined;
/** The evaluation the charts were built for: a slider move only moves their markers. */
let chartsKey = '';

function setState(next: EvaluationState): void {
  state = next;
  vscode.setState(state);
  render();
}

const card = (id: string, label: string, ...children: (Node | string)[]) => h('section', { id, class: 'card', 'aria-label': label }, ...children);

function buildLayout(): void {
  replaceChildren(byId('app'), h('main', { class: 'view evaluation-view' },
    h('header', { class: 'view-header' },
      h('div', { class: 'title-block' }, h('h1', { id: 'eval-title' }, 'Evaluation'), h('div', { id: 'eval-set', class: 'eval-set' }),
        h('div', { id: 'eval-meta', class: 'meta' }),
        h('div', { id: 'ensemble-note', class: 'meta' })),
      h('div', { id: 'headline', class: 'headline' }),
      h('div', { class: 'actions' }, h('vscode-button', { id: 'export-report', secondary: true, 'aria-label': 'Write a self-contained HTML report of this run and open it' }, 'Export Report'))),
    h('p', { id: 'empty-state', class: 'muted' }, 'Waiting for an evaluation…'),
    h('div', { id: 'confounder-warnings', class: 'warning-box', role: 'alert', hidden: true }),
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
        h('div', { class: 'grid-action' }, h('vscode-button', { id: 'cell-grid', secondary: true, hidden: true }, 'Explain these images with all runs')),
        h('ul', { id: 'cell-images', class: 'cell-images', 'aria-label': 'Images in the selected cell' })),
      h('section', { class: 'card wide', 'aria-label': 'Per-class metrics' },
        h('h2', {}, 'Per-class metrics'), h('div', { id: 'per-class-container', class: 'table-scroll' }),
        h('div', { id: 'per-class-notes' })),
      h('div', { class: 'wide pair' },
        card('roc-card', 'ROC curves',
          h('h2', {}, 'ROC curves (one vs rest)'), h('div', { id: 'roc-chart', class: 'chart xy-chart' }),
          h('p', { id: 'roc-caption', class: 'muted hint' })),
        card('pr-card', 'Precision–recall curves',
          h('h2', {}, 'Precision–recall curves'), h('div', { id: 'pr-chart', class: 'chart xy-chart' }),
          h('p', { id: 'pr-caption', class: 'muted hint' }))),
      h('section', { id: 'operating-card', class: 'card wide', 'aria-label': 'Operating point' },
          h('h2', {}, 'Operating point (one class vs the rest)'),
          h('div', { class: 'controls' },
            h('div', { class: 'control' }, h('span', {}, 'Positive class'), h('vscode-single-select', { id: 'positive-picker', 'aria-label': 'Positive class' })),
            h('div', { class: 'control slider' }, h('span', { id: 'threshold-label' }, 'Threshold'),
              h('input', { id: 'threshold-slider', type: 'range', min: 0, max: 1, step: 0.01, 'aria-label': 'Threshold on the positive class probability' }),
              h('span', { id: 'threshold-value', class: 'num' }))),
          h('div', { id: 'operating-container', class: 'table-scroll' }),
          h('p', { id: 'operating-hint', class: 'muted hint' })),
      h('div', { class: 'wide pair' },
        card('calibration-card', 'Calibration',
          h('h2', {}, 'Calibration (reliability diagram)'), h('div', { id: 'reliability-chart', class: 'chart xy-chart' }),
          h('p', { id: 'reliability-caption', class: 'muted hint' })),
        card('other-metrics-card', 'Other metrics',
          h('h2', {}, 'Other metrics'), h('div', { id: 'other-metrics-container', class: 'table-scroll' }))),
      h('section', { id: 'losses-card', class: 'card wide', 'aria-label': 'Top losses' },
        h('div', { class: 'section-header' },
          h('h2', {}, 'Top losses'),
          h('label', { class: 'checkbox' }, h('input', { id: 'only-wrong', type: 'checkbox' }), ' misclassified only')),
        h('p', { id: 'losses-hint', class: 'muted hint' }),
        h('ul', { id: 'loss-gallery', class: 'loss-gallery', 'aria-label': 'Images with the highest loss' }),
        h('div', { class: 'more-row' }, h('vscode-button', { id: 'losses-more', secondary: true }, 'Show more'),
          h('vscode-button', { id: 'losses-grid', secondary: true }, 'Explain these images with all runs'))),
      h('section', { id: 'subgroups-card', class: 'card wide', 'aria-label': 'Subgroups' },
        h('h2', {}, 'Subgroups (metadata.csv columns)'), h('div', { id: 'subgroups-container' })),
      h('section', { class: 'card wide', 'aria-label': 'All runs' },
        h('h2', {}, 'All runs'),
        h('p', { class: 'muted hint' }, 'Grouped by what was evaluated: scores compare only within a group (the best is marked there). Click a row to open that evaluation.'),
        h('div', { id: 'summary-container', class: 'table-scroll' })))));
  byId('cm-mode-counts').addEventListener('click', () => setState({ ...state, mode: 'counts' }));
  byId('export-report').addEventListener('click', () => vscode.postMessage({ type: 'exportReport' }));
  byId('cm-mode-percent').addEventListener('click', () => setState({ ...state, mode: 'percent' }));
  byId('positive-picker').addEventListener('change', (e) => setState(setPositive(state, Number((e.target as HTMLSelectElement).value))));
  // Live: only the table and the chart markers change while the slider moves.
  byId('threshold-slider').addEventListener('input', (e) => {
    state = setThreshold(state, Number((e.target as HTMLInputElement).value));
    vscode.setState(state);
    renderOperating();
  });
  byId('only-wrong').addEventListener('change', (e) => setState(setOnlyWrong(state, (e.target as HTMLInputElement).checked)));
  byId('losses-more').addEventListener('click', () => setState(showMoreLosses(state, GALLERY_PAGE)));
  for (const id of ['cell-grid', 'losses-grid']) {
    byId(id).addEventListener('click', (e) => {
      const files = (e.currentTarget as HTMLElement).dataset.files;
      if (files) vscode.postMessage({ type: 'explainWithAllRuns', files: JSON.parse(files) as string[] });
    });
  }
  charts = {
    roc: new XyChart(byId('roc-chart'), { label: 'ROC curves, one class against the rest', height: 300, xLabel: 'false-positive rate (1 − specificity)', yLabel: 'true-positive rate (sensitivity)', diagonal: 'chance' }),
    pr: new XyChart(byId('pr-chart'), { label: 'Precision–recall curves, one class against the rest', height: 300, xLabel: 'recall (sensitivity)', yLabel: 'precision (PPV)' }),
    reliability: new XyChart(byId('reliability-chart'), { label: 'Reliability diagram: accuracy against confidence per bin', height: 300, xLabel: 'confidence (top-class probability)', yLabel: 'accuracy', diagonal: 'perfect calibration' }),
  };
}

function renderHeader(): void {
  const v = state.evaluation;
  byId('eval-title').textContent = v ? `Evaluation — ${v.name}` : 'Evaluation';
  byId('eval-set').textContent = v ? evaluatedSetLine(v) : '';
  byId('eval-meta').textContent = v ? `${v.runId} · ${v.arch} · ${v.total} images · ${v.classes.length} classes` : '';
  const note = v && ensembleNote(v);
  byId('ensemble-note').hidden = !note;
  byId('ensemble-note').textContent = note ?? '';
  const stats = v ? headline(v) : [{ id: 'overall-accuracy', label: 'Accuracy', value: '—', interval: '' }, { id: 'macro-f1', label: 'Macro F1', value: '—', interval: '' }];
  const boot = v ? bootstrapNote(v.bootstrap) : undefined;
  replaceChildren(byId('headline'), stats.map((s) => h('div', { class: 'stat', title: [s.title, s.interval && boot].filter(Boolean).join('\n') || undefined },
    h('span', { class: 'stat-label' }, s.label), h('span', { id: s.id, class: 'stat-value' }, s.value),
    h('span', { id: `${s.id}-interval`, class: 'stat-interval num' }, s.interval))));
  byId('empty-state').hidden = !!v;
  byId('eval-body').hidden = !v;
  for (const [id, mode] of [['cm-mode-counts', 'counts'], ['cm-mode-percent', 'percent']] as const) {
    const b = byId(id);
    b.toggleAttribute('secondary', state.mode !== mode);
    b.setAttribute('aria-pressed', String(state.mode === mode));
  }
}

function renderWarnings(): void {
  const box = byId('confounder-warnings');
  const warnings = state.evaluation ? confounderWarnings(state.evaluation) : [];
  box.hidden = warnings.length === 0;
  replaceChildren(box, warnings.length ? [
    h('div', { class: 'warning-title' }, h('span', { class: 'warning-icon', 'aria-hidden': 'true' }, '⚠'),
      warnings.length === 1 ? 'Possible confounder in the metadata' : `${warnings.length} possible confounders in the metadata`),
    h('ul', { class: 'warning-list' }, warnings.map((w) => h('li', { class: 'confounder-warning' }, w))),
  ] : []);
}

function renderMatrix(): void {
  const v = state.evaluation;
  if (!v) return byId('matrix-container').replaceChildren();
  byId('matrix-container').replaceChildren(matrixTable({
    view: v, mode: state.mode, selected: state.selected,
    onCell: (row, col) => setState(toggleCell(state, row, col)),
  }));
}

function explain(p: PredictionRow): void {
  const v = state.evaluation;
  if (v) vscode.postMessage({ type: 'explainImage', file: p.file, runDir: v.explainRunDir, ...(v.checkpoint && !v.ensemble ? { checkpoint: v.checkpoint.which } : {}) });
}

function imageItem(p: PredictionRow, classes: string[]): HTMLLIElement {
  const c = confidence(p);
  const li = h('li', { class: 'cell-image', 'data-file': p.file, title: `${p.rel}\nClick to explain with Grad-CAM`, 'aria-label': `${basename(p.rel)}, confidence ${formatPercent(c)}` },
    h('span', { class: 'file-name' }, basename(p.rel)),
    h('span', { class: 'file-dir muted' }, p.rel.includes('/') ? p.rel.slice(0, p.rel.lastIndexOf('/')) : ''),
    h('span', { class: 'confidence', title: `P(${classes[p.predicted] ?? p.predicted})` },
      h('span', { class: 'confidence-bar' }, h('span', { class: 'confidence-fill', style: `width: ${(c * 100).toFixed(1)}%` })),
      h('span', { class: 'confidence-text num' }, formatPercent(c))));
  onActivate(li, () => explain(p));
  return li;
}

/** "Explain these images with all runs" under a list: the images it sends, or hidden when the list is empty. */
function setGridButton(id: string, selection: ReturnType<typeof gridSelection>): void {
  const button = byId(id);
  button.hidden = !selection;
  if (!selection) return;
  button.textContent = selection.label;
  button.title = selection.title;
  button.dataset.files = JSON.stringify(selection.files);
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
    setGridButton('cell-grid', undefined);
    return;
  }
  const { row, col } = state.selected;
  const items = predictionsForCell(v.predictions, row, col);
  setGridButton('cell-grid', gridSelection(items.map((p) => p.file), `the images of this cell`));
  title.textContent = `True ${v.classes[row]} → predicted ${v.classes[col]}`;
  const count = v.confusion[row]?.[col] ?? 0;
  hint.textContent = items.length === 0
    ? (count > 0 ? `${count} images, but this evaluation stored no per-image predictions.` : 'No images in this cell.')
    : `${items.length} image${items.length === 1 ? '' : 's'}, most confident first${items.length > MAX_LISTED ? ` (first ${MAX_LISTED} listed)` : ''}. Click one to explain it.`;
  list.replaceChildren(...items.slice(0, MAX_LISTED).map((p) => imageItem(p, v.classes)));
}

function renderPerClass(): void {
  const v = state.evaluation;
  if (!v) { byId('per-class-notes').replaceChildren(); return byId('per-class-container').replaceChildren(); }
  const { classes, summary, naNote, aucNotes } = metricRows(v);
  const blankUnless = (k: MetricRow['kind'][], f: (r: MetricRow) => string) => (r: MetricRow) => (k.includes(r.kind) ? f(r) : '');
  const withCi = !!v.intervals;
  const ciColumn = (key: IntervalKey, kinds: MetricRow['kind'][]) => (withCi ? [{
    key: `${key}-ci`, header: '95% CI', numeric: true, headerTitle: `95 % bootstrap interval of the ${key === 'ap' ? 'average precision' : key === 'auc' ? 'AUC' : key}`,
    cell: blankUnless(kinds, (r) => intervalCell(r, key)), cellClass: () => 'ci',
  }] : []);
  const hasAuc = classes.some((r) => r.auc !== undefined);
  const hasAp = classes.some((r) => r.ap !== undefined);
  const all: MetricRow['kind'][] = ['class', 'macro', 'weighted'];
  byId('per-class-container').replaceChildren(dataTable<MetricRow>({
    id: 'per-class-table', label: 'Per-class metrics', rows: classes, footer: summary,
    rowClass: (r) => `metric-${r.kind}`,
    rowAttrs: (r) => ({ 'data-kind': r.kind }),
    columns: [
      { key: 'name', header: 'Class', cell: (r) => r.name },
      {
        key: 'accuracy', header: 'Accuracy', numeric: true, headerTitle: 'One-vs-rest accuracy (TP+TN)/N per class',
        cell: blankUnless(['class', 'accuracy'], (r) => metricCell(r, 'accuracy')),
        sub: (r) => (r.kind === 'accuracy' ? intervalCell(r, 'accuracy') : ''),
      },
      { key: 'precision', header: 'Precision', numeric: true, cell: blankUnless(all, (r) => metricCell(r, 'precision')) },
      ...ciColumn('precision', ['class']),
      { key: 'recall', header: 'Recall', numeric: true, cell: blankUnless(all, (r) => metricCell(r, 'recall')) },
      ...ciColumn('recall', ['class']),
      { key: 'f1', header: 'F1', numeric: true, cell: blankUnless(all, (r) => metricCell(r, 'f1')) },
      ...ciColumn('f1', ['class', 'macro']),
      ...(hasAuc ? [{
        key: 'auc', header: 'AUC', numeric: true, headerTitle: 'One-vs-rest ROC AUC', cell: blankUnless(all, (r) => metricCell(r, 'auc')),
        title: (r: MetricRow) => (r.auc === null && r.aucReason ? `n/a: ${r.aucReason}` : undefined),
      }, ...ciColumn('auc', ['class', 'macro'])] : []),
      ...(hasAp ? [{ key: 'ap', header: 'AP', numeric: true, headerTitle: 'Average precision (area under the precision–recall curve, step sum)', cell: blankUnless(all, (r) => metricCell(r, 'ap')) }] : []),
      { key: 'support', header: 'Support', numeric: true, cell: (r) => String(r.support) },
    ],
  }));
  const boot = bootstrapNote(v.bootstrap);
  replaceChildren(byId('per-class-notes'),
    naNote ? h('p', { class: 'muted hint', id: 'per-class-note' }, naNote) : null,
    aucNotes.map((n) => h('p', { class: 'muted hint auc-note' }, n)),
    boot ? h('p', { class: 'muted hint', id: 'bootstrap-note' }, boot) : null);
}

function positiveMarkers(): { roc: XyMarker[]; pr: XyMarker[] } {
  const v = state.evaluation;
  const row = v ? operatingRows(v, state.positive, state.threshold).find((r) => r.kind === 'threshold') : undefined;
  if (!v || !row) return { roc: [], pr: [] };
  const m = operatingMarkers(row);
  const c = classColour(state.positive);
  const label = `p ≥ ${state.threshold.toFixed(2)}`;
  return { roc: [{ ...m.roc, ...c, label }], pr: m.pr ? [{ ...m.pr, ...c, label }] : [] };
}

/** ROC, PR and reliability charts: rebuilt for another evaluation (or theme), else only their markers move. */
function renderCharts(force = false): void {
  const v = state.evaluation;
  const roc = v && rocCurves(v), pr = v && prCurves(v), rel = v && reliability(v);
  byId('roc-card').hidden = !roc;
  byId('pr-card').hidden = !pr;
  byId('calibration-card').hidden = !rel;
  if (!charts || !v) return;
  const key = `${v.runDir}\n${v.name}\n${v.total}`;
  const markers = positiveMarkers();
  if (key === chartsKey && !force) {
    charts.roc.setMarkers(markers.roc);
    charts.pr.setMarkers(markers.pr);
    return;
  }
  chartsKey = key;
  if (roc) {
    charts.roc.setData({ series: roc.series, markers: markers.roc });
    byId('roc-caption').textContent = [roc.macro, ...roc.notes].join(' · ') + '. The ring: the threshold below, on the positive class.';
  }
  if (pr) {
    charts.pr.setData({ series: pr.series, markers: markers.pr });
    byId('pr-caption').textContent = [pr.macro, ...pr.notes].join(' · ');
  }
  if (rel) {
    charts.reliability.setData({
      series: [{ label: 'mean confidence', x: rel.confidence.x, y: rel.confidence.y, kind: 'points', colorVar: '--vscode-charts-orange', fallback: '#d18616' }],
      bars: { colour: { colorVar: '--vscode-charts-blue', fallback: '#3794ff' }, label: 'accuracy (images per bin above)', items: rel.bars },
    });
    byId('reliability-caption').textContent = `${rel.caption}. Bars: the share of correct predictions among the images whose top-class probability falls in the bin; dots: their mean probability.`;
  }
}

function renderPositivePicker(): void {
  const v = state.evaluation;
  const select = byId<HTMLSelectElement>('positive-picker');
  if (!v) return;
  const value = String(state.positive);
  const names = v.classes.join('\n');
  if (select.dataset.classes !== names) {
    select.dataset.classes = names;
    select.replaceChildren(...v.classes.map((c, i) => h('vscode-option', { value: String(i), selected: i === state.positive }, c)));
  }
  if (select.value !== value) select.value = value;
}

function renderOperating(): void {
  const v = state.evaluation;
  const cardEl = byId('operating-card');
  const rows = v ? operatingRows(v, state.positive, state.threshold) : [];
  cardEl.hidden = rows.length === 0;
  if (!v || rows.length === 0) return;
  renderPositivePicker();
  const slider = byId<HTMLInputElement>('threshold-slider');
  if (Number(slider.value) !== state.threshold) slider.value = String(state.threshold);
  const name = v.classes[state.positive] ?? '';
  byId('threshold-label').textContent = `Threshold on p(${name})`;
  byId('threshold-value').textContent = state.threshold.toFixed(2);
  const pct = (x: number) => formatPercent(x);
  byId('operating-container').replaceChildren(dataTable<OperatingRow>({
    id: 'operating-table', label: `${name} against the rest`, rows,
    rowAttrs: (r) => ({ 'data-kind': r.kind }),
    columns: [
      { key: 'label', header: `${name} vs rest`, cell: (r) => r.label },
      { key: 'sensitivity', header: 'Sensitivity', numeric: true, headerTitle: 'TP / (TP + FN): recall of the positive class', cell: (r) => pct(r.sensitivity) },
      { key: 'specificity', header: 'Specificity', numeric: true, headerTitle: 'TN / (TN + FP)', cell: (r) => pct(r.specificity) },
      { key: 'ppv', header: 'PPV', numeric: true, headerTitle: 'TP / (TP + FP): precision', cell: (r) => pct(r.ppv) },
      { key: 'npv', header: 'NPV', numeric: true, headerTitle: 'TN / (TN + FN)', cell: (r) => pct(r.npv) },
      { key: 'tp', header: 'TP', numeric: true, cell: (r) => String(r.tp) },
      { key: 'fp', header: 'FP', numeric: true, cell: (r) => String(r.fp) },
      { key: 'fn', header: 'FN', numeric: true, cell: (r) => String(r.fn) },
      { key: 'tn', header: 'TN', numeric: true, cell: (r) => String(r.tn) },
    ],
  }));
  const at = rows.find((r) => r.kind === 'threshold')!;
  byId('operating-hint').textContent = `At the threshold, ${calledPositive(at)}. Computed here from the stored probabilities: an image is positive when p(${name}) ≥ the threshold. A rate with no case to divide by shows 0 (scikit-learn's zero_division).`;
  if (charts && !byId('roc-card').hidden) {
    const m = positiveMarkers();
    charts.roc.setMarkers(m.roc);
    charts.pr.setMarkers(m.pr);
  }
}

function renderOtherMetrics(): void {
  const v = state.evaluation;
  const rows = v ? otherMetricRows(v) : [];
  byId('other-metrics-card').hidden = rows.length === 0;
  if (rows.length === 0) return;
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  byId('other-metrics-container').replaceChildren(dataTable<OtherMetricRow>({
    id: 'other-metrics-table', label: 'Other metrics', rows,
    rowAttrs: (r) => ({ 'data-metric': r.id }),
    columns: [
      { key: 'label', header: 'Metric', cell: (r) => cap(r.label), title: (r) => r.title },
      { key: 'value', header: 'Value', numeric: true, cell: (r) => r.value, title: (r) => r.title },
      ...(v?.intervals ? [{ key: 'interval', header: '95% CI', numeric: true, cell: (r: OtherMetricRow) => r.interval, cellClass: () => 'ci' }] : []),
    ],
  }));
}

/** A thumbnail; a file the browser cannot decode (TIFF) says so instead of a broken image. */
function thumbnail(uri: string): HTMLImageElement {
  const img = h('img', { src: uri, alt: '', loading: 'lazy' });
  img.addEventListener('error', () => img.replaceWith(h('span', { class: 'thumb-placeholder muted' }, 'no preview')), { once: true });
  return img;
}

function lossTile(item: LossItem, rank: number, classes: string[]): HTMLLIElement {
  const p = item.prediction;
  const uri = state.imageUris[p.file];
  const truth = classes[p.label] ?? String(p.label);
  const predicted = classes[p.predicted] ?? String(p.predicted);
  const li = h('li', {
    class: `loss-tile${item.correct ? '' : ' wrong'}`, 'data-file': p.file, 'data-loss': item.loss.toFixed(6),
    title: `${p.rel}\nloss ${item.loss.toFixed(3)} = −log p(${truth}) = −log ${item.pTrue.toFixed(4)}\nClick to explain with Grad-CAM`,
    'aria-label': `${rank}. ${basename(p.rel)}: true ${truth}, predicted ${predicted} ${formatPercent(item.pPredicted)}, loss ${item.loss.toFixed(2)}`,
  },
  h('div', { class: 'thumb' }, uri ? thumbnail(uri) : h('span', { class: 'thumb-placeholder muted' }, '…')),
  h('div', { class: 'loss-caption' },
    h('div', { class: 'loss-head' }, h('span', { class: 'loss-rank' }, `#${rank}`), h('span', { class: 'loss-value num' }, `loss ${item.loss.toFixed(2)}`)),
    h('div', { class: 'loss-line loss-true' },
      h('span', { class: 'loss-name' }, h('span', { class: 'muted' }, 'true '), truth), h('span', { class: 'loss-p muted num' }, formatPercent(item.pTrue))),
    h('div', { class: 'loss-line loss-pred' },
      h('span', { class: 'loss-name' }, h('span', { class: 'muted' }, 'pred '), h('span', { class: item.correct ? '' : 'wrong-label' }, predicted)),
      h('span', { class: 'loss-p num' }, formatPercent(item.pPredicted))),
    h('div', { class: 'file-name muted' }, basename(p.rel))));
  onActivate(li, () => explain(p));
  return li;
}

function renderGallery(): void {
  const v = state.evaluation;
  const cardEl = byId('losses-card');
  cardEl.hidden = !v || v.predictions.length === 0;
  if (!v || v.predictions.length === 0) return;
  const all = topLosses(v.predictions, state.gallery.onlyWrong);
  const n = galleryCount(state.gallery.count, all.length);
  const shown = all.slice(0, n);
  byId<HTMLInputElement>('only-wrong').checked = state.gallery.onlyWrong;
  byId('losses-hint').textContent = all.length === 0
    ? 'No misclassified image.'
    : `Highest loss −log p(true class) first: ${n} of ${all.length} image${all.length === 1 ? '' : 's'}. Click one to explain it with Grad-CAM.`;
  byId('loss-gallery').replaceChildren(...shown.map((item, i) => lossTile(item, i + 1, v.classes)));
  setGridButton('losses-grid', gridSelection(shown.map((x) => x.prediction.file), state.gallery.onlyWrong ? 'the misclassified images with the highest loss' : 'the images with the highest loss'));
  byId('losses-more').hidden = n >= all.length;
  const missing = shown.map((x) => x.prediction.file).filter((f) => !state.imageUris[f] && !requested.has(f));
  if (missing.length) {
    missing.forEach((f) => requested.add(f));
    vscode.postMessage({ type: 'requestImages', files: missing });
  }
}

function renderSubgroups(): void {
  const v = state.evaluation;
  const tables = v ? subgroupTables(v) : [];
  byId('subgroups-card').hidden = tables.length === 0;
  byId('subgroups-container').replaceChildren(...tables.map((t) => {
    type Row = (typeof t.rows)[number];
    return h('div', { class: 'subgroup', 'data-column': t.column },
      h('h3', {}, t.title),
      h('div', { class: 'table-scroll' }, dataTable<Row>({
        label: `Metrics per ${t.column}`, rows: t.rows,
        columns: [
          { key: 'value', header: t.column, cell: (r) => r.value },
          { key: 'count', header: 'Images', numeric: true, cell: (r) => r.count },
          { key: 'accuracy', header: 'Accuracy', numeric: true, cell: (r) => r.accuracy },
          { key: 'macroF1', header: 'Macro F1', numeric: true, cell: (r) => r.macroF1 },
          ...t.classes.map((c, k) => ({ key: `recall-${k}`, header: `Recall ${c}`, numeric: true, headerTitle: `Recall of ${c} among this group's images ('—': none of them is ${c})`, cell: (r: Row) => r.recalls[k] })),
        ],
      })),
      t.note ? h('p', { class: 'muted hint' }, t.note) : null);
  }));
}

function renderSummary(): void {
  const container = byId('summary-container');
  if (state.summary.length === 0) return container.replaceChildren(h('p', { class: 'muted' }, 'No evaluated runs yet.'));
  const show = summaryColumns(state.summary);
  const groups = groupSummary(state.summary, state.sort.key, state.sort.descending);
  const groupOf = new Map<SummaryRow, RunsGroup>(groups.flatMap((g) => g.rows.map((r) => [r, g] as const)));
  type ScoreKey = 'accuracy' | 'macroF1' | 'weightedF1' | 'auc';
  // The best value of its own group only: never a rank across what was evaluated.
  const top = (k: ScoreKey) => (r: SummaryRow) => {
    const best = groupOf.get(r)?.best[k];
    return groupOf.get(r)!.rows.length > 1 && r[k] !== undefined && r[k] !== null && r[k] === best ? 'best-value' : undefined;
  };
  // Intervals as a second line under their values: the table keeps to the width of the view.
  const ci = (k: 'accuracy' | 'macroF1' | 'auc') => (show.intervals ? { sub: (r: SummaryRow) => summaryInterval(r, k) } : {});
  container.replaceChildren(dataTable<SummaryRow>({
    id: 'runs-table', label: 'All evaluated runs, grouped by what was evaluated', rows: [],
    groups: groups.map((g) => ({
      label: h('span', { class: 'runs-group-label' }, h('span', { class: 'runs-group-title' }, g.title), h('span', { class: 'runs-group-detail muted' }, g.detail)),
      rows: g.rows, attrs: { 'data-group': g.key },
    })),
    groupClass: 'runs-group',
    rowClass: (r) => [isCurrentRow(r, state.evaluation) ? 'current' : '', r.members ? 'ensemble' : ''].join(' ').trim() || undefined,
    rowAttrs: (r) => ({ 'data-run-dir': r.runDir, 'data-name': r.name }),
    rowLabel: (r) => `${r.runId} ${r.arch} ${r.name}, ${checkpointCell(r)}: accuracy ${formatPercent(r.accuracy)}`,
    onRow: (r) => vscode.postMessage({ type: 'openEvaluation', runDir: r.runDir, name: r.name }),
    sort: { key: state.sort.key, descending: state.sort.descending, onSort: (key) => setState(toggleSort(state, key as SummaryKey)) },
    columns: [
      { key: 'arch', header: 'Model', cell: (r) => r.arch },
      { key: 'runId', header: 'Run', cell: (r) => r.runId, title: (r) => `${r.runDir}\n${r.name}` },
      { key: 'checkpoint', header: 'Checkpoint', cell: checkpointCell, headerTitle: 'The checkpoint evaluated (best: lowest validation loss; last: the last epoch) and its epoch' },
      { key: 'accuracy', header: 'Accuracy', numeric: true, cell: (r) => formatPercent(r.accuracy), cellClass: top('accuracy'), ...ci('accuracy') },
      { key: 'macroF1', header: 'Macro F1', numeric: true, cell: (r) => formatMetric(r.macroF1), cellClass: top('macroF1'), ...ci('macroF1') },
      ...(show.auc ? [{
        key: 'auc', header: 'AUC', numeric: true, headerTitle: 'Macro one-vs-rest ROC AUC', cellClass: top('auc'), ...ci('auc'),
        cell: (r: SummaryRow) => (r.auc === undefined ? '—' : r.auc === null ? 'n/a' : formatMetric(r.auc)),
      }] : []),
      { key: 'weightedF1', header: 'Weighted F1', numeric: true, cell: (r) => formatMetric(r.weightedF1), cellClass: top('weightedF1') },
      { key: 'epochs', header: 'Epochs', numeric: true, headerTitle: 'Epochs trained', cell: (r) => (r.epochs === undefined ? '—' : String(r.epochs)) },
    ],
  }));
}

function render(): void {
  renderHeader();
  renderWarnings();
  renderMatrix();
  renderCellImages();
  renderPerClass();
  renderCharts();
  renderOperating();
  renderOtherMetrics();
  renderGallery();
  renderSubgroups();
  renderSummary();
}

buildLayout();
onHostMessage<EvaluationToWebview>((message) => {
  if (message.type === 'init' && (message.evaluation.runDir !== state.evaluation?.runDir || message.evaluation.name !== state.evaluation?.name)) requested.clear();
  setState(reduceEvaluation(state, message));
});
onThemeChange(() => { renderMatrix(); renderCharts(true); });
render();
vscode.postMessage({ type: 'ready' });
