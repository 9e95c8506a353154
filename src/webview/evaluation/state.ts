/** The evaluation view's state (kept by vscode.setState) and how host messages change it. Pure. */
import type { EvaluationToWebview, EvaluationView, SummaryRow } from '../../shared/webviewProtocol';
import type { MatrixMode, SummaryKey } from './matrixModel';

export interface EvaluationState {
  evaluation?: EvaluationView;
  summary: SummaryRow[];
  mode: MatrixMode;
  selected?: { row: number; col: number };
  sort: { key: SummaryKey; descending: boolean };
}

export const initialEvaluationState: EvaluationState = { summary: [], mode: 'counts', sort: { key: 'accuracy', descending: true } };

export function reduceEvaluation(state: EvaluationState, message: EvaluationToWebview): EvaluationState {
  switch (message.type) {
    case 'init': {
      const same = state.evaluation && state.evaluation.runDir === message.evaluation.runDir && state.evaluation.name === message.evaluation.name;
      const n = message.evaluation.classes.length;
      // Keep the selected cell when the same evaluation is re-sent (e.g. after a reload) and the cell still exists.
      const selected = same && state.selected && state.selected.row < n && state.selected.col < n ? state.selected : undefined;
      return { ...state, evaluation: message.evaluation, summary: message.summary, selected };
    }
    case 'summary':
      return { ...state, summary: message.summary };
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
