// Entry of the shortcut-audit webview: the verdict, notes on what could not be measured, the per-class table (flagged
// shares marked), and the ranked gallery (most outside the lungs / most on borders and markers) whose tiles open Grad-CAM.
import '../../../media/webview.css';
import './audit.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { AuditFromWebview, AuditToWebview, AuditView } from '../../shared/webviewProtocol';
import { byId, h, onActivate, replaceChildren, renderPanelStatus } from '../common/dom';
import { getVsCodeApi, onHostMessage } from '../common/vscodeApi';
import {
  CLASS_COLUMNS, auditSubtitle, classRows, defaultRanking, galleryTiles, initialAuditState, masksLine, reduceAudit, thresholdsNote,
  type AuditState, type Ranking,
} from './state';

const vscode = getVsCodeApi<AuditState, AuditFromWebview>();
let state: AuditState = vscode.getState() ?? initialAuditState;

function save(next: AuditState): void {
  state = next;
  vscode.setState(state);
}

const RANKINGS: { id: Ranking; label: string }[] = [
  { id: 'outside-lungs', label: 'Most outside the lungs' },
  { id: 'border-markers', label: 'Most on borders and markers' },
];

function buildLayout(): void {
  replaceChildren(byId('app'), h('main', { class: 'view audit-view' },
    h('header', { class: 'view-header' },
      h('div', { class: 'title-block' },
        h('h1', { id: 'audit-title' }, 'Shortcut audit'),
        h('div', { id: 'audit-subtitle', class: 'meta' })),
      h('div', { class: 'actions' },
        h('vscode-button', { id: 'choose-masks', secondary: true, title: 'Audit again with lung masks from a folder that mirrors the class folders' }, 'Use lung masks…'),
        h('vscode-button', { id: 'rerun', secondary: true }, 'Audit again'))),
    h('div', { id: 'error-message', class: 'error-box', role: 'alert', hidden: true }),
    h('div', { id: 'busy', class: 'busy-box muted', role: 'status', 'aria-live': 'polite', hidden: true }),
    h('p', { id: 'empty-state', class: 'muted' }, 'Loading the audit…'),
    h('div', { id: 'audit-body', class: 'audit-body', hidden: true },
      h('section', { id: 'audit-verdict', class: 'verdict-box', role: 'status', 'aria-label': 'Verdict' },
        h('div', { class: 'verdict-title' }, h('span', { id: 'verdict-icon', class: 'verdict-icon', 'aria-hidden': 'true' }), h('span', { id: 'verdict-heading' })),
        h('p', { id: 'verdict-sentence', class: 'verdict-sentence' })),
      h('section', { class: 'card', 'aria-label': 'What was measured' },
        h('p', { id: 'masks-line', class: 'audit-line' }),
        h('ul', { id: 'audit-notes', class: 'audit-notes muted' })),
      h('section', { id: 'class-card', class: 'card', 'aria-label': 'Per class' },
        h('div', { class: 'section-header' }, h('h2', {}, 'Where the CAM mass lies, per class'),
          h('span', { class: 'muted' }, 'mean share of each image\'s CAM mass; classes by their true label')),
        h('div', { class: 'table-scroll' }, h('table', { id: 'audit-class-table', class: 'data-table' })),
        h('p', { id: 'thresholds-note', class: 'hint muted' })),
      h('section', { id: 'gallery-card', class: 'card', 'aria-label': 'Ranked gallery' },
        h('div', { class: 'section-header' }, h('h2', {}, 'Ranked gallery'),
          h('div', { id: 'ranking-picker', class: 'segmented', role: 'group', 'aria-label': 'Order the gallery by' })),
        h('p', { id: 'gallery-measure', class: 'hint' }),
        h('p', { class: 'hint muted legend' },
          h('span', { class: 'swatch lung' }), 'lung outline ', h('span', { class: 'swatch band' }), 'border band ', h('span', { class: 'swatch marker' }), 'markers found',
          ' · click an image to open its Grad-CAM'),
        h('p', { id: 'gallery-empty', class: 'muted', hidden: true }),
        h('ul', { id: 'audit-gallery', class: 'audit-gallery' })),
      h('section', { id: 'failed-card', class: 'card', 'aria-label': 'Failed images', hidden: true },
        h('h2', {}, 'Images that could not be audited'),
        h('ul', { id: 'failed-list', class: 'failed-list' })))));
  byId('choose-masks').addEventListener('click', () => { if (!state.busy) vscode.postMessage({ type: 'chooseMasks' }); });
  byId('rerun').addEventListener('click', () => { if (!state.busy) vscode.postMessage({ type: 'rerun' }); });
}

function renderClassTable(view: AuditView): void {
  const rows = classRows(view.audit);
  replaceChildren(byId('audit-class-table'),
    h('thead', {}, h('tr', {}, CLASS_COLUMNS.map((c, i) => h('th', { class: i === 0 ? '' : 'num', scope: 'col' }, c)))),
    h('tbody', {}, rows.filter((r) => !r.overall).map((r) => tableRow(r))),
    h('tfoot', {}, rows.filter((r) => r.overall).map((r) => tableRow(r))));
}

