/** The compare view's state (kept by vscode.setState), how host messages change it, and its view models. Pure. */
import {
  formatDifference, formatMeanSd, formatMsPerImage, formatParams, formatValueWithInterval, type ComparisonRow, type CrossValidationSummary, type PairedTest,
  type ValueWithInterval,
} from '../../shared/compare';
import { formatDuration, formatInterval, formatPercent } from '../../shared/format';
import type { CompareExport, CompareGridView, CompareToWebview, CompareView, GridProgress } from '../../shared/webviewProtocol';

export interface CompareState {
  view?: CompareView;
  busy?: string;
  progress?: GridProgress;
  error?: string;
  grid?: CompareGridView;
  gridBusy?: string;
  gridProgress?: GridProgress;
  gridNote?: string;
  export?: CompareExport;
}

export const initialCompareState: CompareState = {};

export function reduceCompare(state: CompareState, m: CompareToWebview): CompareState {
  switch (m.type) {
    case 'busy': return { ...state, busy: m.message || 'Comparing…', progress: m.progress, error: undefined };
    case 'result': return { view: m.view, ...(state.export ? { export: state.export } : {}) };
    case 'grid': return { ...state, grid: m.grid ?? (m.busy ? state.grid : undefined), gridBusy: m.busy, gridProgress: m.progress, gridNote: m.note };
    case 'export': return { ...state, export: m.export };
    case 'error': return { ...state, busy: undefined, progress: undefined, error: m.message || 'The comparison failed.' };
    default: return state;
  }
}

/** "3 of 12 · evaluate · r1 (1/4)"; '' without progress. */
export function progressText(p: GridProgress | undefined): string {
  if (!p || !(p.total > 0)) return '';
  return `${Math.min(p.done, p.total)} of ${p.total}${p.message ? ` · ${p.message}` : ''}`;
}

