// Entry of the Grad-CAM webview: a header with the image's true class, right or wrong, its split in the run and the
// probability; original image beside the overlay drawn here from the CAM's raw values (colormap, scale per map or shared
// by the classes, opacity following the heat) with its colour bar; class probabilities; class, target-layer and
// CAM-method pickers (with aug-smooth and eigen-smooth), the checkpoint used, the pin; busy and error states.
import '../../../media/webview.css';
import './explain.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { ExplainFromWebview, ExplainToWebview, ExplainView } from '../../shared/webviewProtocol';
import { byId, h, onActivate, replaceChildren, renderPanelStatus } from '../common/dom';
import { getVsCodeApi, onHostMessage } from '../common/vscodeApi';
import {
  camHeader, checkpointLabel, clampOpacity, colorbarModel, colormapOptions, methodChange, methodLabel, methodPicker, predictionSentence, probabilityBars,
  reduceExplain, restoreExplainState, scaleOptions, type ExplainState,
} from './state';
import { displayMap, heatmapRgba, isColormap } from '../../shared/camDisplay';
import type { CamRange } from '../../shared/runFiles/cam';

type Select = HTMLElement & { value: string; disabled: boolean };
type Checkbox = HTMLElement & { checked: boolean; disabled: boolean };

const vscode = getVsCodeApi<ExplainState, ExplainFromWebview>();
let state: ExplainState = restoreExplainState(vscode.getState());
/** Image URIs the browser could not decode (e.g. TIFF): the engine's pre-blended overlay is shown instead. */
const failedImages = new Set<string>();

function save(next: ExplainState): void {
  state = next;
  vscode.setState(state);
}

