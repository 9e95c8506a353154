/**
 * The evaluation view's newer sections as pure functions: curve series, the reliability diagram, the threshold slider's
 * operating points, the top-losses order, interval formatting, subgroups, warnings, the all-runs table, the state —
 * and an older eval file without the new fields (every new section absent, nothing throws).
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { EvaluationView, PredictionRow, SummaryRow } from '../../src/shared/webviewProtocol';
import { formatInterval, formatWithInterval } from '../../src/shared/format';
import { operatingPointAtThreshold } from '../../src/shared/operatingPoint';
import { evalMetricValue } from '../../src/shared/runFiles';
import { scorePredictions } from '../../src/engine/metrics/scorePredictions';
import { subgroupMetrics } from '../../src/engine/metrics/subgroups';
import { alignCurves } from '../../src/webview/common/alignCurves';
import { classColour, prCurves, reliability, rocCurves } from '../../src/webview/evaluation/curvesModel';
import { GALLERY_PAGE, galleryCount, imageLoss, topLosses } from '../../src/webview/evaluation/lossModel';
import { bestScores, intervalCell, metricCell, metricRows, sortSummary, summaryColumns } from '../../src/webview/evaluation/matrixModel';
import { calledPositive, clampPositive, clampThreshold, operatingMarkers, operatingRows } from '../../src/webview/evaluation/operatingModel';
import { bootstrapNote, confounderWarnings, ensembleNote, headline, otherMetricRows, subgroupTables, summaryInterval } from '../../src/webview/evaluation/reportModel';
import {
  initialEvaluationState, reduceEvaluation, restoreState, setOnlyWrong, setPositive, setThreshold, showMoreLosses,
} from '../../src/webview/evaluation/state';

const classes = ['covid', 'normal', 'viral'];
const row = (rel: string, label: number, probabilities: number[]): PredictionRow => ({
  file: `/d/${rel}`, rel, label, predicted: probabilities.indexOf(Math.max(...probabilities)), probabilities,
});
/** 12 images: covid and normal mixed up a little, viral never in the set (its AUC is n/a) but predicted once. */
const predictions: PredictionRow[] = [
  row('c1.png', 0, [0.9, 0.05, 0.05]), row('c2.png', 0, [0.7, 0.2, 0.1]), row('c3.png', 0, [0.4, 0.5, 0.1]), row('c4.png', 0, [0.6, 0.3, 0.1]),
  row('c5.png', 0, [0.3, 0.2, 0.5]), row('c6.png', 0, [0.8, 0.1, 0.1]),
  row('n1.png', 1, [0.1, 0.85, 0.05]), row('n2.png', 1, [0.55, 0.4, 0.05]), row('n3.png', 1, [0.2, 0.7, 0.1]), row('n4.png', 1, [0.05, 0.9, 0.05]),
  row('n5.png', 1, [0.3, 0.6, 0.1]), row('n6.png', 1, [0.15, 0.8, 0.05]),
];

/** What the host sends for a current eval file: the engine's own scoring of these predictions. */
function currentView(over: Partial<EvaluationView> = {}): EvaluationView {
  const labels = predictions.map((p) => p.label);
  const scored = scorePredictions({ labels, probabilities: predictions.map((p) => p.probabilities), classes, seed: 3, resamples: 200 });
  const source = predictions.map((p, i) => (p.label === 0 ? 'a' : i % 2 ? 'a' : 'b'));
  return {
    runDir: '/ws/.cxr-lab/runs/r1', runId: 'r1', arch: 'resnet18', explainRunDir: '/ws/.cxr-lab/runs/r1', name: 'test', ...scored.report,
    predictions, metrics: scored.metrics, intervals: scored.intervals, bootstrap: scored.bootstrap,
    confounders: [{ column: 'source', equivalents: ['site'], cramersV: 0.58, images: 12, shared: [{ className: 'covid', value: 'a', count: 6 }], message: "covid: all 6 images come from source 'a' — a model can learn the source instead of the finding (site split the images the same way)." }],
    subgroups: subgroupMetrics([{ column: 'source', equivalents: ['site'], values: source }], labels, scored.predicted, classes),
    ...over,
  };
}

