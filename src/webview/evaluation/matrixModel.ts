/**
 * What the confusion-matrix heatmap and the metric tables show, computed from an EvaluationView.
 * Rows are true classes, columns predicted classes. Pure: tested under node.
 */
import type { EvaluationView, PredictionRow, SummaryRow } from '../../shared/webviewProtocol';
import { NOT_PRESENT_NOTE, finite, formatInterval, formatMetric, formatPercent } from '../../shared/format';
import type { Interval } from '../../shared/runFiles';
import { metricValue as evalMetricValue } from './metricValue';

export type MatrixMode = 'counts' | 'percent';

export function rowTotals(confusion: readonly number[][]): number[] {
  return confusion.map((row) => row.reduce((s, v) => s + v, 0));
}

export function columnTotals(confusion: readonly number[][]): number[] {
  const n = confusion.reduce((m, row) => Math.max(m, row.length), 0);
  return Array.from({ length: n }, (_, c) => confusion.reduce((s, row) => s + (row[c] ?? 0), 0));
}

/** Each row divided by its total (a row with no images stays all zero). */
export function rowNormalised(confusion: readonly number[][]): number[][] {
  const totals = rowTotals(confusion);
  return confusion.map((row, r) => row.map((v) => (totals[r] > 0 ? v / totals[r] : 0)));
}

export interface CellModel {
  row: number;
  col: number;
  count: number;
  /** Share of the true class's images that landed here. */
  fraction: number;
  text: string;
  /** 0..1: how strongly to shade the cell. */
  shade: number;
  diagonal: boolean;
  label: string;
}

/** The cells row by row; shading by count relative to the largest cell, or by the row-normalised share. */
export function matrixCells(confusion: readonly number[][], classes: readonly string[], mode: MatrixMode): CellModel[][] {
  const normalised = rowNormalised(confusion);
  const max = confusion.reduce((m, row) => Math.max(m, ...row), 0);
  const name = (i: number) => classes[i] ?? `class ${i}`;
  return confusion.map((row, r) => row.map((count, c) => {
    const fraction = normalised[r][c];
    return {
      row: r, col: c, count, fraction, diagonal: r === c,
      text: mode === 'counts' ? String(count) : formatPercent(fraction, 1),
      shade: mode === 'counts' ? (max > 0 ? count / max : 0) : fraction,
      label: `True ${name(r)}, predicted ${name(c)}: ${count} image${count === 1 ? '' : 's'} (${formatPercent(fraction, 1)} of ${name(r)})`,
    };
  }));
}

/** Cell fill opacity: empty cells stay clear, any non-empty cell is visibly tinted. */
export function shadeAlpha(shade: number): number {
  const s = finite(shade) ?? 0;
  if (s <= 0) return 0;
  return Math.min(0.9, 0.08 + 0.82 * Math.min(1, s));
}

export function confidence(p: PredictionRow): number {
  return finite(p.probabilities[p.predicted]) ?? 0;
}

/** The images behind a cell: label = row, predicted = col, most confident first (then by path). */
export function predictionsForCell(predictions: readonly PredictionRow[], row: number, col: number): PredictionRow[] {
  return predictions
    .filter((p) => p.label === row && p.predicted === col)
    .sort((a, b) => confidence(b) - confidence(a) || a.rel.localeCompare(b.rel));
}

export type MetricRowKind = 'class' | 'macro' | 'weighted' | 'accuracy';
export type IntervalKey = 'precision' | 'recall' | 'f1' | 'auc' | 'ap' | 'accuracy';
/**
 * `na`: a class with no image in the evaluated set that was never predicted (left out of the averages).
 * auc/ap: null when n/a (`aucReason` says why), undefined when the file has none (older files). ci: 95 % intervals.
 */
export interface MetricRow {
  kind: MetricRowKind; name: string; accuracy?: number; precision?: number; recall?: number; f1?: number; support: number; na?: boolean;
  auc?: number | null; aucReason?: string; ap?: number | null; ci?: Partial<Record<IntervalKey, Interval | null>>;
}

/**
 * Per-class rows, then macro and weighted averages and the overall accuracy, as in a classification report, with
 * AUC, average precision and the bootstrap intervals where the file has them; `naNote` (for under the table) when a
 * class is n/a, `aucNotes` for each class without an AUC.
 */