const pctIv = (v: ValueWithInterval) => (v.value === null ? 'n/a' : formatPercent(v.value));
const pctSub = (v: ValueWithInterval) => formatInterval(v.interval, true);
const metric = (v: ValueWithInterval) => formatValueWithInterval({ value: v.value, interval: null });
const metricSub = (v: ValueWithInterval) => (v.interval ? formatValueWithInterval(v).replace(/^[^(]*\(|\)$/g, '') : '');

/** One cell of the table: the value and, under it, its interval. */
export interface Cell { text: string; sub?: string }

/** The reference study's table, one row per run: what #compare-table shows. */
export function tableRows(view: CompareView): { row: ComparisonRow; best: boolean; cells: Record<string, Cell> }[] {
  return view.comparison.rows.map((r) => {
    const best = r.runId === view.comparison.best && view.comparison.rows.length > 1;
    const sub = [r.runId !== r.label ? r.runId : '', best ? '★ highest macro-F1' : ''].filter(Boolean).join(' · ');
    return { row: r, best, cells: {
      model: { text: r.label, ...(sub ? { sub } : {}) },
      accuracy: { text: pctIv(r.accuracy), sub: pctSub(r.accuracy) },
      macroF1: { text: metric(r.macroF1), sub: metricSub(r.macroF1) },
      macroAuc: { text: metric(r.macroAuc), sub: metricSub(r.macroAuc) },
      params: { text: formatParams(r.params) },
      training: { text: formatDuration(r.trainingSeconds), sub: `${r.epochs} epoch${r.epochs === 1 ? '' : 's'}` },
      inference: { text: formatMsPerImage(r.inferenceMsPerImage), sub: r.inferenceMsPerImage === null ? 'evaluate again to time' : 'per image' },
      backend: { text: r.backend, sub: r.inferenceBackend ? `timed on ${r.inferenceBackend}` : undefined },
      checkpoint: { text: `${r.checkpoint.which}, epoch ${r.checkpoint.epoch}` },
    } };
  });
}

/** The per-class table: one row per run × class. */
export function classRows(view: CompareView): { label: string; className: string; precision: string; recall: string; f1: Cell; auc: Cell; support: string }[] {
  return view.comparison.rows.flatMap((r) => r.perClass.map((c) => ({
    label: r.label, className: c.className, precision: c.present ? formatPercent(c.precision) : 'n/a', recall: c.present ? formatPercent(c.recall) : 'n/a',
    f1: { text: metric(c.f1), sub: metricSub(c.f1) }, auc: { text: metric(c.auc), sub: metricSub(c.auc) }, support: String(c.support),
  })));
}

/** The paired tests' table: A vs B, images, b, c, p, the differences. */
export function pairRows(pairs: readonly PairedTest[]): Record<string, string>[] {
  return pairs.map((p) => ({
    pair: `${p.labelA} vs ${p.labelB}`, images: `${p.images}${p.unmatched ? ` (+${p.unmatched} unmatched)` : ''}`, b: String(p.mcnemar.b), c: String(p.mcnemar.c),
    p: p.mcnemar.p === 0 ? '0' : p.mcnemar.p < 1e-4 ? p.mcnemar.p.toExponential(2) : p.mcnemar.p.toPrecision(3),
    f1: formatDifference(p.macroF1), auc: formatDifference(p.macroAuc), verdict: p.verdict,
  }));
}

/** "4 runs · sweep … · test split, 180 images · 2 not compared". */
export function summaryLine(view: CompareView): string {
  const c = view.comparison;
  const images = c.rows[0]?.images;
  return [
    `${c.rows.length} run${c.rows.length === 1 ? '' : 's'}`,
    ...(c.sweep ? [`sweep ${c.sweep.id}`] : []),
    ...(c.crossValidation ? [`${Math.max(...c.crossValidation.groups.map((g) => g.folds))}-fold cross-validation`] : images !== undefined ? [`test split, ${images} images`] : []),
    ...(c.dataset.root ? [c.dataset.root] : []),
    ...(c.excluded.length ? [`${c.excluded.length} not compared`] : []),
  ].join(' · ');
}

/** The curves for uPlot: x = epochs 1..max, one y series per run (null past its last epoch). */
export function curveData(view: CompareView, pick: 'valLoss' | 'valAcc'): { x: number[]; ys: (number | null)[][]; xRange: [number, number] } {
  const max = Math.max(1, ...view.curves.map((c) => c[pick].length));
  const x = Array.from({ length: max }, (_, i) => i + 1);
  return { x, ys: view.curves.map((c) => x.map((_, i) => c[pick][i] ?? null)), xRange: [1, Math.max(2, max)] };
}

/** The cross-validation card's tables: mean ± sd over the folds, pooled out-of-fold (value and interval), per class, pooled pairs. */
export function crossValidationRows(cv: CrossValidationSummary): {
  folds: { id: string; label: string; folds: string; accuracy: string; macroF1: string; macroAuc: string }[];
  pooled: { id: string; label: string; best: boolean; images: Cell; accuracy: Cell; macroF1: Cell; macroAuc: Cell }[];
  perClass: { label: string; className: string; f1Folds: string; aucFolds: string; f1Pooled: Cell; aucPooled: Cell }[];
  pairs: Record<string, string>[];
} {
  const na: Cell = { text: 'n/a' };
  return {
    folds: cv.groups.map((g) => ({
      id: g.id, label: g.label, folds: `${g.runs.length} of ${g.folds}`, accuracy: formatMeanSd(g.accuracy, true), macroF1: formatMeanSd(g.macroF1), macroAuc: formatMeanSd(g.macroAuc),
    })),
    pooled: cv.groups.map((g) => {
      const p = g.pooled;
      return {
        id: g.id, label: g.label, best: g.id === cv.best && cv.groups.length > 1,
        images: p ? { text: String(p.images), ...(p.patients ? { sub: `${p.patients} patients` } : {}) } : na,
        accuracy: p ? { text: pctIv(p.accuracy), sub: pctSub(p.accuracy) } : na,
        macroF1: p ? { text: metric(p.macroF1), sub: metricSub(p.macroF1) } : na,
        macroAuc: p ? { text: metric(p.macroAuc), sub: metricSub(p.macroAuc) } : na,
      };
    }),
    perClass: cv.groups.flatMap((g) => g.perClass.map((c, i) => {
      const p = g.pooled?.perClass[i];
      return {
        label: g.label, className: c.className, f1Folds: formatMeanSd(c.f1), aucFolds: formatMeanSd(c.auc),
        f1Pooled: p ? { text: metric(p.f1), sub: metricSub(p.f1) } : na, aucPooled: p ? { text: metric(p.auc), sub: metricSub(p.auc) } : na,
      };
    })),
    pairs: pairRows(cv.pairs),
  };
}
