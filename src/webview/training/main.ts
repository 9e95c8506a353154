// Entry of the training panel webview: header, progress with ETA, live loss/accuracy/LR curves, epoch table.
import '../../../media/webview.css';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import type { EpochRecord } from '../../shared/engineProtocol';
import type { TrainingFromWebview, TrainingToWebview } from '../../shared/webviewProtocol';
import { byId, h, replaceChildren } from '../common/dom';
import { formatDuration, formatLoss, formatLr, formatPercent } from '../../shared/format';
import { dataTable } from '../common/table';
import { onThemeChange } from '../common/theme';
import { getVsCodeApi, onHostMessage } from '../common/vscodeApi';
import { createTrainingCharts, rebuildTrainingCharts, updateTrainingCharts } from './charts';
import {
  bestEpoch, bestSummary, canEvaluate, curveData, failureSummary, initialTrainingState, isRunning, progressModel, reduceTraining,
  runMeta, setupRows, splitSummary, statusLabel, type TrainingState,
} from './state';

const vscode = getVsCodeApi<TrainingState, TrainingFromWebview>();
let state: TrainingState = vscode.getState() ?? initialTrainingState;

function buildLayout(): void {
  replaceChildren(byId('app'), h('main', { class: 'view training-view' },
    h('header', { class: 'view-header' },
      h('div', { class: 'title-block' },
        h('h1', { id: 'run-title' }, 'Training'),
        h('div', { id: 'run-meta', class: 'meta' })),
      h('vscode-badge', { id: 'status-badge', 'aria-label': 'Run status' }, 'Waiting'),
      h('div', { class: 'actions' },
        h('vscode-button', { id: 'cancel-button', secondary: true, 'aria-label': 'Cancel training' }, 'Cancel'),
        h('vscode-button', { id: 'evaluate-button', 'aria-label': 'Evaluate this run' }, 'Evaluate'))),
    h('section', { id: 'progress-section', class: 'card', 'aria-label': 'Progress' },
      h('div', { class: 'progress-row' }, h('span', { id: 'epoch-label' }), h('span', { id: 'eta-label', class: 'muted' })),
      h('vscode-progress-bar', { id: 'epoch-progress', 'aria-label': 'Epochs done', max: 1000 }),
      h('div', { id: 'batch-block' },
        h('div', { class: 'progress-row' }, h('span', { id: 'batch-label' }), h('span', { id: 'batch-message', class: 'muted' })),
        h('vscode-progress-bar', { id: 'batch-progress', 'aria-label': 'Batches done in this epoch', max: 1000 }))),
    h('div', { id: 'run-error', class: 'error-box', role: 'alert', hidden: true }),
    h('div', { id: 'best-summary', class: 'best-summary', role: 'status' }),
    h('section', { id: 'run-setup', class: 'card', 'aria-label': 'Configuration', hidden: true },
      h('div', { class: 'section-header' },
        h('h2', {}, 'Configuration'),
        h('div', { id: 'split-counts', class: 'split-counts', title: 'Images in each split of this run' })),
      h('dl', { id: 'setup-list', class: 'setup-list' })),
    h('section', { class: 'charts', 'aria-label': 'Curves' },
      h('figure', { class: 'card chart-card' }, h('figcaption', {}, 'Loss'), h('div', { id: 'loss-chart', class: 'chart' })),
      h('figure', { class: 'card chart-card' },
        h('figcaption', { class: 'chart-caption' }, h('span', {}, 'Accuracy'),
          h('vscode-checkbox', { id: 'acc-full-axis', label: '0–100 %', title: 'Show the whole 0–100 % range instead of an axis fitted to the curves' })),
        h('div', { id: 'acc-chart', class: 'chart' })),
      h('figure', { class: 'card chart-card' }, h('figcaption', {}, 'Learning rate'), h('div', { id: 'lr-chart', class: 'chart' }),
        h('div', { id: 'lr-current', class: 'muted' }))),
    h('section', { class: 'card', 'aria-label': 'Epochs' },
      h('h2', {}, 'Epochs'),
      h('div', { id: 'epoch-table-container', class: 'table-scroll' })),
  ));
  byId('cancel-button').addEventListener('click', () => {
    if (!isRunning(state) || state.cancelRequested) return;
    state = { ...state, cancelRequested: true };
    vscode.setState(state);
    vscode.postMessage({ type: 'cancel' });
    render();
  });
  byId('evaluate-button').addEventListener('click', () => vscode.postMessage({ type: 'evaluate' }));
  byId('acc-full-axis').addEventListener('change', () => {
    state = { ...state, accAxis: (byId('acc-full-axis') as HTMLElement & { checked: boolean }).checked ? 'full' : 'fit' };
    vscode.setState(state);
    charts.acc.rebuild();
    updateTrainingCharts(charts, curveData(state), bestEpoch(state));
  });
}

buildLayout();
const charts = createTrainingCharts({ loss: byId('loss-chart'), acc: byId('acc-chart'), lr: byId('lr-chart') }, () => state.accAxis ?? 'fit');

