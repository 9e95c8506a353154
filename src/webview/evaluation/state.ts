/** The evaluation view's state (kept by vscode.setState) and how host messages change it. Pure. */
import type { EvaluationToWebview, EvaluationView, SummaryRow } from '../../shared/webviewProtocol';
import type { MatrixMode, SummaryKey } from './matrixModel';
import { DEFAULT_THRESHOLD, clampPositive, clampThreshold } from './operatingModel';
import { GALLERY_PAGE } from './lossModel';

export interface EvaluationState {
  evaluation?: EvaluationView;
  summary: SummaryRow[];
  mode: MatrixMode;
  selected?: { row: number; col: number };
  sort: { key: SummaryKey; descending: boolean };
  /** Binary view: the positive class and the threshold on its probability. */
  positive: number;
  threshold: number;
  /** Top-losses gallery: how many tiles are shown, and whether only misclassified images. */
  gallery: { count: number; onlyWrong: boolean };
  /** Webview URIs of thumbnails the host sent, by file path (for the evaluation on show). */
  imageUris: Record<string, string>;
}

export const initialEvaluationState: EvaluationState = {
  summary: [], mode: 'counts', sort: { key: 'accuracy', descending: true },
  positive: 0, threshold: DEFAULT_THRESHOLD, gallery: { count: GALLERY_PAGE, onlyWrong: false }, imageUris: {},
};

/** A state saved by an older version of the view lacks the newer fields: fill them in. */
export function restoreState(saved: Partial<EvaluationState> | undefined): EvaluationState {
  if (!saved) return initialEvaluationState;
  return {
    ...initialEvaluationState, ...saved,
    positive: typeof saved.positive === 'number' ? saved.positive : 0,
    threshold: clampThreshold(saved.threshold ?? DEFAULT_THRESHOLD),
    gallery: { ...initialEvaluationState.gallery, ...saved.gallery },
    imageUris: saved.imageUris ?? {},
  };
}

export function reduceEvaluation(state: EvaluationState, message: EvaluationToWebview): EvaluationState {
  switch (message.type) {
    case 'init': {
      const same = state.evaluation && state.evaluation.runDir === message.evaluation.runDir && state.evaluation.name === message.evaluation.name;
      const n = message.evaluation.classes.length;
      // Keep the selected cell, the binary view and the gallery when the same evaluation is re-sent (e.g. after a reload).
      const selected = same && state.selected && state.selected.row < n && state.selected.col < n ? state.selected : undefined;
      return {
        ...state, evaluation: message.evaluation, summary: message.summary, selected,
        positive: same ? clampPositive(message.evaluation, state.positive) : 0,
        threshold: same ? state.threshold : DEFAULT_THRESHOLD,
        gallery: same ? state.gallery : initialEvaluationState.gallery,
        imageUris: same ? state.imageUris : {},
      };
    }
    case 'summary':
      return { ...state, summary: message.summary };
    case 'images':
      return { ...state, imageUris: { ...state.imageUris, ...message.uris } };
    default:
      return state;
  }
}

/** Clicking a selected cell again clears the selection. */
export function toggleCell(state: EvaluationState, row: number, col: number): EvaluationState {
  const same = state.selected?.row === row && state.selected?.col === col;
  return { ...state, selected: same ? undefined : { row, col } };
}

/** Clicking the sorted column flips direction; another column sorts descending for scores, ascending for text. */
export function toggleSort(state: EvaluationState, key: SummaryKey): EvaluationState {
  const textual = key === 'runId' || key === 'arch' || key === 'name';
  const descending = state.sort.key === key ? !state.sort.descending : !textual;
  return { ...state, sort: { key, descending } };
}

export function setPositive(state: EvaluationState, positive: number): EvaluationState {
  return state.evaluation ? { ...state, positive: clampPositive(state.evaluation, positive) } : state;
}

export function setThreshold(state: EvaluationState, threshold: number): EvaluationState {
  return { ...state, threshold: clampThreshold(threshold) };
}

/** "Show more": one more page of tiles. */
export function showMoreLosses(state: EvaluationState, pageSize: number): EvaluationState {
  return { ...state, gallery: { ...state.gallery, count: state.gallery.count + pageSize } };
}

export function setOnlyWrong(state: EvaluationState, onlyWrong: boolean): EvaluationState {
  return { ...state, gallery: { count: initialEvaluationState.gallery.count, onlyWrong } };
}
