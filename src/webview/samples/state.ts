/** The sample grid view's state (kept by vscode.setState), how host messages change it, and its view models. Pure. */
import type { GridProgress, SamplesToWebview, SamplesView } from '../../shared/webviewProtocol';
import type { SizeSummary } from '../../shared/samples';

export interface SamplesState {
  view?: SamplesView;
  /** While the host draws; the previous draw stays visible beneath it. */
  busy?: string;
  progress?: GridProgress;
  error?: string;
}

export const initialSamplesState: SamplesState = {};

export function reduceSamples(state: SamplesState, message: SamplesToWebview): SamplesState {
  switch (message.type) {
    case 'busy':
      return { ...state, busy: message.message || 'Drawing samples…', progress: message.progress, error: undefined };
    case 'result':
      return { view: message.view };
    case 'error':
      return { ...state, busy: undefined, progress: undefined, error: message.message || 'The samples could not be drawn.' };
    default:
      return state;
  }
}

/** "120 of 400 images"; '' without progress. */
export function progressText(p: GridProgress | undefined): string {
  if (!p || !(p.total > 0)) return '';
  return `${Math.min(p.done, p.total)} of ${p.total} images${p.message ? ` · ${p.message}` : ''}`;
}

/** "299–2048 × 256–2000 px, median 1024 × 1024". */
export function sizeText(s: SizeSummary): string {
  if (s.images === 0) return 'no readable image';
  const range = (lo: number, hi: number) => (lo === hi ? `${lo}` : `${lo}–${hi}`);
  return `${range(s.minWidth, s.maxWidth)} × ${range(s.minHeight, s.maxHeight)} px, median ${s.medianWidth} × ${s.medianHeight}`;
}

/** "3 classes · 6 per class · seed 42 · recommended preset". */
export function samplesSummary(v: SamplesView): string {
  return `${v.classes.length} class${v.classes.length === 1 ? '' : 'es'} · ${v.perClass} per class · seed ${v.seed} · ${v.preset} preset`;
}

export interface Bar { x: number; y: number; width: number; height: number; clipped: boolean }

/**
 * Bars of a histogram in a width × height box. The darkest and brightest bins (black borders, burned-in labels) can
 * dwarf the rest, so the scale follows the inner bins; a taller bar is cut at the top and marked `clipped`.
 */
export function histogramBars(bins: number[], width: number, height: number): Bar[] {
  const inner = bins.slice(1, -1);
  const max = Math.max(...(inner.length ? inner : bins), 1e-12) * 1.1;
  const w = width / Math.max(1, bins.length);
  return bins.map((b, i) => {
    const h = Math.min(1, b / max) * height;
    return { x: i * w, y: height - h, width: Math.max(0.5, w - 0.5), height: h, clipped: b > max };
  });
}
