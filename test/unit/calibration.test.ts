/**
 * Calibration against scikit-learn (test/fixtures/ranking): ECE and the reliability bins (15 equal-width bins on the
 * top-class confidence, assigned as calibration_curve does, confidences on the bin edges included), and temperature
 * scaling as CalibratedClassifierCV(method='temperature') fits it; `--calibrate` through scorePredictions.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { argMax } from '../../src/shared/format';
import { RUN_FILES, evalMetricValue } from '../../src/shared/runFiles';
import { initBackend } from '../../src/engine/backend';
import { evaluateRun } from '../../src/engine/jobs/evaluate';
import { readEvalFile } from '../../src/engine/run/runFiles';
import { calibration, confidenceBin, ECE_BINS } from '../../src/engine/metrics/calibration';
import { logLoss } from '../../src/engine/metrics/logLoss';
import { scorePredictions } from '../../src/engine/metrics/scorePredictions';
import { applyTemperature, fitTemperature } from '../../src/engine/metrics/temperature';
import { close, fixtures, inputOf } from '../helpers/rankingFixtures';

for (const fx of fixtures) {
  test(`ECE and reliability bins as calibration_curve bins them: ${fx.name}`, () => {
    const got = calibration.compute(inputOf(fx));
    const want = fx.expected.calibration;
    close(got.ece, want.ece, 'ECE');
    assert.equal(got.bins.length, ECE_BINS);
    got.bins.forEach((b, i) => {
      assert.equal(b.count, want.bins[i].count, `count of bin ${i}`);
      close(b.confidence, want.bins[i].confidence, `mean confidence of bin ${i}`);
      close(b.accuracy, want.bins[i].accuracy, `accuracy of bin ${i}`);
      close(b.low, i / 15, `low edge ${i}`, 1e-15);
    });
    assert.equal(got.bins.reduce((s, b) => s + b.count, 0), fx.yTrue.length);
  });
}

test('a confidence on a bin edge belongs to the bin below it (np.searchsorted on the inner edges); 0 to the first', () => {
  assert.equal(confidenceBin(0), 0);
  assert.equal(confidenceBin(1 / 15), 0);
  assert.equal(confidenceBin(1 / 15 + 1e-12), 1);
  assert.equal(confidenceBin(8 * (1 / 15)), 7);
  assert.equal(confidenceBin(1), 14);
  assert.equal(confidenceBin(0.5), 7);
});

const withTemperature = fixtures.filter((f) => f.expected.temperature);

test('there are temperature-scaling fixtures, one overconfident (T > 1) and one underconfident (T < 1)', () => {
  const ts = withTemperature.map((f) => f.expected.temperature!.temperature);
  assert.ok(ts.some((t) => t > 1) && ts.some((t) => t < 1), String(ts));
});

for (const fx of withTemperature) {
  const want = fx.expected.temperature!;
  const val = fx.validation!;

  test(`temperature scaling fits the T of sklearn's CalibratedClassifierCV(method='temperature'): ${fx.name}`, () => {
    const fit = fitTemperature(val.yTrue, val.probabilities);
    close(fit.temperature, want.temperature, 'T', 1e-6 * want.temperature);
    assert.ok(fit.nllAfter <= fit.nllBefore, 'the fitted T does not raise the validation log loss');
    // Applied with sklearn's own T, the rows are sklearn's predict(): softmax(log(p + 1e-12) / T).
    const rows = applyTemperature(fx.probabilities.slice(0, 20), want.temperature);
    rows.forEach((row, i) => row.forEach((p, c) => close(p, want.calibratedFirstRows[i][c], `calibrated [${i}][${c}]`, 1e-12)));
    rows.forEach((row, i) => assert.equal(argMax(row), argMax(fx.probabilities[i]), 'T keeps the argmax'));
  });

  test(`--calibrate: the scored probabilities, log loss and ECE are the calibrated ones, with T and ECE before/after: ${fx.name}`, () => {
    const scored = scorePredictions({
      labels: fx.yTrue, probabilities: fx.probabilities, classes: fx.classes, seed: 1, resamples: 0,
      calibrateOn: { name: 'val', labels: val.yTrue, probabilities: val.probabilities },
    });
    const ts = scored.temperatureScaling!;
    close(ts.temperature, want.temperature, 'T', 1e-6 * want.temperature);
    assert.equal(ts.fittedOn, 'val');
    assert.equal(ts.fitImages, val.yTrue.length);
    close(ts.eceBefore, fx.expected.calibration.ece, 'ECE before');
    close(ts.eceAfter, want.calibrationAfter.ece, 'ECE after', 1e-6);
    close(ts.logLossBefore, fx.expected.logLoss, 'log loss before');
    close(ts.logLossAfter, want.logLossAfter, 'log loss after', 1e-6);
    const byId = Object.fromEntries(scored.metrics.map((m) => [m.id, m.value]));
    close(byId.logLoss as number, ts.logLossAfter, 'the listed log loss is the calibrated one');
    assert.deepEqual(scored.predicted, fx.probabilities.map(argMax));
    assert.notDeepEqual(scored.probabilities[0], fx.probabilities[0]);
  });
}

test('without --calibrate nothing is scaled and there is no temperatureScaling', () => {
  const fx = fixtures[0];
  const scored = scorePredictions({ labels: fx.yTrue, probabilities: fx.probabilities, classes: fx.classes, seed: 1, resamples: 0 });
  assert.equal(scored.temperatureScaling, undefined);
  assert.equal(scored.probabilities, fx.probabilities);
  close(logLoss.compute(inputOf(fx)), fx.expected.logLoss, 'log loss');
});

test('temperature scaling refuses an empty fitting set and a non-positive T', () => {
  assert.throws(() => fitTemperature([], []), /at least one image/);
  assert.throws(() => applyTemperature([[0.5, 0.5]], 0), /positive/);
});

test('evaluate --calibrate on a run: T fitted on its val split, the stored probabilities calibrated, intervals over patients', { timeout: 120_000 }, async () => {
  await initBackend('auto');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-calibrate-'));
  try {
    const fixture = path.resolve('test/fixtures/run-format1');
    const dir = path.join(tmp, 'run');
    await fs.cp(path.join(fixture, 'run'), dir, { recursive: true });
    const runJson = path.join(dir, RUN_FILES.run);
    const info = JSON.parse(await fs.readFile(runJson, 'utf8'));
    info.dataset.root = path.join(fixture, 'data');
    await fs.writeFile(runJson, JSON.stringify(info));
    await fs.rm(path.join(dir, RUN_FILES.eval), { recursive: true, force: true });

    const plain = await evaluateRun({ runDir: dir, emit: () => {} });
    const before = (await readEvalFile(plain.jsonPath))!;
    const calibrated = await evaluateRun({ runDir: dir, calibrate: true, emit: () => {} });
    const after = (await readEvalFile(calibrated.jsonPath))!;
    assert.deepEqual([plain.name, calibrated.name], ['test', 'test-calibrated'], 'a calibrated evaluation never overwrites the plain one');
    assert.equal((await readEvalFile(plain.jsonPath))!.temperatureScaling, undefined);
    assert.equal(before.temperatureScaling, undefined);
    const ts = after.temperatureScaling!;
    assert.deepEqual([ts.fittedOn, ts.fitImages], ['val', info.split.counts.val]);
    assert.deepEqual(calibrated.temperatureScaling, ts);
    close(ts.eceBefore, evalMetricValue(before.metrics, 'calibration')!.ece, 'ECE before = the uncalibrated evaluation\'s');
    close(ts.eceAfter, evalMetricValue(after.metrics, 'calibration')!.ece, 'ECE after = the stored one');
    // The stored rows are the uncalibrated ones with temperature T: p ∝ q^T recovers them (in logs: T is large here).
    after.predictions.forEach((p, i) => {
      const raw = before.predictions[i].probabilities;
      const logs = p.probabilities.map((q) => ts.temperature * Math.log(q));
      const max = Math.max(...logs);
      const back = logs.map((v) => Math.exp(v - max));
      const s = back.reduce((a, b) => a + b, 0);
      back.forEach((v, c) => close(v / s, raw[c], `raw probability ${i} ${c}`, 1e-6));
    });
    assert.deepEqual(after.confusion, before.confusion, 'calibration keeps the argmax');
    assert.equal(after.bootstrap!.unit, 'patient', 'the fixture dataset knows its patients (metadata.csv)');
    assert.equal(after.bootstrap!.resamples, 2000);
    assert.ok(after.intervals!.macroF1);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
});
