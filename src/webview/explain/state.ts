/** The Grad-CAM view's state (kept by vscode.setState), how host messages change it, and its view models. Pure. */
import type { ExplainFromWebview, ExplainToWebview, ExplainView } from '../../shared/webviewProtocol';
import { argMax, finite, formatMetric, formatPercent } from '../../shared/format';
import { COLORMAP_LABELS, COLORMAPS, DEFAULT_COLORMAP, colormapColor, isColormap, peakOnScale, type ColormapName, type OverlayMode } from '../../shared/camDisplay';

export interface ExplainState {
  view?: ExplainView;
  /** Message while the host computes a new heatmap; the previous result stays visible beneath it. */
  busy?: string;
  error?: string;
  opacity: number;
  showHeatmap: boolean;
  /** How the page draws the map: colours, and whether each pixel's opacity follows its heat. */
  colormap: ColormapName;
  overlayMode: OverlayMode;
  /** The reusable view (false) or one pinned to its image (true); undefined: no pin (the custom editor). */
  pinned?: boolean;
}

/** The heatmap's opacity: at the peak when it follows the heat; everywhere otherwise (show_cam_on_image's 1 − image_weight). */
export const DEFAULT_OPACITY = 0.5;
export const initialExplainState: ExplainState = { opacity: DEFAULT_OPACITY, showHeatmap: false, colormap: DEFAULT_COLORMAP, overlayMode: 'heat' };

/** A state saved by an older version of the page lacks the newer fields: fill them in. */
export function restoreExplainState(saved: Partial<ExplainState> | undefined): ExplainState {
  if (!saved) return initialExplainState;
  return {
    ...initialExplainState, ...saved,
    colormap: isColormap(saved.colormap) ? saved.colormap : DEFAULT_COLORMAP,
    overlayMode: saved.overlayMode === 'uniform' ? 'uniform' : 'heat',
  };
}

export function reduceExplain(state: ExplainState, message: ExplainToWebview): ExplainState {
  switch (message.type) {
    case 'busy':
      return { ...state, busy: message.message || 'Computing…', error: undefined };
    case 'result':
      return { ...state, view: message.view, busy: undefined, error: undefined };
    case 'error':
      return { ...state, busy: undefined, error: message.message || 'Grad-CAM failed.' };
    case 'pin':
      return { ...state, pinned: message.pinned };
    default:
      return state;
  }
}

/** Slider values arrive as strings; anything unusable falls back to the default. */
export function clampOpacity(value: unknown): number {
  const v = finite(typeof value === 'string' ? parseFloat(value) : value);
  return v === null ? DEFAULT_OPACITY : Math.min(1, Math.max(0, v));
}

export interface ProbabilityBar { index: number; name: string; probability: number; text: string; chosen: boolean; predicted: boolean }

/** One bar per class in class order; `chosen` is the class the heatmap explains, `predicted` the model's top class. */
export function probabilityBars(view: ExplainView): ProbabilityBar[] {
  const top = argMax(view.probabilities);
  return view.classes.map((name, index) => {
    const p = finite(view.probabilities[index]) ?? 0;
    return { index, name, probability: Math.min(1, Math.max(0, p)), text: formatPercent(p), chosen: index === view.classIndex, predicted: index === top };
  });
}

export function checkpointLabel(c: ExplainView['checkpoint']): string {
  return `${c.runId} · ${c.arch} · ${c.which} checkpoint${c.epoch !== undefined ? ` (epoch ${c.epoch})` : ''}`;
}

/** The sentence above the images: what the model predicted, and which class the heatmap explains. */
export function predictionSentence(view: ExplainView): string {
  const top = argMax(view.probabilities);
  const predicted = top >= 0 ? `Predicted ${view.classes[top] ?? top} (${formatPercent(view.probabilities[top])})` : 'No prediction';
  const chosen = view.classIndex === top ? 'explaining the predicted class' : `explaining ${view.classes[view.classIndex] ?? view.classIndex}`;
  return `${predicted} — ${chosen} at layer ${view.layer}`;
}

