// Entry of the sample grid webview (Dataset view: Show Samples): per class, random images as the network sees them and
// the same images augmented by a training preset (what was drawn under each), the class's intensity histogram and its
// image sizes; a preset picker, images per class, Regenerate (a new draw); a thumbnail opens its image.
import '../../../media/webview.css';
import './samples.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { PresetName } from '../../shared/runFiles/augmentation';
import { MAX_SAMPLES_PER_CLASS } from '../../shared/samples';
import type { SamplesFromWebview, SamplesToWebview, SamplesView } from '../../shared/webviewProtocol';
import { byId, h, onActivate, renderPanelStatus, replaceChildren } from '../common/dom';
import { getVsCodeApi, onHostMessage } from '../common/vscodeApi';
import { histogramBars, initialSamplesState, progressText, reduceSamples, samplesSummary, sizeText, type SamplesState } from './state';

const vscode = getVsCodeApi<SamplesState, SamplesFromWebview>();
let state: SamplesState = vscode.getState() ?? initialSamplesState;
const SVG = 'http://www.w3.org/2000/svg';

function save(next: SamplesState): void {
  state = next;
  vscode.setState(state);
}

function buildLayout(): void {
  replaceChildren(byId('app'), h('main', { class: 'view samples-view' },
    h('header', { class: 'view-header' },
      h('div', { class: 'title-block' },
        h('h1', {}, 'Samples'),
        h('div', { id: 'samples-summary', class: 'meta' })),
      h('div', { class: 'samples-controls' },
        h('label', {}, h('span', {}, 'Preset'), h('vscode-single-select', { id: 'preset-picker', 'aria-label': 'Training preset whose augmentations to show' })),
        h('label', {}, h('span', {}, 'Per class'), h('vscode-single-select', { id: 'per-class-picker', 'aria-label': 'Images per class' },
          ...[3, 4, 6, 8, 12, MAX_SAMPLES_PER_CLASS].map((n) => h('vscode-option', { value: String(n) }, String(n))))),
        h('vscode-button', { id: 'regenerate', 'aria-label': 'Draw other images and augmentations', disabled: true }, 'Regenerate'))),
    h('div', { id: 'error-message', class: 'error-box', role: 'alert', hidden: true }),
    h('div', { id: 'busy', class: 'busy-box', role: 'status', 'aria-live': 'polite', hidden: true },
      h('vscode-progress-ring', { 'aria-label': 'Working' }),
      h('div', { class: 'busy-text' }, h('span', { id: 'busy-message' }), h('span', { id: 'busy-progress', class: 'muted' })),
      h('div', { class: 'busy-bar' }, h('span', { id: 'busy-fill', class: 'busy-fill' }))),
    h('p', { id: 'empty-state', class: 'muted' }, 'Drawing samples…'),
    h('section', { id: 'samples-body', class: 'samples-body', 'aria-label': 'Samples per class', hidden: true })));
  byId('regenerate').addEventListener('click', () => {
    if (!state.view || state.busy) return;
    const preset = (byId<HTMLSelectElement>('preset-picker').value || state.view.preset) as PresetName;
    const perClass = Number(byId<HTMLSelectElement>('per-class-picker').value) || state.view.perClass;
    vscode.postMessage({ type: 'regenerate', preset, perClass });
  });
}

function histogram(c: SamplesView['classes'][number]): HTMLElement {
  const W = 256, H = 120;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Intensity histogram of ${c.className}: mean ${c.histogram.mean.toFixed(0)}, standard deviation ${c.histogram.std.toFixed(0)}`);
  for (const b of histogramBars(c.histogram.bins, W, H)) {
    const r = document.createElementNS(SVG, 'rect');
    for (const [k, v] of Object.entries({ x: b.x, y: b.y, width: b.width, height: b.height })) r.setAttribute(k, v.toFixed(2));
    r.setAttribute('class', b.clipped ? 'bar clipped' : 'bar');
    svg.appendChild(r);
  }
  return h('div', { class: 'histogram', 'data-class': c.className },
    h('div', { class: 'muted' }, `Intensity, ${c.histogram.images} images: mean ${c.histogram.mean.toFixed(0)} ± ${c.histogram.std.toFixed(0)}`),
    svg,
    h('div', { class: 'axis' }, h('span', {}, '0 (black)'), h('span', {}, '255 (white)')));
}

function thumb(kind: 'original' | 'augmented', s: SamplesView['classes'][number]['samples'][number], caption?: string): HTMLElement {
  const el = h('figure', { class: `sample sample-${kind}`, 'data-rel': s.rel, title: `${s.rel} (${s.width} × ${s.height})${kind === 'augmented' ? `\naugmented: ${s.augmentation}` : ''}\nClick to open the image` },
    h('img', { src: kind === 'original' ? s.originalUri : s.augmentedUri, alt: `${s.rel}${kind === 'augmented' ? `, augmented: ${s.augmentation}` : ''}` }),
    caption ? h('figcaption', {}, caption) : null);
  onActivate(el, () => vscode.postMessage({ type: 'openImage', file: s.file }));
  return el;
}

function classCard(v: SamplesView, c: SamplesView['classes'][number]): HTMLElement {
  const rows = h('div', { class: 'samples-rows', style: `--per-class: ${Math.max(1, c.samples.length)}` },
    h('div', { class: 'row-label' }, 'original'),
    c.samples.map((s) => thumb('original', s)),
    h('div', { class: 'row-label' }, `${v.preset}`, h('br'), 'augmented'),
    c.samples.map((s) => thumb('augmented', s, s.augmentation)));
  return h('section', { class: 'card samples-class', 'data-class': c.className },
    h('h2', {}, c.className),
    h('div', { class: 'meta class-meta' }, `${c.images} image${c.images === 1 ? '' : 's'} · ${sizeText(c.size)}`),
    rows,
    histogram(c));
}

let drawnView: SamplesView | undefined;

function renderPickers(v: SamplesView): void {
  const preset = byId<HTMLSelectElement>('preset-picker');
  if (!preset.dataset.filled) {
    preset.dataset.filled = '1';
    preset.replaceChildren(...v.presets.map((p) => h('vscode-option', { value: p.name, description: p.description }, p.name)));
  }
  if (preset.value !== v.preset) preset.value = v.preset;
  const perClass = byId<HTMLSelectElement>('per-class-picker');
  if (perClass.value !== String(v.perClass)) perClass.value = String(v.perClass);
}

function render(): void {
  const v = state.view;
  renderPanelStatus({ body: 'samples-body', hasView: !!v, busy: state.busy, error: state.error, busyText: 'busy-message' });
  byId('busy-progress').textContent = progressText(state.progress);
  const p = state.progress;
  byId('busy-fill').style.width = p && p.total > 0 ? `${Math.min(100, (100 * p.done) / p.total).toFixed(1)}%` : '0%';
  byId('regenerate').toggleAttribute('disabled', !v || !!state.busy);
  byId('samples-summary').textContent = v ? `${v.root} · ${samplesSummary(v)}` : '';
  if (!v || v === drawnView) return;
  drawnView = v;
  renderPickers(v);
  replaceChildren(byId('samples-body'),
    v.classes.map((c) => classCard(v, c)),
    h('p', { class: 'muted hint' }, 'Top row of each class: the images as the network sees them (resized to a square). ',
      `Bottom row: the same images after the ${v.preset} preset's augmentation, with what was drawn for each. Regenerate draws other images and augmentations.`));
}

buildLayout();
onHostMessage<SamplesToWebview>((message) => {
  save(reduceSamples(state, message));
  render();
});
render();
vscode.postMessage({ type: 'ready' });