function tableRow(r: ReturnType<typeof classRows>[number]): HTMLTableRowElement {
  return h('tr', { 'data-class': r.className },
    h('th', { scope: 'row' }, r.className),
    r.cells.map((c) => h('td', { class: `num${c.flagged ? ' flagged' : ''}`, title: c.title, 'data-flagged': c.flagged ? 'true' : undefined }, c.text)));
}

function renderGallery(view: AuditView): void {
  const ranking = state.ranking ?? defaultRanking(view.audit);
  replaceChildren(byId('ranking-picker'), RANKINGS.map((r) => {
    const disabled = r.id === 'outside-lungs' && !view.audit.images.some((i) => i.lungs !== null);
    const b = h('vscode-button', {
      'data-ranking': r.id, secondary: r.id !== ranking, 'aria-pressed': String(r.id === ranking), disabled,
      title: disabled ? 'No image has a lung mask' : undefined,
    }, r.label);
    b.addEventListener('click', () => { if (!disabled) { save({ ...state, ranking: r.id }); renderGallery(view); } });
    return b;
  }));
  const tiles = galleryTiles(view, ranking);
  byId('gallery-measure').textContent = ranking === 'outside-lungs'
    ? 'Ranked by the share of each image\'s CAM mass outside its lung mask (images with a mask), highest first.'
    : 'Ranked by the share of each image\'s CAM mass on the border band or a marker region, highest first.';
  byId('gallery-empty').hidden = tiles.length > 0;
  byId('gallery-empty').textContent = 'No image to rank: every map is flat.';
  replaceChildren(byId('audit-gallery'), tiles.map((t) => {
    const li = h('li', { class: `audit-tile${t.wrong ? ' wrong' : ''}`, 'data-file': t.file, 'data-rank': t.rank, title: `${t.rel}${t.note ? `\n${t.note}` : ''}`,
      'aria-label': `${t.rank}. ${t.name}: ${t.headline} ${t.measure}; true ${t.trueClass}, predicted ${t.predicted} ${t.probability}` },
      h('div', { class: 'thumb' }, t.overlayUri ? h('img', { src: t.overlayUri, alt: `CAM of ${t.name} with lung outline, border band and markers`, loading: 'lazy' }) : null),
      h('div', { class: 'tile-caption' },
        h('div', { class: 'tile-head' }, h('span', { class: 'tile-rank' }, `#${t.rank}`), h('span', { class: 'tile-value', title: `${t.headline} of the CAM mass ${t.measure}` }, t.headline)),
        h('div', { class: 'tile-name' }, t.name),
        h('div', {}, `true ${t.trueClass}`),
        h('div', { class: t.wrong ? 'wrong-label' : '' }, `pred ${t.predicted} ${t.probability}`),
        h('div', { class: 'tile-shares muted' }, t.shares),
        h('div', { class: 'tile-shares muted' }, t.markers)));
    onActivate(li, () => vscode.postMessage({ type: 'explainImage', file: t.file }));
    return li;
  }));
}

let drawn: AuditView | undefined;

function render(): void {
  const v = state.view;
  renderPanelStatus({ body: 'audit-body', hasView: !!v, busy: state.busy, error: state.error });
  for (const id of ['choose-masks', 'rerun']) (byId(id) as HTMLElement & { disabled: boolean }).disabled = !!state.busy || !v;
  if (!v || v === drawn) return;
  drawn = v;
  const a = v.audit;
  byId('audit-title').textContent = `Shortcut audit · ${v.runId}`;
  byId('audit-subtitle').textContent = auditSubtitle(v);
  const verdict = byId('audit-verdict');
  verdict.dataset.flagged = String(a.verdict.flagged);
  byId('verdict-icon').textContent = a.verdict.flagged ? '⚠' : '✓';
  byId('verdict-heading').textContent = a.verdict.flagged ? 'Verdict: shortcut suspected' : 'Verdict: no threshold crossed';
  byId('verdict-sentence').textContent = a.verdict.sentence;
  byId('masks-line').textContent = masksLine(a);
  replaceChildren(byId('audit-notes'), a.notes.map((n) => h('li', {}, n)));
  renderClassTable(v);
  byId('thresholds-note').textContent = thresholdsNote(a);
  renderGallery(v);
  byId('failed-card').hidden = a.failed.length === 0;
  replaceChildren(byId('failed-list'), a.failed.map((f) => h('li', {}, h('span', { class: 'tile-name' }, f.rel), h('span', { class: 'muted' }, ` — ${f.error}`))));
}

buildLayout();
onHostMessage<AuditToWebview>((message) => {
  if (message.type === 'init') drawn = undefined;
  save(reduceAudit(state, message));
  render();
});
render();
vscode.postMessage({ type: 'ready' });