export function metricRows(view: EvaluationView): { classes: MetricRow[]; summary: MetricRow[]; naNote?: string; aucNotes: string[] } {
  const roc = evalMetricValue(view.metrics, 'rocAuc');
  const ap = evalMetricValue(view.metrics, 'averagePrecision');
  const iv = view.intervals;
  const classes = view.perClass.map((m, k): MetricRow => {
    const r = roc?.perClass.find((c) => c.className === m.className);
    const a = ap?.perClass.find((c) => c.className === m.className);
    const civ = iv?.perClass.find((c) => c.className === m.className) ?? iv?.perClass[k];
    return {
      kind: 'class', name: m.className, accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1, support: m.support,
      ...(m.present === false ? { na: true } : {}),
      ...(roc ? { auc: r?.auc ?? null, ...(r?.reason ? { aucReason: r.reason } : {}) } : {}),
      ...(ap ? { ap: a?.ap ?? null } : {}),
      ...(iv ? { ci: { precision: civ?.precision, recall: civ?.recall, f1: civ?.f1, auc: iv.metrics.rocAuc?.[m.className], ap: iv.metrics.averagePrecision?.[m.className] } } : {}),
    };
  });
  const aucNotes = roc ? roc.perClass.filter((c) => c.auc === null).map((c) => `AUC of ${c.className} n/a${c.reason ? `: ${c.reason}` : ''}; left out of the macro AUC`) : [];
  return {
    classes,
    ...(classes.some((r) => r.na) ? { naNote: NOT_PRESENT_NOTE } : {}),
    aucNotes,
    summary: [
      {
        kind: 'macro', name: 'macro avg', ...view.macro, support: view.total,
        ...(roc ? { auc: roc.macro } : {}), ...(ap ? { ap: ap.macro } : {}),
        ...(iv ? { ci: { f1: iv.macroF1, auc: iv.metrics.rocAuc?.macro, ap: iv.metrics.averagePrecision?.macro } } : {}),
      },
      { kind: 'weighted', name: 'weighted avg', ...view.weighted, support: view.total, ...(roc ? { auc: roc.weighted } : {}), ...(ap ? { ap: ap.weighted } : {}) },
      { kind: 'accuracy', name: 'overall accuracy', accuracy: view.accuracy, support: view.total, ...(iv ? { ci: { accuracy: iv.accuracy } } : {}) },
    ],
  };
}

/** A metric cell: accuracy as a percentage, the others as 0.935; 'n/a' for an n/a class (or an AUC/AP without a value). */
export function metricCell(row: MetricRow, key: 'accuracy' | 'precision' | 'recall' | 'f1' | 'auc' | 'ap'): string {
  if (row.na) return 'n/a';
  if (key === 'auc' || key === 'ap') return row[key] === undefined ? '' : row[key] === null ? 'n/a' : formatMetric(row[key]);
  return key === 'accuracy' ? formatPercent(row.accuracy) : formatMetric(row[key]);
}

/** An interval cell: "0.894–0.963" ("90.0–96.1%" for accuracy); '' without one (and for an n/a class). */
export function intervalCell(row: MetricRow, key: IntervalKey): string {
  if (row.na) return '';
  return formatInterval(row.ci?.[key], key === 'accuracy');
}

export type SummaryKey = 'runId' | 'arch' | 'name' | 'accuracy' | 'macroF1' | 'weightedF1' | 'auc' | 'epochs' | 'bestEpoch' | 'checkpoint';

/** The value a column sorts by: the checkpoint's epoch for the checkpoint column. */
function sortValue(row: SummaryRow, key: SummaryKey): unknown {
  return key === 'checkpoint' ? row.checkpoint?.epoch : row[key];
}
type ScoreKey = 'accuracy' | 'macroF1' | 'weightedF1' | 'auc';

/** Rows sorted by one column; missing values last; ties keep run order. */
export function sortSummary(rows: readonly SummaryRow[], key: SummaryKey, descending: boolean): SummaryRow[] {
  const sign = descending ? -1 : 1;
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => {
      const va = sortValue(a.row, key);
      const vb = sortValue(b.row, key);
      const missingA = va === undefined || va === null || (typeof va === 'number' && !Number.isFinite(va));
      const missingB = vb === undefined || vb === null || (typeof vb === 'number' && !Number.isFinite(vb));
      if (missingA || missingB) return missingA === missingB ? a.i - b.i : missingA ? 1 : -1;
      const cmp = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
      return cmp * sign || a.i - b.i;
    })
    .map((x) => x.row);
}

/** Best (largest) value of each score column, to highlight the winning model. */
export function bestScores(rows: readonly SummaryRow[]): Partial<Record<ScoreKey, number>> {
  const max = (k: ScoreKey) => {
    const values = rows.map((r) => finite(r[k])).filter((v): v is number => v !== null);
    return values.length ? Math.max(...values) : undefined;
  };
  const auc = max('auc');
  return { accuracy: max('accuracy'), macroF1: max('macroF1'), weightedF1: max('weightedF1'), ...(auc === undefined ? {} : { auc }) };
}

/** Whether any row has an AUC, or intervals: the table shows those columns then. */
export function summaryColumns(rows: readonly SummaryRow[]): { auc: boolean; intervals: boolean } {
  return { auc: rows.some((r) => r.auc !== undefined), intervals: rows.some((r) => r.intervals !== undefined) };
}

export function isCurrentRow(row: SummaryRow, view: EvaluationView | undefined): boolean {
  return !!view && row.runDir === view.runDir && row.name === view.name;
}
