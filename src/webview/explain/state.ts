/** The Grad-CAM view's state (kept by vscode.setState), how host messages change it, and its view models. Pure. */
import type { ExplainFromWebview, ExplainToWebview, ExplainView } from '../../shared/webviewProtocol';
import { argMax, finite, formatPercent } from '../../shared/format';

export interface ExplainState {
  view?: ExplainView;
  /** Message while the host computes a new heatmap; the previous result stays visible beneath it. */
  busy?: string;
  error?: string;
  opacity: number;
  showHeatmap: boolean;
}

export const DEFAULT_OPACITY = 0.5;
export const initialExplainState: ExplainState = { opacity: DEFAULT_OPACITY, showHeatmap: false };

export function reduceExplain(state: ExplainState, message: ExplainToWebview): ExplainState {
  switch (message.type) {
    case 'busy':
      return { ...state, busy: message.message || 'Computing…', error: undefined };
    case 'result':
      return { ...state, view: message.view, busy: undefined, error: undefined };
    case 'error':
      return { ...state, busy: undefined, error: message.message || 'Grad-CAM failed.' };
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
