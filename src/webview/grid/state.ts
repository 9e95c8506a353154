/** The CAM grid view's state (kept by vscode.setState), how host messages change it, and its view models. Pure. */
import type { GridProgress, GridToWebview, GridView } from '../../shared/webviewProtocol';

export interface GridState {
  view?: GridView;
  /** While the host computes a grid; the previous one stays visible beneath it. */
  busy?: string;
  progress?: GridProgress;
  error?: string;
  /** The file the last "Export PNG…" wrote. */
  exported?: string;
}

export const initialGridState: GridState = {};

export function reduceGrid(state: GridState, message: GridToWebview): GridState {
  switch (message.type) {
    case 'busy':
      return { ...state, busy: message.message || 'Computing the grid…', progress: message.progress, error: undefined };
    case 'result':
      return { view: message.view };
    case 'error':
      return { ...state, busy: undefined, progress: undefined, error: message.message || 'The grid failed.' };
    case 'exported':
      return { ...state, exported: message.file, error: undefined };
    default:
      return state;
  }
}

/** "5 of 12 maps · mnv2 · Grad-CAM: x.png"; '' without progress. */
export function progressText(p: GridProgress | undefined): string {
  if (!p || !(p.total > 0)) return '';
  return `${Math.min(p.done, p.total)} of ${p.total} maps${p.message ? ` · ${p.message}` : ''}`;
}

/** "4 images × 3 columns · 2 wrong predictions · 1 image with no known true class". */
export function gridSummary(view: GridView): string {
  const n = view.rows.length, m = view.columns.length;
  const wrong = view.cells.flat().filter((c) => c.correct === false).length;
  const unknown = view.rows.filter((r) => r.trueLabel === null).length;
  return [
    `${n} image${n === 1 ? '' : 's'} × ${m} column${m === 1 ? '' : 's'}`,
    `${wrong} wrong prediction${wrong === 1 ? '' : 's'}`,
    ...(unknown ? [`${unknown} image${unknown === 1 ? '' : 's'} with no known true class`] : []),
  ].join(' · ');
}

/** A cell's caption split for display: the true part, the prediction part, and the mark (✗ wrong, ✓ right, none unknown). */
export interface CellCaption { truth: string; prediction: string; mark: '✗' | '✓' | ''; label: string }

export function cellCaption(cell: GridView['cells'][number][number]): CellCaption {
  const cut = cell.caption.indexOf(' · ');
  const [truth, prediction] = cut < 0 ? ['', cell.caption] : [cell.caption.slice(0, cut), cell.caption.slice(cut + 3)];
  const mark = cell.correct === false ? '✗' : cell.correct === true ? '✓' : '';
  const verdict = cell.correct === false ? 'wrong' : cell.correct === true ? 'right' : 'true class unknown';
  return { truth, prediction, mark, label: `${cell.caption} (${verdict})` };
}

/** The column count for CSS: one label column, then one per grid column. */
export function gridTemplate(view: GridView): string {
  return `minmax(110px, max-content) repeat(${view.columns.length}, minmax(140px, 256px))`;
}