/** The method picker and the two smoothing checkboxes, from the view: every method the engine offers, the current one marked. */
export interface MethodPicker { options: { value: string; label: string }[]; value: string; augSmooth: boolean; eigenSmooth: boolean }

export function methodPicker(view: ExplainView): MethodPicker {
  const options = view.methods.map((m) => ({ value: m.id, label: m.label }));
  if (!options.some((o) => o.value === view.method)) options.push({ value: view.method, label: view.method });
  return { options, value: view.method, augSmooth: view.augSmooth, eigenSmooth: view.eigenSmooth };
}

/** The request a change of the picker or a checkbox makes: undefined when nothing changed (or no view yet). */
export function methodChange(view: ExplainView | undefined, change: { method?: string; augSmooth?: boolean; eigenSmooth?: boolean }): ExplainFromWebview | undefined {
  if (!view) return undefined;
  const next = { method: change.method || view.method, augSmooth: change.augSmooth ?? view.augSmooth, eigenSmooth: change.eigenSmooth ?? view.eigenSmooth };
  if (next.method === view.method && next.augSmooth === view.augSmooth && next.eigenSmooth === view.eigenSmooth) return undefined;
  return { type: 'selectMethod', ...next };
}

/** "Grad-CAM++", "Score-CAM · aug-smooth · eigen-smooth": the map's method for captions. */
export function methodLabel(view: ExplainView): string {
  const name = view.methods.find((m) => m.id === view.method)?.label ?? view.method;
  return [name, ...(view.augSmooth ? ['aug-smooth'] : []), ...(view.eigenSmooth ? ['eigen-smooth'] : [])].join(' · ');
}

const SPLIT_WORDS = { test: 'test split', val: 'validation split', train: 'training split' } as const;

/** The header's facts: true class, right or wrong, the split of the explaining run, the probability. */
export interface CamHeader {
  trueClass: string;
  /** undefined: the true class is unknown, so neither. */
  verdict?: 'correct' | 'wrong';
  verdictText: string;
  split: string;
  /** A training image (the model learned from it) or one the header cannot place: said with a warning. */
  splitWarning: boolean;
  probability: string;
  /** All of it in one line (the header's text, and its accessible name). */
  text: string;
}

export function camHeader(view: ExplainView): CamHeader {
  const top = argMax(view.probabilities);
  const predicted = view.classes[top] ?? String(top);
  const facts = view.facts;
  const known = facts?.trueClass && view.classes.includes(facts.trueClass) ? facts.trueClass : undefined;
  const trueClass = known ? `True class ${known}` : facts?.trueClass ? `True class ${facts.trueClass} (not a class of this model)` : 'True class unknown (the image is in no class folder)';
  const verdict = known ? (known === predicted ? 'correct' : 'wrong') : undefined;
  const verdictText = verdict === 'correct' ? `✓ correct: predicted ${predicted}` : verdict === 'wrong' ? `✗ wrong: predicted ${predicted}` : `predicted ${predicted}`;
  const where = facts?.split;
  const split = where === 'train' ? `${SPLIT_WORDS.train} of this run — the model learned from this image, so its map says little about new ones`
    : where === 'val' || where === 'test' ? `${SPLIT_WORDS[where]} of this run`
      : where === 'outside' ? 'not in this run\'s dataset'
        : where === 'unsplit' ? 'in the dataset, but not in this run\'s split'
          : 'split unknown';
  const explained = view.classes[view.classIndex] ?? String(view.classIndex);
  const probability = view.classIndex === top
    ? `p(${predicted}) = ${formatPercent(view.probabilities[top])}`
    : `p(${predicted}) = ${formatPercent(view.probabilities[top])}; explaining ${explained}, p = ${formatPercent(view.probabilities[view.classIndex])}`;
  return {
    trueClass, verdict, verdictText, split, splitWarning: where === 'train' || where === undefined || where === 'unsplit', probability,
    text: [trueClass, verdictText, split, probability].join(' · '),
  };
}