function buildLayout(): void {
  replaceChildren(byId('app'), h('main', { class: 'view explain-view' },
    h('header', { class: 'view-header' },
      h('div', { class: 'title-block' },
        h('h1', { id: 'image-name' }, 'Grad-CAM'),
        h('div', { id: 'prediction', class: 'meta' })),
      h('div', { class: 'checkpoint' },
        h('span', { class: 'muted' }, 'Checkpoint'),
        h('span', { id: 'checkpoint-label' }, '—'),
        h('vscode-button', { id: 'change-checkpoint', secondary: true, 'aria-label': 'Change checkpoint' }, 'Change…'),
        h('vscode-button', {
          id: 'pin', secondary: true, hidden: true, 'aria-pressed': 'false',
          title: 'Keep this view on this image: the next image explained opens in a new view',
        }, 'Pin'))),
    h('div', { id: 'cam-header', class: 'cam-header', role: 'status', 'aria-live': 'polite' }),
    h('div', { id: 'error-message', class: 'error-box', role: 'alert', hidden: true }),
    h('div', { id: 'busy', class: 'busy-box', role: 'status', 'aria-live': 'polite', hidden: true },
      h('vscode-progress-ring', { 'aria-label': 'Working' }), h('span', { id: 'busy-message' })),
    h('p', { id: 'empty-state', class: 'muted' }, 'Waiting for a Grad-CAM result…'),
    h('div', { id: 'explain-body', class: 'explain-body' },
      h('section', { class: 'images', 'aria-label': 'Images' },
        h('figure', { id: 'original-figure', class: 'card image-card' }, h('figcaption', {}, 'Original'),
          h('div', { class: 'image-frame' }, h('img', { id: 'original-image', alt: 'Original image' })),
          h('p', { id: 'original-note', class: 'muted', hidden: true })),
        h('figure', { id: 'overlay-figure', class: 'card image-card' }, h('figcaption', { id: 'overlay-caption' }, 'Grad-CAM overlay'),
          h('div', { id: 'overlay-stack', class: 'image-frame overlay-stack' },
            h('img', { id: 'overlay-base', alt: '' }),
            h('img', { id: 'overlay-image', alt: 'Grad-CAM heatmap over the image' })),
          h('div', { id: 'colorbar', class: 'colorbar', role: 'img', 'aria-label': 'Colour bar' },
            h('div', { class: 'colorbar-track' },
              h('div', { id: 'colorbar-bar', class: 'colorbar-bar' }),
              h('div', { id: 'colorbar-peak', class: 'colorbar-peak', hidden: true, title: "This map's peak on the shared scale" })),
            h('div', { id: 'colorbar-ticks', class: 'colorbar-ticks' }),
            h('p', { id: 'colorbar-legend', class: 'colorbar-legend muted' }))),
        h('figure', { id: 'heatmap-figure', class: 'card image-card', hidden: true }, h('figcaption', {}, 'Heatmap'),
          h('div', { class: 'image-frame' }, h('img', { id: 'heatmap-image', alt: 'Grad-CAM heatmap' })))),
      h('section', { class: 'controls card', 'aria-label': 'Controls' },
        h('label', { class: 'control' }, h('span', {}, 'Class'),
          h('vscode-single-select', { id: 'class-picker', 'aria-label': 'Class to explain' })),
        h('label', { class: 'control' }, h('span', {}, 'Target layer'),
          h('vscode-single-select', { id: 'layer-picker', 'aria-label': 'Target layer' })),
        h('label', { class: 'control' }, h('span', {}, 'Method'),
          h('vscode-single-select', { id: 'method-picker', 'aria-label': 'CAM method' })),
        h('vscode-checkbox', { id: 'aug-smooth', label: 'Aug-smooth (flips × scales)', title: "pytorch-grad-cam's aug_smooth: mean map over horizontal flips and input scales 0.9, 1, 1.1" }),
        h('vscode-checkbox', { id: 'eigen-smooth', label: 'Eigen-smooth', title: "pytorch-grad-cam's eigen_smooth: first principal component of the weighted activations" }),
        h('label', { class: 'control' }, h('span', {}, 'Scale'),
          h('vscode-single-select', { id: 'norm-mode', 'aria-label': 'Scale of the colours: per map, or shared across the classes of this image' },
            ...scaleOptions(undefined).options.map((o) => h('vscode-option', { value: o.value }, o.label)))),
        h('label', { class: 'control' }, h('span', {}, 'Colormap'),
          h('vscode-single-select', { id: 'colormap', 'aria-label': 'Colormap' },
            ...colormapOptions().map((o) => h('vscode-option', { value: o.value }, o.label)))),
        h('vscode-checkbox', { id: 'heat-alpha', label: 'Opacity follows the heat', title: 'Cold pixels show the X-ray as it is; off: one opacity everywhere (pytorch-grad-cam\'s show_cam_on_image)' }),
        h('label', { class: 'control slider' }, h('span', { id: 'opacity-label' }, 'Heatmap opacity'),
          h('input', { id: 'opacity-slider', type: 'range', min: 0, max: 1, step: 0.05, 'aria-label': 'Heatmap opacity' }),
          h('output', { id: 'opacity-value', for: 'opacity-slider', class: 'num' })),
        h('vscode-checkbox', { id: 'show-heatmap', label: 'Heatmap alone' })),
      h('section', { class: 'card', 'aria-label': 'Class probabilities' },
        h('h2', {}, 'Class probabilities'),
        h('ul', { id: 'probabilities', class: 'probabilities', 'aria-label': 'Class probabilities; click a class to explain it' })))));

  byId('change-checkpoint').addEventListener('click', () => vscode.postMessage({ type: 'changeCheckpoint' }));
  byId('pin').addEventListener('click', () => { if (state.pinned === false) vscode.postMessage({ type: 'pin' }); });
  byId('norm-mode').addEventListener('change', () => {
    const scale = byId<Select>('norm-mode').value;
    if (state.view && !state.busy && (scale === 'per-map' || scale === 'shared') && scale !== state.view.scaleMode) vscode.postMessage({ type: 'selectScale', scale });
  });
  byId('colormap').addEventListener('change', () => {
    const colormap = byId<Select>('colormap').value;
    if (!isColormap(colormap) || colormap === state.colormap) return;
    save({ ...state, colormap });
    vscode.postMessage({ type: 'setColormap', colormap });
    renderImages();
  });
  byId('heat-alpha').addEventListener('change', () => {
    save({ ...state, overlayMode: byId<Checkbox>('heat-alpha').checked ? 'heat' : 'uniform' });
    renderImages();
  });
  const slider = byId<HTMLInputElement>('opacity-slider');
  slider.addEventListener('input', () => { save({ ...state, opacity: clampOpacity(slider.value) }); renderOpacity(); renderColorbar(); });
  byId('show-heatmap').addEventListener('change', () => {
    save({ ...state, showHeatmap: byId<Checkbox>('show-heatmap').checked });
    byId('heatmap-figure').hidden = !state.showHeatmap;
  });
  byId('class-picker').addEventListener('change', () => selectClass(Number(byId<Select>('class-picker').value)));
  byId('layer-picker').addEventListener('change', () => {
    const layer = byId<Select>('layer-picker').value;
    if (state.view && layer && layer !== state.view.layer) vscode.postMessage({ type: 'selectLayer', layer });
  });
  const requestMethod = (change: Parameters<typeof methodChange>[1]) => {
    const message = state.busy ? undefined : methodChange(state.view, change);
    if (message) vscode.postMessage(message);
  };
  byId('method-picker').addEventListener('change', () => requestMethod({ method: byId<Select>('method-picker').value }));
  byId('aug-smooth').addEventListener('change', () => requestMethod({ augSmooth: byId<Checkbox>('aug-smooth').checked }));
  byId('eigen-smooth').addEventListener('change', () => requestMethod({ eigenSmooth: byId<Checkbox>('eigen-smooth').checked }));
  for (const id of ['original-image', 'overlay-base']) {
    const img = byId<HTMLImageElement>(id);
    img.addEventListener('error', () => { if (img.getAttribute('src')) { failedImages.add(img.getAttribute('src')!); renderImages(); } });
  }
}

