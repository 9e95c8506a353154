/**
 * The probability-based metrics against scikit-learn (test/fixtures/ranking, made by make_ranking_fixtures.py):
 * one-vs-rest ROC/PR curves, AUC and average precision per class and averaged, operating points, Cohen's kappa,
 * log loss and Brier score — with ties, constant scores, a class missing from y_true and one class only.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { operatingPointAtPrediction, operatingPointAtThreshold } from '../../src/shared/operatingPoint';
import { evalFileSchema, evalMetricValue, type EvalMetricValues } from '../../src/shared/runFiles';
import { computeMetrics } from '../../src/engine/metrics/metrics';
import { computeEvalMetrics, EVAL_METRICS } from '../../src/engine/metrics/index';
import { oneVsRest } from '../../src/engine/metrics/oneVsRest';
import {
  binaryAveragePrecision, binaryRocAuc, classRanking, precisionRecallCurve, rocCurve, thinCurve, weightedAveragePrecision, weightedRocAuc,
} from '../../src/engine/metrics/ranking';
import { close, closeArray, fixtures, inputOf, type RankingFixture } from '../helpers/rankingFixtures';

function metricsOf(fx: RankingFixture): { [K in keyof EvalMetricValues]?: EvalMetricValues[K] } & Record<string, unknown> {
  return Object.fromEntries(computeEvalMetrics(inputOf(fx)).map((m) => [m.id, m.value]));
}

test('there are ranking fixtures, covering ties, constant scores and a class missing from y_true', () => {
  const names = fixtures.map((f) => f.name);
  for (const n of ['ties_grid_3_classes', 'constant_scores', 'class_missing_from_true', 'single_class_in_true', 'binary']) assert.ok(names.includes(n), n);
});

for (const fx of fixtures) {
  const e = fx.expected;
  const ovr = oneVsRest(inputOf(fx));

  test(`roc_curve (drop_intermediate) and precision_recall_curve per class: ${fx.name} (${fx.generator})`, () => {
    e.perClass.forEach((c, k) => {
      if (c.roc) {
        const roc = rocCurve(ovr.positive[k], ovr.scores[k]);
        closeArray(roc.fpr, c.roc.fpr, `fpr ${k}`);
        closeArray(roc.tpr, c.roc.tpr, `tpr ${k}`);
        closeArray(roc.thresholds, c.roc.thresholds, `roc thresholds ${k}`, Infinity);
      }
      if (c.pr) {
        const pr = precisionRecallCurve(ovr.positive[k], ovr.scores[k], true);
        closeArray(pr.precision, c.pr.precision, `precision ${k}`);
        closeArray(pr.recall, c.pr.recall, `recall ${k}`);
        closeArray(pr.thresholds, c.pr.thresholds, `pr thresholds ${k}`);
        assert.equal(precisionRecallCurve(ovr.positive[k], ovr.scores[k]).precision.length, c.prFullLength, 'the full curve');
      }
    });
  });

  test(`roc_auc_score and average_precision_score, per class and macro/weighted/micro: ${fx.name}`, () => {
    const m = metricsOf(fx);
    const roc = m.rocAuc!, ap = m.averagePrecision!;
    e.perClass.forEach((c, k) => {
      close(roc.perClass[k].auc, c.auc, `AUC ${k}`);
      close(ap.perClass[k].ap, c.ap, `AP ${k}`);
      assert.equal(roc.perClass[k].positives, c.positives);
      assert.equal(roc.perClass[k].negatives, c.negatives);
      if (c.auc === null) {
        assert.match(roc.perClass[k].reason ?? '', /no image of|every evaluated image/, 'an n/a AUC says why');
        assert.equal(roc.perClass[k].curve, null);
      }
      close(binaryRocAuc(ovr.positive[k], ovr.scores[k]), c.auc, `binaryRocAuc ${k}`);
      close(binaryAveragePrecision(ovr.positive[k], ovr.scores[k]), c.ap, `binaryAveragePrecision ${k}`);
    });
    close(roc.macro, e.macroAuc, 'macro AUC');
    close(roc.weighted, e.weightedAuc, 'weighted AUC');
    close(roc.micro, e.microAuc, 'micro AUC');
    close(ap.macro, e.macroAp, 'macro AP');
    close(ap.weighted, e.weightedAp, 'weighted AP');
    close(ap.micro, e.microAp, 'micro AP');
  });

  test(`the O(n) weighted AUC and AP of the bootstrap equal sklearn's with every weight 1: ${fx.name}`, () => {
    const ones = new Float64Array(fx.yTrue.length).fill(1);
    e.perClass.forEach((c, k) => {
      const r = classRanking(ovr.positive[k], ovr.scores[k]);
      close(weightedRocAuc(r, ones), c.auc, `weighted AUC ${k}`);
      close(weightedAveragePrecision(r, ones), c.ap, `weighted AP ${k}`);
    });
  });

  test(`operating points at argmax and at thresholds, Cohen's kappa, log loss, Brier: ${fx.name}`, () => {
    const m = metricsOf(fx);
    const input = inputOf(fx);
    e.operatingPointsArgmax.forEach((want, k) => {
      const stored = m.operatingPoints![k];
      const live = operatingPointAtPrediction(fx.yTrue, input.predicted, k);
      for (const got of [stored, live]) {
        assert.deepEqual([got.tp, got.fp, got.fn, got.tn], [want.tp, want.fp, want.fn, want.tn], `counts of class ${k}`);
        for (const r of ['sensitivity', 'specificity', 'ppv', 'npv'] as const) close(got[r], want[r], `${r} of class ${k}`);
      }
    });
    for (const want of e.operatingPointsThreshold) {
      const got = operatingPointAtThreshold(fx.yTrue, fx.probabilities, want.positive, want.threshold);
      assert.deepEqual([got.tp, got.fp, got.fn, got.tn], [want.tp, want.fp, want.fn, want.tn], `counts at ${want.threshold}`);
      for (const r of ['sensitivity', 'specificity', 'ppv', 'npv'] as const) close(got[r], want[r], `${r} of ${want.positive} at ${want.threshold}`);
    }
    close(Number.isNaN(m.cohenKappa as number) ? null : m.cohenKappa as number, e.cohenKappa, "Cohen's kappa");
    close(m.logLoss as number, e.logLoss, 'log loss');
    close(m.brier as number, e.brier, 'Brier score');
  });

  test(`the values survive the eval file's schema (JSON round trip, typed by evalMetricValue): ${fx.name}`, () => {
    const metrics = JSON.parse(JSON.stringify(computeEvalMetrics(inputOf(fx))));
    const file = evalFileSchema.parse({
      name: 'test', runId: 'r', checkpoint: { which: 'best', epoch: 1, valLoss: 0.1, valAcc: 0.9, savedAt: 'now' }, createdAt: 'now', loss: 0.1,
      ...computeMetrics(fx.yTrue, inputOf(fx).predicted, fx.classes), predictions: [], skipped: [], metrics,
    });
    const roc = evalMetricValue(file.metrics, 'rocAuc')!;
    e.perClass.forEach((c, k) => {
      close(roc.perClass[k].auc, c.auc, `AUC ${k} after reading`);
      if (roc.perClass[k].curve) assert.equal(roc.perClass[k].curve!.thresholds[0], Infinity, 'the first ROC threshold reads back as +Infinity');
    });
    assert.equal(evalMetricValue(file.metrics, 'calibration')!.bins.length, 15);
  });
}

test('every listed metric has a value on each fixture and nothing is NaN where sklearn has a number', () => {
  for (const fx of fixtures) {
    const values = computeEvalMetrics(inputOf(fx));
    assert.deepEqual(values.map((v) => v.id), EVAL_METRICS.map((m) => m.id));
    const text = JSON.stringify(values);
    assert.ok(!text.includes('NaN'), `${fx.name}: no NaN reaches JSON`);
  }
});

test('a class absent from the evaluated images: AUC and AP n/a with the reason, averages over the others, no NaN', () => {
  const fx = fixtures.find((f) => f.name === 'class_missing_from_true')!;
  const m = metricsOf(fx);
  const absent = m.rocAuc!.perClass[3];
  assert.equal(absent.auc, null);
  assert.equal(absent.reason, 'no image of class3 in the evaluated set');
  assert.equal(m.averagePrecision!.perClass[3].ap, null);
  assert.ok(Number.isFinite(m.rocAuc!.macro!));
});

test('without probability rows (hard predictions only) the probability metrics are n/a instead of failing', () => {
  const values = computeEvalMetrics({ labels: [0, 1, 1], predicted: [0, 1, 0], probabilities: [], confusion: [[1, 0], [1, 1]], classes: ['a', 'b'] });
  const byId = Object.fromEntries(values.map((v) => [v.id, v.value])) as Record<string, unknown>;
  assert.ok(Number.isNaN(byId.logLoss));
  assert.equal((byId.rocAuc as EvalMetricValues['rocAuc']).perClass[0].reason, 'no probabilities were given');
});

test('curves longer than 500 points are thinned evenly along the curve, both ends kept', () => {
  const n = 5000;
  const positive = Array.from({ length: n }, (_, i) => (i * 7919) % 3 === 0);
  const scores = Array.from({ length: n }, (_, i) => ((i * 104729) % 9973) / 9973);
  const pr = precisionRecallCurve(positive, scores, true);
  assert.ok(pr.recall.length > 500, `a long curve (${pr.recall.length})`);
  const thin = thinCurve(pr);
  assert.equal(thin.recall.length, 500);
  assert.equal(thin.points, pr.recall.length);
  assert.deepEqual([thin.recall[0], thin.recall[499]], [pr.recall[0], pr.recall[pr.recall.length - 1]]);
  assert.deepEqual([thin.precision[0], thin.precision[499]], [pr.precision[0], pr.precision[pr.precision.length - 1]]);
  assert.equal(thin.thresholds.length, 499, 'the last PR point has no threshold, thinned or not');
  assert.deepEqual(thin.thresholds.slice(0, 2), [pr.thresholds[0], pr.thresholds[Math.round((pr.recall.length - 1) / 499)]]);
  const short = thinCurve({ x: [1, 2, 3] });
  assert.deepEqual(short, { x: [1, 2, 3], points: 3 });
});

test('a model whose probabilities are NaN gives n/a AUCs with the reason, not a crash', () => {
  const values = computeEvalMetrics({ labels: [0, 1, 1], predicted: [0, 0, 0], probabilities: [[NaN, NaN], [NaN, NaN], [NaN, NaN]], confusion: [[1, 0], [2, 0]], classes: ['a', 'b'] });
  const roc = values.find((v) => v.id === 'rocAuc')!.value as EvalMetricValues['rocAuc'];
  assert.equal(roc.perClass[0].auc, null);
  assert.match(roc.perClass[0].reason!, /not all finite/);
  assert.equal(roc.micro, null);
});
