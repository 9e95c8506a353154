// Entry of the CAM grid webview: rows = images (name, true class), columns = runs × CAM methods (header: run id,
// arch · checkpoint, method), each cell the overlay with "true X · pred Y p", wrong predictions framed red and marked ✗.
// Export PNG… (the engine's PNG, copied by the host), a cell opens its Grad-CAM view; busy with progress, errors.
import '../../../media/webview.css';
import './grid.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import type { GridFromWebview, GridToWebview, GridView } from '../../shared/webviewProtocol';
import { byId, h, onActivate, replaceChildren, renderPanelStatus } from '../common/dom';
import { getVsCodeApi, onHostMessage } from '../common/vscodeApi';
import { cellCaption, gridSummary, gridTemplate, initialGridState, progressText, reduceGrid, type GridState } from './state';

const vscode = getVsCodeApi<GridState, GridFromWebview>();
let state: GridState = vscode.getState() ?? initialGridState;

function save(next: GridState): void {
  state = next;
  vscode.setState(state);
}

function buildLayout(): void {
  replaceChildren(byId('app'), h('main', { class: 'view grid-view' },
    h('header', { class: 'view-header' },
      h('div', { class: 'title-block' },
        h('h1', {}, 'CAM grid'),
        h('div', { id: 'grid-summary', class: 'meta' })),
      h('div', { class: 'actions' },
        h('vscode-button', { id: 'export-png', 'aria-label': 'Export the grid as a PNG file', disabled: true }, 'Export PNG…'))),
    h('div', { id: 'error-message', class: 'error-box', role: 'alert', hidden: true }),
    h('div', { id: 'busy', class: 'busy-box', role: 'status', 'aria-live': 'polite', hidden: true },
      h('vscode-progress-ring', { 'aria-label': 'Working' }),
      h('div', { class: 'busy-text' }, h('span', { id: 'busy-message' }), h('span', { id: 'busy-progress', class: 'muted' })),
      h('div', { class: 'busy-bar' }, h('span', { id: 'busy-fill', class: 'busy-fill' }))),
    h('p', { id: 'exported', class: 'muted', role: 'status', hidden: true }),
    h('p', { id: 'empty-state', class: 'muted' }, 'Waiting for the grid…'),
    h('section', { id: 'grid-body', class: 'card grid-card', 'aria-label': 'CAM grid', hidden: true },
      h('div', { id: 'cam-grid', class: 'cam-grid', role: 'table', 'aria-label': 'Images (rows) explained by each run (columns)' }),
      h('p', { class: 'muted hint' },
        'Each cell: the overlay of the class the column\'s model predicts, its true class · the prediction and its probability; ',
        h('span', { class: 'wrong-text' }, '✗ and a red frame'), ': a wrong prediction. Click a cell to open its Grad-CAM view.'))));
  byId('export-png').addEventListener('click', () => { if (state.view && !state.busy) vscode.postMessage({ type: 'exportPng' }); });
}

function header(view: GridView, col: number): HTMLElement {
  const [first, ...rest] = view.columns[col].title;
  return h('div', { class: 'grid-header', role: 'columnheader', 'data-col': col, title: view.columns[col].runDir },
    h('div', { class: 'grid-header-title' }, first ?? ''), ...rest.map((line) => h('div', { class: 'grid-header-sub muted' }, line)));
}

function cell(view: GridView, row: number, col: number): HTMLElement {
  const c = view.cells[row][col];
  const caption = cellCaption(c);
  const kind = c.correct === false ? 'wrong' : c.correct === true ? 'right' : 'unknown';
  const el = h('figure', {
    class: `grid-cell ${kind}`, role: 'cell', 'data-row': row, 'data-col': col, 'data-correct': String(c.correct),
    'aria-label': `${view.rows[row].name}, ${view.columns[col].runId}: ${caption.label}`, title: `${caption.label}\nClick to open its Grad-CAM view`,
  },
  h('div', { class: 'grid-frame' }, h('img', { class: 'grid-overlay', src: c.overlayUri, alt: `CAM overlay of ${view.rows[row].name} by ${view.columns[col].runId}` })),
  h('figcaption', {},
    h('div', { class: 'grid-truth' }, caption.truth),
    h('div', { class: 'grid-prediction' }, caption.mark ? h('span', { class: `grid-mark ${kind}`, 'aria-hidden': 'true' }, caption.mark) : null, caption.prediction)));
  onActivate(el, () => vscode.postMessage({ type: 'openCell', row, col }));
  return el;
}

/** The grid last drawn: busy and error messages leave it alone. */
let drawnView: GridView | undefined;

function renderGrid(view: GridView): void {
  const grid = byId('cam-grid');
  grid.style.gridTemplateColumns = gridTemplate(view);
  // Rows are `display: contents` wrappers: the cells sit in the CSS grid, the table semantics stay whole.
  replaceChildren(grid,
    h('div', { class: 'grid-row', role: 'row' },
      h('div', { class: 'grid-corner', role: 'columnheader' }, h('span', { class: 'muted' }, 'image · true class')),
      view.columns.map((_, col) => header(view, col))),
    view.rows.map((r, row) => h('div', { class: 'grid-row', role: 'row', 'data-row': row },
      h('div', { class: 'grid-row-label', role: 'rowheader', title: r.image },
        h('div', { class: 'grid-row-name' }, r.name), h('div', { class: 'muted' }, `true ${r.trueLabel ?? '?'}`)),
      view.columns.map((_, col) => cell(view, row, col)))));
}

function render(): void {
  const v = state.view;
  renderPanelStatus({ body: 'grid-body', hasView: !!v, busy: state.busy, error: state.error, busyText: 'busy-message' });
  byId('busy-progress').textContent = progressText(state.progress);
  const p = state.progress;
  byId('busy-fill').style.width = p && p.total > 0 ? `${Math.min(100, (100 * p.done) / p.total).toFixed(1)}%` : '0%';
  byId('exported').hidden = !state.exported;
  byId('exported').textContent = state.exported ? `Saved ${state.exported}` : '';
  byId('export-png').toggleAttribute('disabled', !v || !!state.busy);
  byId('grid-summary').textContent = v ? gridSummary(v) : '';
  if (!v || v === drawnView) return;
  drawnView = v;
  renderGrid(v);
}

buildLayout();
onHostMessage<GridToWebview>((message) => {
  save(reduceGrid(state, message));
  render();
});
render();
vscode.postMessage({ type: 'ready' });