function selectClass(classIndex: number): void {
  if (!state.view || !Number.isInteger(classIndex) || classIndex === state.view.classIndex || state.busy) return;
  vscode.postMessage({ type: 'selectClass', classIndex });
}

/** Replace a select's options, marking the current one (vscode-single-select reads them on slot change). */
function setOptions(select: Select, options: { value: string; label: string }[], value: string): void {
  select.replaceChildren(...options.map((o) => h('vscode-option', { value: o.value, selected: o.value === value }, o.label)));
  select.value = value;
}

function setSrc(img: HTMLImageElement, src: string): void {
  if (img.getAttribute('src') !== src) img.setAttribute('src', src);
}

function renderOpacity(): void {
  const slider = byId<HTMLInputElement>('opacity-slider');
  if (slider.value !== String(state.opacity)) slider.value = String(state.opacity);
  byId('opacity-value').textContent = `${Math.round(state.opacity * 100)}%`;
  byId('opacity-label').textContent = state.overlayMode === 'heat' ? 'Heatmap opacity at the peak' : 'Heatmap opacity';
  const overlay = byId('overlay-image');
  overlay.style.opacity = overlay.dataset.fallback ? '1' : String(state.opacity);
}

/** The map drawn from the CAM's raw values, as PNG data URLs: the overlay layer (alpha per the mode) and the heatmap alone. */
let drawn: { key: string; overlay: string; heatmap: string } | undefined;