/** An eval file written before issue 11: only the confusion matrix, per-class metrics and predictions. */
function oldView(): EvaluationView {
  const { metrics: _m, intervals: _i, bootstrap: _b, confounders: _c, subgroups: _s, ...rest } = currentView();
  return rest;
}

test('alignCurves: the union of the points sorted by x, each curve null elsewhere, a vertical step kept in order', () => {
  const a = { x: [0, 0, 0.5, 1], y: [0, 0.5, 0.5, 1] };
  const b = { x: [0, 0.25, 1], y: [0, 0.8, 1] };
  const { x, ys } = alignCurves([a, b]);
  assert.deepEqual(x, [0, 0, 0, 0.25, 0.5, 1, 1]);
  assert.deepEqual(ys[0], [0, 0.5, null, null, 0.5, 1, null]);
  assert.deepEqual(ys[1], [null, null, 0, 0.8, null, null, 1]);
  // Each curve's own points, read back without the nulls, in its own order.
  assert.deepEqual(ys[0].filter((v) => v !== null), a.y);
  assert.deepEqual(alignCurves([]), { x: [], ys: [] });
  assert.deepEqual(alignCurves([{ x: [0, NaN, 1], y: [0, 1, NaN] }]), { x: [0, 1], ys: [[0, null]] });
});