function renderSetup(): void {
  const rows = setupRows(state.run);
  const section = byId('run-setup');
  section.hidden = rows.length === 0;
  const split = splitSummary(state.run);
  replaceChildren(byId('split-counts'), ...(split ? [h('strong', {}, split.counts), ` ${split.how}`] : []));
  replaceChildren(byId('setup-list'), ...rows.map((r) => h('div', { class: 'setup-item' }, h('dt', {}, r.label), h('dd', r.title ? { title: r.title } : {}, r.value))));
  (byId('acc-full-axis') as HTMLElement & { checked: boolean }).checked = state.accAxis === 'full';
}

function renderHeader(): void {
  const run = state.run;
  byId('run-title').textContent = run ? run.id : 'Training';
  byId('run-meta').textContent = runMeta(state);
  const badge = byId('status-badge');
  badge.textContent = statusLabel(run?.status);
  badge.dataset.status = run?.status ?? 'waiting';
  const cancel = byId('cancel-button') as HTMLElement & { disabled: boolean };
  cancel.hidden = !isRunning(state);
  cancel.disabled = state.cancelRequested;
  cancel.textContent = state.cancelRequested ? 'Cancelling…' : 'Cancel';
  byId('evaluate-button').hidden = !canEvaluate(state);
}

function renderProgress(): void {
  const m = progressModel(state);
  byId('epoch-label').textContent = m.epochLabel;
  byId('eta-label').textContent = m.eta;
  (byId('epoch-progress') as HTMLElement & { value: number }).value = Math.round(m.epochFraction * 1000);
  const batchBlock = byId('batch-block');
  batchBlock.hidden = m.batch === null;
  if (m.batch) {
    byId('batch-label').textContent = m.batch.label;
    byId('batch-message').textContent = m.message ?? '';
    const bar = byId('batch-progress') as HTMLElement & { value?: number; indeterminate: boolean };
    bar.indeterminate = m.batch.fraction === null;
    if (m.batch.fraction !== null) bar.value = Math.round(m.batch.fraction * 1000);
  }
}

function renderTable(best: number | undefined): void {
  const rows = [...state.history].reverse(); // newest first: the live row stays in view
  byId('epoch-table-container').replaceChildren(rows.length === 0
    ? h('p', { class: 'muted' }, 'No epoch finished yet.')
    : dataTable<EpochRecord>({
      id: 'epoch-table', label: 'Metrics per epoch', rows,
      rowClass: (r) => (r.epoch === best ? 'best' : undefined),
      rowAttrs: (r) => ({ 'data-epoch': String(r.epoch) }),
      columns: [
        { key: 'epoch', header: 'Epoch', numeric: true, cell: (r) => `${r.epoch === best ? '★ ' : ''}${r.epoch}`, title: (r) => (r.epoch === best ? 'Best checkpoint' : undefined) },
        { key: 'trainLoss', header: 'Train loss', numeric: true, cell: (r) => formatLoss(r.trainLoss) },
        { key: 'valLoss', header: 'Val loss', numeric: true, cell: (r) => formatLoss(r.valLoss) },
        { key: 'trainAcc', header: 'Train acc', numeric: true, cell: (r) => formatPercent(r.trainAcc) },
        { key: 'valAcc', header: 'Val acc', numeric: true, cell: (r) => formatPercent(r.valAcc) },
        { key: 'lr', header: 'LR', numeric: true, cell: (r) => formatLr(r.lr) },
        { key: 'seconds', header: 'Time', numeric: true, cell: (r) => formatDuration(r.seconds) },
      ],
    }));
}

// Progress arrives per batch: curves and table are redrawn only when the history or the best epoch changed.
let drawn: { history?: EpochRecord[]; best?: number; planned?: number } = {};

function render(): void {
  const best = bestEpoch(state);
  renderHeader();
  renderProgress();
  const failure = failureSummary(state);
  const errorBox = byId('run-error');
  errorBox.hidden = !failure;
  errorBox.textContent = failure ?? '';
  // A failed run without a checkpoint has nothing to say there; with one, where it stands.
  byId('best-summary').textContent = state.run && !(failure && bestEpoch(state) === undefined) ? bestSummary(state) : '';
  renderSetup();
  if (drawn.history === state.history && drawn.best === best && drawn.planned === state.run?.epochs) return;
  drawn = { history: state.history, best, planned: state.run?.epochs };
  updateTrainingCharts(charts, curveData(state), best);
  const lastLr = state.history.at(-1)?.lr;
  byId('lr-current').textContent = lastLr !== undefined ? `current: ${formatLr(lastLr)}` : '';
  renderTable(best);
}

onHostMessage<TrainingToWebview>((message) => {
  state = reduceTraining(state, message);
  vscode.setState(state);
  render();
});
onThemeChange(() => rebuildTrainingCharts(charts));

render();
vscode.postMessage({ type: 'ready' });