/** The scale controls: the two modes, and whether the shared one is offered (aug-smooth scales each augmented map). */
export function scaleOptions(view: ExplainView | undefined): { options: { value: string; label: string }[]; value: string; sharedDisabled?: string } {
  return {
    options: [{ value: 'per-map', label: 'Per map (pytorch-grad-cam)' }, { value: 'shared', label: 'Shared across classes' }],
    value: view?.scaleMode ?? 'per-map',
    ...(view?.augSmooth ? { sharedDisabled: 'Aug-smooth scales each augmented map before averaging: the shared scale needs unscaled maps.' } : {}),
  };
}

export const colormapOptions = (): { value: ColormapName; label: string }[] => COLORMAPS.map((c) => ({ value: c, label: COLORMAP_LABELS[c] }));

/** The colour bar: its CSS gradient, ticks, where this map's peak lies, and the legend that says the scale. */
export interface Colorbar {
  gradient: string;
  ticks: { at: number; label: string }[];
  /** This map's peak on the scale (shared: below 1 for a weaker class); undefined per-map (always 1). */
  peak?: number;
  legend: string;
}

const COLORBAR_STOPS = 16;

export function colorbarModel(view: ExplainView, colormap: ColormapName, overlayMode: OverlayMode, opacity: number): Colorbar {
  const stops = Array.from({ length: COLORBAR_STOPS + 1 }, (_, i) => {
    const v = i / COLORBAR_STOPS;
    const [r, g, b] = colormapColor(colormap, v);
    return `rgb(${r}, ${g}, ${b}) ${(v * 100).toFixed(1)}%`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((at) => ({ at, label: at === 0 ? '0' : at === 1 ? '1' : String(at) }));
  const scale = view.scale;
  const raw = scale ? ` Raw ${methodName(view)} values ${formatRaw(scale.min)} – ${formatRaw(scale.max)} are drawn as 0 – 1.` : '';
  const explained = view.classes[view.classIndex] ?? String(view.classIndex);
  const pct = Math.round(Math.min(1, Math.max(0, opacity)) * 100);
  const blend = overlayMode === 'heat'
    ? ` Opacity follows the heat: 0 is transparent (the X-ray as it is), 1 is drawn at ${pct} %.`
    : ` One opacity everywhere (${pct} %), as pytorch-grad-cam's show_cam_on_image blends.`;
  if (scale?.mode === 'shared') {
    const strongest = scale.classes ? scale.classes.findIndex((r) => r.max === scale.max) : -1;
    const peak = peakOnScale(scale, view.classIndex);
    return {
      gradient: `linear-gradient(to right, ${stops.join(', ')})`, ticks, ...(peak !== undefined ? { peak } : {}),
      legend: `Scale shared by the ${view.classes.length} classes of this image: 1 is the strongest map${strongest >= 0 ? ` (${view.classes[strongest]}'s)` : ''}`
        + `${peak !== undefined ? `; ${explained}'s map peaks at ${formatMetric(peak, 2)}` : ''}, so a weak class looks weak.${raw}${blend}`,
    };
  }
  return {
    gradient: `linear-gradient(to right, ${stops.join(', ')})`, ticks,
    legend: `Per-map scale (pytorch-grad-cam's): 0 is this map's lowest value and 1 its peak, whatever the class's probability.${raw}${blend}`,
  };
}

function methodName(view: ExplainView): string {
  return view.methods.find((m) => m.id === view.method)?.label ?? view.method;
}

/** Raw CAM values span many magnitudes: 3 significant digits. */
function formatRaw(v: number): string {
  if (v === 0) return '0';
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? String(Number(v.toPrecision(3))) : v.toExponential(2);
}