function drawnMaps(): { overlay: string; heatmap: string } | undefined {
  const v = state.view;
  if (!v?.raw || !v.scale) return undefined;
  const key = `${v.heatmapUri}|${state.colormap}|${state.overlayMode}`;
  if (drawn?.key === key) return drawn;
  const range: CamRange | undefined = v.scale.mode === 'shared' ? { min: v.scale.min, max: v.scale.max } : undefined;
  const map = displayMap(v.raw, range);
  const toUrl = (rgba: Uint8ClampedArray) => {
    const canvas = document.createElement('canvas');
    canvas.width = map.width;
    canvas.height = map.height;
    canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(rgba), map.width, map.height), 0, 0);
    return canvas.toDataURL('image/png');
  };
  drawn = { key, overlay: toUrl(heatmapRgba(map.values, state.colormap, state.overlayMode)), heatmap: toUrl(heatmapRgba(map.values, state.colormap, 'uniform')) };
  return drawn;
}

function renderColorbar(): void {
  const v = state.view;
  byId('colorbar').hidden = !v?.scale;
  if (!v?.scale) return;
  const bar = colorbarModel(v, state.colormap, state.overlayMode, state.opacity);
  byId('colorbar-bar').style.backgroundImage = bar.gradient;
  const peak = byId('colorbar-peak');
  peak.hidden = bar.peak === undefined;
  if (bar.peak !== undefined) peak.style.left = `${(bar.peak * 100).toFixed(1)}%`;
  replaceChildren(byId('colorbar-ticks'), bar.ticks.map((t) => h('span', { class: 'colorbar-tick num', style: `left: ${t.at * 100}%` }, t.label)));
  byId('colorbar-legend').textContent = bar.legend;
  byId('colorbar').setAttribute('aria-label', `Colour bar, ${state.colormap}: ${bar.legend}`);
}

function renderImages(): void {
  const v = state.view;
  if (!v) return;
  const original = byId<HTMLImageElement>('original-image');
  const base = byId<HTMLImageElement>('overlay-base');
  const overlay = byId<HTMLImageElement>('overlay-image');
  const maps = drawnMaps();
  setSrc(original, v.image.uri);
  setSrc(byId<HTMLImageElement>('heatmap-image'), maps?.heatmap ?? v.heatmapUri);
  const undecodable = failedImages.has(v.image.uri);
  byId('original-note').hidden = !undecodable;
  byId('original-note').textContent = undecodable ? 'This image format cannot be shown here; the overlay below was blended by the engine.' : '';
  original.hidden = undecodable;
  base.hidden = undecodable;
  if (undecodable) {
    setSrc(overlay, v.overlayUri);
    overlay.dataset.fallback = 'true';
  } else {
    setSrc(base, v.image.uri);
    setSrc(overlay, maps?.overlay ?? v.heatmapUri);
    delete overlay.dataset.fallback;
  }
  byId<HTMLInputElement>('opacity-slider').disabled = undecodable;
  byId<Checkbox>('heat-alpha').checked = state.overlayMode === 'heat';
  byId<Checkbox>('heat-alpha').disabled = undecodable || !maps;
  const colormap = byId<Select>('colormap');
  if (colormap.value !== state.colormap) colormap.value = state.colormap;
  renderOpacity();
  renderColorbar();
}

function renderHeader(v: ExplainView): void {
  const head = camHeader(v);
  const el = byId('cam-header');
  el.setAttribute('aria-label', head.text);
  // Separators that the text (and the e2e) reads as " · "; the chips' gap shows them apart.
  const sep = () => h('span', { class: 'fact-sep', 'aria-hidden': 'true' }, ' · ');
  replaceChildren(el,
    h('span', { class: 'fact fact-true' }, head.trueClass), sep(),
    h('span', { class: `fact fact-verdict${head.verdict ? ` ${head.verdict}` : ''}` }, head.verdictText), sep(),
    h('span', { class: `fact fact-split${head.splitWarning ? ' warn' : ''}` }, head.split), sep(),
    h('span', { class: 'fact fact-prob' }, head.probability));
}

