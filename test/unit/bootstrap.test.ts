/**
 * The bootstrap intervals: seeded (same seed, same intervals; another seed, others), a cluster bootstrap that
 * resamples whole patients, weighted metrics equal to the metrics of the resample written out image by image, numpy's
 * percentile, and a metric that declares parts gets intervals with nothing else to write.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { argMax } from '../../src/shared/format';
import { createRng } from '../../src/engine/random';
import { bootstrapIntervals, bootstrapRng, clusterIndex, percentile, resampleWeights } from '../../src/engine/metrics/bootstrap';
import { scalarParts, type EvalMetric } from '../../src/engine/metrics/evalMetric';
import { computeEvalMetrics, EVAL_METRICS, type EvalInput } from '../../src/engine/metrics/index';
import { computeMetrics, reportFromConfusion } from '../../src/engine/metrics/metrics';
import { scorePredictions } from '../../src/engine/metrics/scorePredictions';
import { fixtures, inputOf } from '../helpers/rankingFixtures';

const fx = fixtures.find((f) => f.name === 'random_3_classes')!;

test('percentile is numpy\'s (linear interpolation): np.percentile([1, 2, 3, 4], [2.5, 97.5]) = [1.075, 3.925]', () => {
  assert.ok(Math.abs(percentile([1, 2, 3, 4], 0.025) - 1.075) < 1e-12);
  assert.ok(Math.abs(percentile([1, 2, 3, 4], 0.975) - 3.925) < 1e-12);
  assert.equal(percentile([7], 0.975), 7);
});

test('the same seed gives the same intervals; another seed gives other ones', () => {
  const input = inputOf(fx);
  const a = bootstrapIntervals(input, { seed: 42, metrics: EVAL_METRICS });
  const b = bootstrapIntervals(input, { seed: 42, metrics: EVAL_METRICS });
  const c = bootstrapIntervals(input, { seed: 43, metrics: EVAL_METRICS });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.intervals, c.intervals);
  assert.deepEqual(a.bootstrap, { unit: 'image', clusters: 200, images: 200, resamples: 2000, confidence: 0.95, method: 'percentile', seed: 42 });
  // Each interval holds its point estimate on this sample (200 images, a decent model).
  const report = computeMetrics(input.labels, input.predicted, fx.classes);
  const inside = (iv: { low: number; high: number } | null, v: number, what: string) => assert.ok(iv && iv.low <= v && v <= iv.high, `${what}: ${v} in ${JSON.stringify(iv)}`);
  inside(a.intervals.accuracy, report.accuracy, 'accuracy');
  inside(a.intervals.macroF1, report.macro.f1, 'macro-F1');
  report.perClass.forEach((p, i) => {
    inside(a.intervals.perClass[i].precision, p.precision, `precision ${i}`);
    inside(a.intervals.perClass[i].recall, p.recall, `recall ${i}`);
    inside(a.intervals.perClass[i].f1, p.f1, `F1 ${i}`);
  });
  const roc = computeEvalMetrics(input).find((m) => m.id === 'rocAuc')!.value as { macro: number; perClass: { auc: number }[] };
  inside(a.intervals.metrics.rocAuc.macro, roc.macro, 'macro AUC');
  fx.classes.forEach((name, i) => inside(a.intervals.metrics.rocAuc[name], roc.perClass[i].auc, `AUC ${name}`));
  for (const id of ['balancedAccuracy', 'matthews', 'cohenKappa', 'logLoss', 'brier']) assert.ok(a.intervals.metrics[id].value, id);
  assert.ok(a.intervals.metrics.calibration.ece);
});

test('the weighted metrics of a resample equal the metrics of that resample written out image by image', () => {
  const input = inputOf(fx);
  const n = input.labels.length;
  const rng = createRng(7);
  const weights = new Float64Array(n), drawn = new Float64Array(n);
  const { of, count } = clusterIndex(input.labels.map((_, i) => `p${i}`));
  resampleWeights(of, count, rng, weights, drawn);
  const idx = Array.from(weights).flatMap((w, i) => Array<number>(w).fill(i));
  assert.equal(idx.length, n, 'n draws');
  const labels = idx.map((i) => input.labels[i]), probabilities = idx.map((i) => input.probabilities[i] as number[]);
  const predicted = probabilities.map(argMax);
  const report = computeMetrics(labels, predicted, fx.classes);
  const written: EvalInput = { labels, predicted, probabilities, confusion: report.confusion, classes: fx.classes };

  const confusion = fx.classes.map(() => fx.classes.map(() => 0));
  input.labels.forEach((t, i) => { confusion[t][input.predicted[i]] += weights[i]; });
  const weighted: EvalInput = { ...input, confusion, weights };
  assert.deepEqual(reportFromConfusion(confusion, fx.classes), report);
  for (const m of EVAL_METRICS.filter((m) => m.bootstrap)) {
    const got = m.bootstrap!(weighted), want = m.bootstrap!(written);
    for (const [part, v] of Object.entries(want)) {
      assert.ok(v === null ? got[part] === null : Math.abs(got[part]! - v) < 1e-12, `${m.id}.${part}: ${got[part]} vs ${v}`);
    }
  }
});

test('the cluster bootstrap resamples whole patients: one weight per patient, and wider intervals when patients differ', () => {
  // 12 patients of 10 images each; a patient's images are all right or all wrong (half the patients each).
  const patients: string[] = [], labels: number[] = [], probabilities: number[][] = [];
  for (let p = 0; p < 12; p++) {
    for (let j = 0; j < 10; j++) {
      const label = (p + j) % 2;
      const right = p % 2 === 0;
      patients.push(`patient${p}`);
      labels.push(label);
      probabilities.push(right === (label === 0) ? [0.8, 0.2] : [0.3, 0.7]);
    }
  }
  const { of, count } = clusterIndex(patients);
  assert.equal(count, 12);
  const weights = new Float64Array(labels.length), drawn = new Float64Array(count);
  const rng = bootstrapRng(5);
  for (let r = 0; r < 50; r++) {
    resampleWeights(of, count, rng, weights, drawn);
    for (let p = 0; p < 12; p++) {
      const w = weights.slice(p * 10, p * 10 + 10);
      assert.ok(w.every((v) => v === w[0]), 'every image of a patient has the weight of its patient');
    }
    assert.equal(weights.reduce((a, b) => a + b, 0), 120, '12 patients drawn, 10 images each');
  }

  const scoredByPatient = scorePredictions({ labels, probabilities, classes: ['a', 'b'], seed: 3, patients });
  const scoredByImage = scorePredictions({ labels, probabilities, classes: ['a', 'b'], seed: 3 });
  assert.deepEqual([scoredByPatient.bootstrap!.unit, scoredByPatient.bootstrap!.clusters], ['patient', 12]);
  assert.deepEqual([scoredByImage.bootstrap!.unit, scoredByImage.bootstrap!.clusters], ['image', 120]);
  const width = (s: typeof scoredByImage) => s.intervals!.accuracy!.high - s.intervals!.accuracy!.low;
  assert.equal(scoredByPatient.report.accuracy, 0.5);
  assert.ok(width(scoredByPatient) > 2 * width(scoredByImage),
    `patients correlated: ${width(scoredByPatient)} (patients) vs ${width(scoredByImage)} (images)`);
});

test('a rare class: its AUC interval says in how many resamples it existed; an absent class has none', () => {
  const base = fixtures.find((f) => f.name === 'class_missing_from_true')!;
  const labels = [...base.yTrue];
  const probabilities = base.probabilities.map((r) => [...r]);
  labels[0] = 3; // one image of class3: missing from about e^-1 of the resamples
  const input = inputOf({ yTrue: labels, probabilities, classes: base.classes });
  const rare = bootstrapIntervals(input, { seed: 1, metrics: EVAL_METRICS }).intervals.metrics.rocAuc.class3!;
  assert.ok(rare.defined! > 1000 && rare.defined! < 1500, String(rare.defined));
  const absent = bootstrapIntervals(inputOf(base), { seed: 1, metrics: EVAL_METRICS }).intervals.metrics.rocAuc;
  assert.equal(absent.class3, null);
  assert.ok(absent.macro && absent.macro.defined === undefined, 'the macro AUC exists in every resample');
});

test('a metric that declares its parts gets intervals, with no other file touched', () => {
  const errorRate: EvalMetric<number> = {
    id: 'errorRate', label: 'error rate',
    compute: ({ confusion }) => 1 - reportFromConfusion(confusion as number[][], ['a', 'b', 'c']).accuracy,
    bootstrap: scalarParts(({ confusion }) => 1 - reportFromConfusion(confusion as number[][], ['a', 'b', 'c']).accuracy),
  };
  const r = bootstrapIntervals(inputOf(fx), { seed: 9, metrics: [errorRate] });
  const acc = r.intervals.accuracy!, err = r.intervals.metrics.errorRate.value!;
  assert.ok(Math.abs(err.low - (1 - acc.high)) < 1e-12 && Math.abs(err.high - (1 - acc.low)) < 1e-12, JSON.stringify({ acc, err }));
});

test('no images: no intervals, no crash', () => {
  const r = bootstrapIntervals({ labels: [], predicted: [], probabilities: [], confusion: [[0, 0], [0, 0]], classes: ['a', 'b'] }, { seed: 1, metrics: EVAL_METRICS });
  assert.equal(r.intervals.accuracy, null);
  assert.equal(r.bootstrap.images, 0);
});
