import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { EvaluationView, PredictionRow, SummaryRow } from '../../src/shared/webviewProtocol';
import {
  bestScores, columnTotals, confidence, isCurrentRow, matrixCells, metricCell, metricRows, predictionsForCell, rowNormalised, rowTotals, shadeAlpha, sortSummary,
} from '../../src/webview/evaluation/matrixModel';
import { initialEvaluationState, reduceEvaluation, toggleCell, toggleSort } from '../../src/webview/evaluation/state';

const confusion = [[8, 2, 0], [1, 3, 0], [0, 0, 0]];
const classes = ['covid', 'normal', 'viral'];
const pred = (file: string, label: number, predicted: number, top: number): PredictionRow => {
  const probabilities = [0, 0, 0].map((_, i) => (i === predicted ? top : (1 - top) / 2));
  return { file: `/d/${file}`, rel: file, label, predicted, probabilities };
};
const view = (over: Partial<EvaluationView> = {}): EvaluationView => ({
  runDir: '/r1', runId: 'r1', arch: 'resnet18', explainRunDir: '/r1', name: 'test', classes, confusion,
  perClass: classes.map((className, k) => ({ className, tp: k, fp: 0, fn: 0, tn: 0, accuracy: 0.9, precision: 0.8, recall: 0.7, f1: 0.75, support: 4 })),
  accuracy: 11 / 14, macro: { precision: 0.6, recall: 0.5, f1: 0.55 }, weighted: { precision: 0.7, recall: 0.65, f1: 0.66 }, total: 14, predictions: [], ...over,
});

test('row and column totals, and row normalisation with an empty row', () => {
  assert.deepEqual(rowTotals(confusion), [10, 4, 0]);
  assert.deepEqual(columnTotals(confusion), [9, 5, 0]);
  assert.deepEqual(rowNormalised(confusion), [[0.8, 0.2, 0], [0.25, 0.75, 0], [0, 0, 0]]);
  for (const row of rowNormalised([[3, 1], [2, 2]])) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-12);
});