function renderPin(): void {
  const pin = byId('pin');
  pin.hidden = state.pinned === undefined;
  pin.textContent = state.pinned ? 'Pinned' : 'Pin';
  pin.setAttribute('aria-pressed', String(!!state.pinned));
  pin.toggleAttribute('disabled', !!state.pinned);
  pin.title = state.pinned ? 'This view stays on this image; explanations of other images open in another view'
    : 'Keep this view on this image: the next image explained opens in a new view';
}

function renderProbabilities(v: ExplainView): void {
  byId('probabilities').replaceChildren(...probabilityBars(v).map((b) => {
    const li = h('li', {
      class: `prob-row${b.chosen ? ' chosen' : ''}${b.predicted ? ' predicted' : ''}`, 'data-class-index': b.index,
      'aria-label': `${b.name}: ${b.text}${b.predicted ? ', predicted' : ''}${b.chosen ? ', explained' : ''}`,
      'aria-current': b.chosen ? 'true' : undefined,
    },
      h('span', { class: 'prob-name', title: b.name }, b.name, b.predicted ? h('span', { class: 'tag' }, 'predicted') : null),
      h('span', { class: 'prob-bar' }, h('span', { class: 'prob-fill', style: `width: ${(b.probability * 100).toFixed(1)}%` })),
      h('span', { class: 'prob-value num' }, b.text));
    onActivate(li, () => selectClass(b.index));
    return li;
  }));
}

/** The view last drawn into pickers and bars: busy/error messages leave them alone. */
let drawnView: ExplainView | undefined;

function render(): void {
  const v = state.view;
  renderPanelStatus({ body: 'explain-body', hasView: !!v, busy: state.busy, error: state.error, busyText: 'busy-message' });
  byId('heatmap-figure').hidden = !state.showHeatmap || !v;
  byId<Checkbox>('show-heatmap').checked = state.showHeatmap;
  for (const id of ['class-picker', 'layer-picker', 'method-picker', 'aug-smooth', 'eigen-smooth']) byId<Select>(id).disabled = !!state.busy;
  // The shared scale needs unscaled maps, which aug-smooth does not have.
  byId<Select>('norm-mode').disabled = !!state.busy || !!v?.augSmooth;
  renderOpacity();
  renderPin();
  if (!v || v === drawnView) return;
  drawnView = v;
  byId('image-name').textContent = v.image.name;
  byId('image-name').title = v.image.path;
  byId('prediction').textContent = predictionSentence(v);
  renderHeader(v);
  const scale = scaleOptions(v);
  const norm = byId<Select>('norm-mode');
  if (norm.value !== scale.value) norm.value = scale.value;
  norm.title = scale.sharedDisabled ?? 'Per map: each map stretched to its own range (pytorch-grad-cam). Shared: one range for the maps of every class of this image, so weak classes look weak.';
  byId('checkpoint-label').textContent = checkpointLabel(v.checkpoint);
  const bars = probabilityBars(v);
  setOptions(byId<Select>('class-picker'), bars.map((b) => ({ value: String(b.index), label: `${b.name} — ${b.text}` })), String(v.classIndex));
  setOptions(byId<Select>('layer-picker'), (v.layers.length ? v.layers : [v.layer]).map((l) => ({ value: l, label: l })), v.layer);
  const picker = methodPicker(v);
  setOptions(byId<Select>('method-picker'), picker.options, picker.value);
  byId<Checkbox>('aug-smooth').checked = picker.augSmooth;
  byId<Checkbox>('eigen-smooth').checked = picker.eigenSmooth;
  byId('overlay-caption').textContent = `${methodLabel(v)} overlay`;
  renderImages();
  renderProbabilities(v);
}

buildLayout();
onHostMessage<ExplainToWebview>((message) => {
  // After an error the pickers may show a choice the host never applied: redraw them from the last result.
  if (message.type === 'error') drawnView = undefined;
  save(reduceExplain(state, message));
  render();
});
render();
vscode.postMessage({ type: 'ready' });