test('ROC and PR series: one per class with a curve, legend with AUC/AP and interval, n/a classes said with the reason', () => {
  const view = currentView();
  const roc = rocCurves(view)!;
  assert.deepEqual(roc.series.map((s) => s.className), ['covid', 'normal']);
  assert.match(roc.series[0].label, /^covid · AUC 0\.\d{3} \(0\.\d{3}–[01]\.\d{3}\)$/);
  assert.equal(roc.notes.length, 1);
  assert.match(roc.notes[0], /^AUC of viral n\/a: /);
  const stored = evalMetricValue(view.metrics, 'rocAuc')!;
  assert.deepEqual(roc.series[1].x, stored.perClass[1].curve!.fpr);
  assert.match(roc.macro, /^macro AUC 0\.\d{3} \(/);
  assert.deepEqual(roc.series.map((s) => s.colorVar), [classColour(0).colorVar, classColour(1).colorVar]);
  assert.deepEqual(classColour(6).dash, [6, 3], 'past the palette: dashed');

  const pr = prCurves(view)!;
  assert.deepEqual(pr.series.map((s) => s.className), ['covid', 'normal']);
  for (const s of pr.series) {
    // Recall ascending (scikit-learn's order reversed), ending at recall 1.
    assert.ok(s.x.every((v, i) => i === 0 || v >= s.x[i - 1]), String(s.x));
    assert.equal(s.x[0], 0);
    assert.equal(s.y[0], 1);
    assert.equal(s.x[s.x.length - 1], 1);
  }
  assert.match(pr.notes[0], /^AP of viral n\/a/);
});

test('reliability diagram: a bar per non-empty bin labelled with its count, dots at the mean confidence, ECE with interval', () => {
  const view = currentView();
  const cal = evalMetricValue(view.metrics, 'calibration')!;
  const rel = reliability(view)!;
  const full = cal.bins.filter((b) => b.count > 0);
  assert.equal(rel.bars.length, full.length);
  assert.deepEqual(rel.bars.map((b) => b.label), full.map((b) => String(b.count)));
  assert.deepEqual(rel.bars.map((b) => b.value), full.map((b) => b.accuracy));
  assert.deepEqual(rel.confidence.y, full.map((b) => b.confidence));
  assert.equal(rel.images, 12);
  assert.match(rel.caption, /^ECE 0\.\d{3} \(0\.\d{3}–0\.\d{3}\) over 15 bins$/);
  const scaled = reliability({ ...view, temperatureScaling: { temperature: 1.5234, fittedOn: 'val', fitImages: 30, eceBefore: 0.12, eceAfter: 0.045, logLossBefore: 0.7, logLossAfter: 0.6 } })!;
  assert.match(scaled.caption, /^ECE 0\.120 → 0\.045 after temperature scaling \(T = 1\.52, fitted on val, 30 images\)/);
});

test('threshold → operating points: the slider row matches operatingPointAtThreshold, the argmax row the stored metric', () => {
  const view = currentView();
  const rows = operatingRows(view, 0, 0.5);
  assert.deepEqual(rows.map((r) => r.kind), ['argmax', 'threshold']);
  assert.equal(rows[1].label, 'p(covid) ≥ 0.50');
  // covid probabilities ≥ 0.5: c1 c2 c4 c6 (tp 4), n2 (fp 1); c3 c5 missed.
  assert.deepEqual([rows[1].tp, rows[1].fp, rows[1].fn, rows[1].tn], [4, 1, 2, 5]);
  assert.ok(Math.abs(rows[1].sensitivity - 4 / 6) < 1e-12);
  assert.ok(Math.abs(rows[1].specificity - 5 / 6) < 1e-12);
  assert.ok(Math.abs(rows[1].ppv - 4 / 5) < 1e-12);
  assert.ok(Math.abs(rows[1].npv - 5 / 7) < 1e-12);
  const stored = evalMetricValue(view.metrics, 'operatingPoints')!;
  const { className: _c, ...atArgmax } = stored[0];
  const { kind: _k, label: _l, ...ours } = rows[0];
  assert.deepEqual(ours, atArgmax, 'the view computes the argmax row as the engine stored it');
  for (const t of [0, 0.3, 0.55, 1]) {
    const { kind: _k2, label: _l2, ...r } = operatingRows(view, 1, t)[1];
    assert.deepEqual(r, operatingPointAtThreshold(view.predictions.map((p) => p.label), view.predictions.map((p) => p.probabilities), 1, t));
  }
  // t = 0: every image positive; specificity 0, sensitivity 1.
  const all = operatingRows(view, 1, 0)[1];
  assert.deepEqual([all.sensitivity, all.specificity, all.tp + all.fp], [1, 0, 12]);
  assert.equal(calledPositive(all), '12 of 12 images called positive (6 truly)');
  // No image called positive: a ROC point at the origin, none on the PR curve.
  const none = operatingRows(view, 2, 1)[1];
  assert.deepEqual(operatingMarkers(none), { roc: { x: 0, y: 0 }, pr: undefined });
  assert.deepEqual(operatingMarkers(rows[1]).roc, { x: 1 - 5 / 6, y: 4 / 6 });
  assert.deepEqual(operatingRows({ ...view, predictions: [] }, 0, 0.5), [], 'no stored predictions: no table');
  assert.equal(clampThreshold(1.7), 1);
  assert.equal(clampThreshold(-1), 0);
  assert.equal(clampThreshold('0.333'), 0.33);
  assert.equal(clampThreshold(NaN), 0.5);
  assert.equal(clampPositive(view, 2), 2);
  assert.equal(clampPositive(view, 3), 0);
  assert.equal(clampPositive(view, 1.5), 0);
});

test('top losses: −log p(true class), highest first, ties by path, misclassified only on request', () => {
  const items = topLosses(predictions);
  assert.equal(items.length, 12);
  // c5: p 0.3; c3 and n2 both p 0.4 (a tie: by path).
  assert.deepEqual(items.slice(0, 3).map((i) => i.prediction.rel), ['c5.png', 'c3.png', 'n2.png']);
  assert.ok(Math.abs(items[0].loss + Math.log(0.3)) < 1e-12);
  assert.equal(items[0].pTrue, 0.3);
  assert.equal(items[0].pPredicted, 0.5);
  assert.equal(items[0].correct, false);
  assert.ok(items.every((x, i) => i === 0 || x.loss <= items[i - 1].loss));
  assert.deepEqual(topLosses(predictions, true).map((i) => i.prediction.rel), ['c5.png', 'c3.png', 'n2.png']);
  const tie = [row('b.png', 0, [0.5, 0.5, 0]), row('a.png', 0, [0.5, 0.5, 0])];
  assert.deepEqual(topLosses(tie).map((i) => i.prediction.rel), ['a.png', 'b.png']);
  // p = 0 is clipped to float64's epsilon, as log_loss does: a large finite loss, first.
  const zero = row('z.png', 1, [1, 0, 0]);
  assert.ok(Math.abs(imageLoss(zero) + Math.log(Number.EPSILON)) < 1e-9);
  assert.equal(topLosses([...predictions, zero])[0].prediction.rel, 'z.png');
  assert.equal(galleryCount(undefined, 100), GALLERY_PAGE);
  assert.equal(galleryCount(GALLERY_PAGE + 1, 100), 2 * GALLERY_PAGE);
  assert.equal(galleryCount(3 * GALLERY_PAGE, 30), 30);
  assert.equal(galleryCount(GALLERY_PAGE, 0), 0);
});

test('intervals: "0.933 (0.894–0.963)", percentages for accuracy, nothing without one', () => {
  assert.equal(formatWithInterval(0.9333, { low: 0.8941, high: 0.9632 }), '0.933 (0.894–0.963)');
  assert.equal(formatWithInterval(0.933, { low: 0.9, high: 0.961 }, true), '93.3% (90.0–96.1%)');
  assert.equal(formatWithInterval(0.5, null), '0.500');
  assert.equal(formatWithInterval(null, { low: 0, high: 1 }), 'n/a');
  assert.equal(formatWithInterval(NaN, undefined), 'n/a');
  assert.equal(formatInterval({ low: 0.1, high: 0.2 }), '0.100–0.200');
  assert.equal(formatInterval({ low: NaN, high: 0.2 }), '');
  assert.equal(formatInterval(undefined), '');
});

test('per-class rows: AUC, AP and interval cells; an n/a AUC says why; the macro row carries the macro intervals', () => {
  const view = currentView();
  const { classes: rows, summary, aucNotes } = metricRows(view);
  assert.deepEqual(rows.map((r) => metricCell(r, 'auc') === 'n/a'), [false, false, true]);
  assert.match(rows[2].aucReason ?? '', /viral/);
  assert.match(aucNotes[0], /^AUC of viral n\/a: .*; left out of the macro AUC$/);
  assert.match(intervalCell(rows[0], 'f1'), /^0\.\d{3}–[01]\.\d{3}$/);
  assert.match(intervalCell(rows[0], 'auc'), /^0\.\d{3}–[01]\.\d{3}$/);
  assert.equal(intervalCell(rows[2], 'auc'), '', 'no interval for an n/a AUC');
  assert.equal(summary[0].ci?.f1, view.intervals!.macroF1);
  assert.match(intervalCell(summary[2], 'accuracy'), /^\d+\.\d–\d+\.\d%$/);
  assert.equal(metricCell(summary[0], 'auc'), (evalMetricValue(view.metrics, 'rocAuc')!.macro as number).toFixed(3));
  const old = metricRows(oldView());
  assert.deepEqual(old.aucNotes, []);
  assert.ok(old.classes.every((r) => r.auc === undefined && r.ap === undefined && r.ci === undefined));
  assert.equal(metricCell(old.classes[0], 'auc'), '');
});

test('headline, bootstrap line, other metrics, subgroups, confounder warnings, ensemble note', () => {
  const view = currentView();
  const stats = headline(view);
  assert.deepEqual(stats.map((s) => s.id), ['overall-accuracy', 'macro-f1', 'macro-auc']);
  assert.match(stats[0].interval, /^\(\d+\.\d–\d+\.\d%\)$/);
  assert.match(stats[1].interval, /^\(0\.\d{3}–[01]\.\d{3}\)$/);
  assert.equal(bootstrapNote(view.bootstrap), '95 % intervals: percentile bootstrap, 200 resamples of 12 images (patients unknown: single images resampled), seed ' + view.bootstrap!.seed + '.');
  assert.match(bootstrapNote({ ...view.bootstrap!, unit: 'patient', clusters: 6 })!, /200 resamples of 6 patients \(12 images; whole patients resampled\)/);

  const other = otherMetricRows(view);
  assert.deepEqual(other.map((r) => r.id), ['balancedAccuracy', 'matthews', 'cohenKappa', 'logLoss', 'brier',
    'rocAuc-macro', 'rocAuc-weighted', 'rocAuc-micro', 'averagePrecision-macro', 'averagePrecision-weighted', 'averagePrecision-micro', 'ece']);
  assert.ok(other.find((r) => r.id === 'cohenKappa')!.interval.includes('–'));
  const scaled = otherMetricRows({ ...view, temperatureScaling: { temperature: 2, fittedOn: 'val', fitImages: 10, eceBefore: 0.2, eceAfter: 0.05, logLossBefore: 0.9, logLossAfter: 0.7 } });
  assert.equal(scaled.find((r) => r.id === 'ece')!.value, '0.200 → 0.050');
  assert.match(scaled.find((r) => r.id === 'logLoss')!.value, /\(0\.900 before temperature scaling\)$/);

  const [t] = subgroupTables(view);
  assert.equal(t.title, 'source (site split the images the same way)');
  assert.deepEqual(t.rows.map((r) => [r.value, r.count]), [['a', '9'], ['b', '3']]);
  assert.equal(t.rows[1].recalls[0], '—', 'group b has no covid image');
  assert.deepEqual(confounderWarnings(view), [view.confounders![0].message]);
  assert.equal(ensembleNote(view), undefined);
  const ens = ensembleNote({ ...view, ensemble: [{ runId: 'a', runDir: '/a', arch: 'resnet18', checkpoint: 'best', epoch: 4 }, { runId: 'b', runDir: '/b', arch: 'vgg16', checkpoint: 'best', epoch: 6 }] });
  assert.match(ens!, /^Soft-voting ensemble .* of a \(resnet18, best epoch 4\), b \(vgg16, best epoch 6\)\. Images are explained with the first member\.$/);
});

test('an eval file from before these fields: every new section is absent, the binary view and top losses still work', () => {
  const view = oldView();
  assert.equal(rocCurves(view), undefined);
  assert.equal(prCurves(view), undefined);
  assert.equal(reliability(view), undefined);
  assert.deepEqual(otherMetricRows(view), []);
  assert.deepEqual(subgroupTables(view), []);
  assert.deepEqual(confounderWarnings(view), []);
  assert.equal(bootstrapNote(view.bootstrap), undefined);
  assert.deepEqual(headline(view).map((s) => [s.id, s.interval]), [['overall-accuracy', ''], ['macro-f1', '']]);
  assert.equal(operatingRows(view, 0, 0.5).length, 2, 'computed from the stored probabilities');
  assert.equal(topLosses(view.predictions).length, 12);
});

const summary: SummaryRow[] = [
  { runDir: '/r1', runId: 'r1', arch: 'vgg16', name: 'test', accuracy: 0.8, macroF1: 0.7, weightedF1: 0.79, epochs: 5, auc: 0.9,
    intervals: { accuracy: { low: 0.7, high: 0.9 }, macroF1: { low: 0.6, high: 0.8 }, auc: { low: 0.85, high: 0.95 } } },
  { runDir: '/old', runId: 'old', arch: 'resnet18', name: 'test', accuracy: 0.85, macroF1: 0.75, weightedF1: 0.8, epochs: 5 },
  { runDir: '/e', runId: 'ensemble-1', arch: 'ensemble of 2: vgg16, resnet18', name: 'test', accuracy: 0.88, macroF1: 0.8, weightedF1: 0.85, auc: 0.95, members: 2 },
  { runDir: '/na', runId: 'na', arch: 'resnet18', name: 'val', accuracy: 0.5, macroF1: 0.4, weightedF1: 0.4, epochs: 1, auc: null },
];

test('all-runs table: AUC column and intervals when any row has them, sorted with missing AUCs last, an ensemble as one row', () => {
  assert.deepEqual(summaryColumns(summary), { auc: true, intervals: true });
  assert.deepEqual(summaryColumns(summary.slice(1, 2)), { auc: false, intervals: false });
  assert.deepEqual(sortSummary(summary, 'auc', true).map((r) => r.runId), ['ensemble-1', 'r1', 'old', 'na']);
  assert.deepEqual(sortSummary(summary, 'epochs', true).map((r) => r.runId), ['r1', 'old', 'na', 'ensemble-1'], 'an ensemble has no epochs');
  assert.equal(bestScores(summary).auc, 0.95);
  assert.equal(summaryInterval(summary[0], 'accuracy'), '70.0–90.0%');
  assert.equal(summaryInterval(summary[0], 'auc'), '0.850–0.950');
  assert.equal(summaryInterval(summary[1], 'macroF1'), '');
});

test('state: the binary view and the gallery are kept for the same evaluation, reset for another; thumbnails merge', () => {
  const view = currentView();
  let s = reduceEvaluation(initialEvaluationState, { type: 'init', evaluation: view, summary: [] });
  assert.deepEqual([s.positive, s.threshold, s.gallery.count, s.gallery.onlyWrong], [0, 0.5, GALLERY_PAGE, false]);
  s = setThreshold(setPositive(s, 1), 0.734);
  s = showMoreLosses(setOnlyWrong(s, true), GALLERY_PAGE);
  s = reduceEvaluation(s, { type: 'images', uris: { '/d/c1.png': 'uri-1' } });
  s = reduceEvaluation(s, { type: 'images', uris: { '/d/c2.png': 'uri-2' } });
  assert.deepEqual([s.positive, s.threshold, s.gallery.count, s.gallery.onlyWrong], [1, 0.73, 2 * GALLERY_PAGE, true]);
  assert.deepEqual(s.imageUris, { '/d/c1.png': 'uri-1', '/d/c2.png': 'uri-2' });
  const again = reduceEvaluation(s, { type: 'init', evaluation: view, summary: [] });
  assert.deepEqual([again.positive, again.threshold, again.gallery.count], [1, 0.73, 2 * GALLERY_PAGE]);
  assert.equal(Object.keys(again.imageUris).length, 2);
  const other = reduceEvaluation(s, { type: 'init', evaluation: { ...view, runDir: '/other' }, summary: [] });
  assert.deepEqual([other.positive, other.threshold, other.gallery.count, other.gallery.onlyWrong], [0, 0.5, GALLERY_PAGE, false]);
  assert.deepEqual(other.imageUris, {});
  assert.equal(setPositive(s, 7).positive, 0, 'an index past the classes falls back to the first');
  // A state saved by the view before these fields existed.
  const restored = restoreState({ summary: [], mode: 'percent', sort: { key: 'accuracy', descending: true } } as never);
  assert.deepEqual([restored.mode, restored.positive, restored.threshold, restored.gallery.count], ['percent', 0, 0.5, GALLERY_PAGE]);
  assert.deepEqual(restored.imageUris, {});
  assert.equal(restoreState(undefined), initialEvaluationState);
});
