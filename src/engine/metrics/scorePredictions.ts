/**
 * Everything an evaluation computes from its predictions, in one pure function (the evaluate job writes it to
 * eval/<name>.json; bench/evalMetrics.ts times it): optional temperature scaling fitted on other images, the
 * confusion matrix and per-class report, every metric of EVAL_METRICS, and the bootstrap intervals.
 */
import type { BootstrapInfo, EvalIntervals, MetricsReport, TemperatureScaling } from '../../shared/runFiles';
import { argMax } from '../../shared/format';
import { bootstrapIntervals } from './bootstrap';
import { expectedCalibrationError } from './calibration';
import { computeEvalMetrics, EVAL_METRICS, type MetricValue } from './index';
import { logLoss } from './logLoss';
import { computeMetrics } from './metrics';
import { applyTemperature, fitTemperature } from './temperature';

export interface PredictionsToScore {
  labels: number[];
  probabilities: number[][];
  classes: string[];
  /** Seeds the bootstrap (the run's seed; the bootstrap forks its own stream from it). */
  seed: number;
  /** Each image's patient when patients are known: the bootstrap then resamples patients. */
  patients?: readonly string[];
  /** Fit a temperature on these images (the validation split) and score the calibrated probabilities. */
  calibrateOn?: { name: string; labels: number[]; probabilities: number[][] };
  /** Bootstrap resamples (default 2000; 0 = no intervals). */
  resamples?: number;
}

export interface ScoredPredictions {
  /** The scored probability rows: calibrated with calibrateOn, else the given ones. `predicted` is their argmax (calibration keeps it). */
  probabilities: number[][];
  predicted: number[];
  report: MetricsReport;
  metrics: MetricValue[];
  intervals?: EvalIntervals;
  bootstrap?: BootstrapInfo;
  temperatureScaling?: TemperatureScaling;
}

export function scorePredictions(p: PredictionsToScore): ScoredPredictions {
  let probabilities = p.probabilities;
  let temperatureScaling: TemperatureScaling | undefined;
  const predicted = p.probabilities.map(argMax);
  if (p.calibrateOn) {
    const fit = fitTemperature(p.calibrateOn.labels, p.calibrateOn.probabilities);
    probabilities = applyTemperature(p.probabilities, fit.temperature);
    const before = { labels: p.labels, predicted, probabilities: p.probabilities, confusion: [], classes: p.classes };
    const after = { ...before, probabilities };
    temperatureScaling = {
      temperature: fit.temperature, fittedOn: p.calibrateOn.name, fitImages: p.calibrateOn.labels.length,
      eceBefore: expectedCalibrationError(before), eceAfter: expectedCalibrationError(after),
      logLossBefore: logLoss.compute(before), logLossAfter: logLoss.compute(after),
    };
  }
  const report = computeMetrics(p.labels, predicted, p.classes);
  const input = { labels: p.labels, predicted, probabilities, confusion: report.confusion, classes: p.classes };
  const metrics = computeEvalMetrics(input);
  const boot = p.resamples === 0 ? undefined
    : bootstrapIntervals(input, { seed: p.seed, resamples: p.resamples, clusters: p.patients, metrics: EVAL_METRICS });
  return { probabilities, predicted, report, metrics, ...boot, ...(temperatureScaling ? { temperatureScaling } : {}) };
}