test('cells: counts mode shades by the largest count, percent mode by the row share', () => {
  const counts = matrixCells(confusion, classes, 'counts');
  assert.equal(counts[0][0].text, '8');
  assert.equal(counts[0][0].shade, 1);
  assert.equal(counts[1][1].shade, 3 / 8);
  assert.equal(counts[1][0].diagonal, false);
  assert.equal(counts[1][1].diagonal, true);
  const pct = matrixCells(confusion, classes, 'percent');
  assert.equal(pct[1][1].text, '75.0%');
  assert.equal(pct[1][1].shade, 0.75);
  assert.equal(pct[2][2].text, '0.0%');
  assert.match(pct[0][1].label, /True covid, predicted normal: 2 images \(20\.0% of covid\)/);
  assert.match(counts[1][0].label, /1 image \(/);
});

test('shade alpha: clear when empty, visible when small, capped when full', () => {
  assert.equal(shadeAlpha(0), 0);
  assert.ok(shadeAlpha(0.01) > 0.08);
  assert.ok(shadeAlpha(0.5) < shadeAlpha(1));
  assert.ok(Math.abs(shadeAlpha(1) - 0.9) < 1e-12);
  assert.equal(shadeAlpha(5), shadeAlpha(1));
  assert.equal(shadeAlpha(NaN), 0);
});

test('the images of a cell: label = row and predicted = col, most confident first', () => {
  const predictions = [pred('a.png', 0, 1, 0.6), pred('b.png', 0, 1, 0.9), pred('c.png', 1, 0, 0.99), pred('d.png', 0, 0, 0.7), pred('e.png', 0, 1, 0.6)];
  const cell = predictionsForCell(predictions, 0, 1);
  assert.deepEqual(cell.map((p) => p.rel), ['b.png', 'a.png', 'e.png']);
  assert.deepEqual(predictionsForCell(predictions, 1, 0).map((p) => p.rel), ['c.png']);
  assert.deepEqual(predictionsForCell(predictions, 2, 2), []);
  assert.equal(confidence(predictions[1]), 0.9);
});

test('metric rows: one per class, then macro, weighted and overall accuracy over the total', () => {
  const { classes: rows, summary } = metricRows(view());
  assert.deepEqual(rows.map((r) => r.name), classes);
  assert.deepEqual(summary.map((r) => r.kind), ['macro', 'weighted', 'accuracy']);
  assert.equal(summary[0].f1, 0.55);
  assert.equal(summary[1].precision, 0.7);
  assert.equal(summary[2].accuracy, 11 / 14);
  assert.ok(summary.every((r) => r.support === 14));
});

test('metricRows: a class with no image that was never predicted is n/a, with the note under the table', () => {
  const perClass = view().perClass.map((c, k) => (k === 2 ? { ...c, tp: 0, fp: 0, fn: 0, tn: 14, precision: 0, recall: 0, f1: 0, support: 0, present: false as const } : c));
  const { classes: rows, naNote } = metricRows(view({ perClass }));
  assert.deepEqual(rows.map((r) => r.na === true), [false, false, true]);
  assert.deepEqual(rows.map((r) => metricCell(r, 'f1')), ['0.750', '0.750', 'n/a']);
  assert.equal(metricCell(rows[2], 'accuracy'), 'n/a');
  assert.equal(naNote, 'n/a: no image of this class in the evaluated set and never predicted; left out of the averages');
  assert.equal(metricRows(view()).naNote, undefined, 'no note when every class is present');
});

const rows: SummaryRow[] = [
  { runDir: '/r1', runId: 'r1', arch: 'vgg16', name: 'test', accuracy: 0.8, macroF1: 0.7, weightedF1: 0.79, epochs: 5, bestEpoch: 4 },
  { runDir: '/r2', runId: 'r2', arch: 'densenet121', name: 'test', accuracy: 0.9, macroF1: 0.6, weightedF1: 0.88, epochs: 5 },
  { runDir: '/r3', runId: 'r3', arch: 'resnet18', name: 'val', accuracy: NaN, macroF1: 0.65, weightedF1: 0.7, epochs: 3, bestEpoch: 2 },
];

test('summary sorting: numbers and text both ways, missing values last', () => {
  assert.deepEqual(sortSummary(rows, 'accuracy', true).map((r) => r.runId), ['r2', 'r1', 'r3']);
  assert.deepEqual(sortSummary(rows, 'accuracy', false).map((r) => r.runId), ['r1', 'r2', 'r3']);
  assert.deepEqual(sortSummary(rows, 'arch', false).map((r) => r.arch), ['densenet121', 'resnet18', 'vgg16']);
  assert.deepEqual(sortSummary(rows, 'bestEpoch', true).map((r) => r.runId), ['r1', 'r3', 'r2']);
  assert.deepEqual(bestScores(rows), { accuracy: 0.9, macroF1: 0.7, weightedF1: 0.88 });
  assert.deepEqual(bestScores([]), { accuracy: undefined, macroF1: undefined, weightedF1: undefined });
  assert.equal(isCurrentRow(rows[0], view()), true);
  assert.equal(isCurrentRow(rows[2], view()), false);
});

test('state: init keeps the selected cell only for the same evaluation; cells and sorting toggle', () => {
  let s = reduceEvaluation(initialEvaluationState, { type: 'init', evaluation: view(), summary: rows });
  s = toggleCell(s, 0, 1);
  assert.deepEqual(s.selected, { row: 0, col: 1 });
  assert.deepEqual(reduceEvaluation(s, { type: 'init', evaluation: view(), summary: [] }).selected, { row: 0, col: 1 });
  assert.equal(reduceEvaluation(s, { type: 'init', evaluation: view({ runDir: '/r2' }), summary: [] }).selected, undefined);
  assert.equal(toggleCell(s, 0, 1).selected, undefined);
  assert.equal(reduceEvaluation(s, { type: 'summary', summary: [] }).summary.length, 0);
  assert.deepEqual(toggleSort(s, 'accuracy').sort, { key: 'accuracy', descending: false });
  assert.deepEqual(toggleSort(s, 'macroF1').sort, { key: 'macroF1', descending: true });
  assert.deepEqual(toggleSort(s, 'arch').sort, { key: 'arch', descending: false });
});
