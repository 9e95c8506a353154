import type { CalibrationValue } from '../../shared/runFiles';
import { hasProbabilities, type EvalInput, type EvalMetric } from './evalMetric';
import { perInput } from './cache';

export const ECE_BINS = 15;

/** The bin edges as numpy's linspace(0, 1, 16) computes them (i · (1/15), the last exactly 1). */
const EDGES = Array.from({ length: ECE_BINS + 1 }, (_, i) => (i === ECE_BINS ? 1 : i * (1 / ECE_BINS)));

/**
 * The bin of a confidence as sklearn's calibration_curve(strategy='uniform') assigns it (np.searchsorted on the inner
 * edges): (edge_b, edge_b+1], the first bin also taking 0.
 */
export function confidenceBin(confidence: number): number {
  let b = Math.min(ECE_BINS - 1, Math.max(0, Math.ceil(confidence * ECE_BINS) - 1));
  while (b > 0 && !(EDGES[b] < confidence)) b--;
  while (b < ECE_BINS - 1 && EDGES[b + 1] < confidence) b++;
  return b;
}

interface PerImage { bin: Int32Array; confidence: Float64Array; correct: Uint8Array; finite: boolean }

function perImage(input: Pick<EvalInput, 'labels' | 'predicted' | 'probabilities'>): PerImage {
  const { labels, predicted, probabilities } = input;
  const n = hasProbabilities(input) ? labels.length : 0;
  const out: PerImage = { bin: new Int32Array(n), confidence: new Float64Array(n), correct: new Uint8Array(n), finite: true };
  for (let i = 0; i < n; i++) {
    const conf = Math.max(...probabilities[i]);
    if (!Number.isFinite(conf)) out.finite = false;
    out.confidence[i] = conf;
    out.correct[i] = predicted[i] === labels[i] ? 1 : 0;
    out.bin[i] = Number.isFinite(conf) ? confidenceBin(conf) : 0;
  }
  return out;
}

function binsOf(p: PerImage, weights?: ArrayLike<number>): CalibrationValue {
  const count = new Float64Array(ECE_BINS), conf = new Float64Array(ECE_BINS), correct = new Float64Array(ECE_BINS);
  let total = 0;
  for (let i = 0; i < p.bin.length; i++) {
    const w = weights ? weights[i] : 1;
    if (w === 0) continue;
    const b = p.bin[i];
    count[b] += w;
    conf[b] += w * p.confidence[i];
    correct[b] += w * p.correct[i];
    total += w;
  }
  let ece = 0;
  const bins = Array.from({ length: ECE_BINS }, (_, b) => {
    const n = count[b];
    if (n > 0) ece += (n / total) * Math.abs(correct[b] / n - conf[b] / n);
    return { low: EDGES[b], high: EDGES[b + 1], count: n, confidence: n > 0 ? conf[b] / n : null, accuracy: n > 0 ? correct[b] / n : null };
  });
  return { ece: p.finite && total > 0 ? ece : NaN, bins };
}

/**
 * Expected calibration error on the top-class confidence (the highest probability of each image against whether its
 * argmax is right) over 15 equal-width bins: Σ_b n_b/n · |accuracy_b − mean confidence_b|; the bins are the
 * reliability diagram's (per bin: count, mean confidence, accuracy), assigned as sklearn's calibration_curve does.
 * With --calibrate, of the calibrated probabilities (the eval file's temperatureScaling has the ECE before).
 */
export const calibration: EvalMetric<CalibrationValue> = {
  id: 'calibration',
  label: 'ECE',
  compute: (input) => binsOf(perImage(input)),
  bootstrap: (input) => {
    const { ece } = binsOf(perInput(input, 'calibration', () => perImage(input)), input.weights);
    return { ece: Number.isFinite(ece) ? ece : null };
  },
};

/** The expected calibration error alone (temperature scaling reports it before and after). */
export function expectedCalibrationError(input: Pick<EvalInput, 'labels' | 'predicted' | 'probabilities'>): number {
  return binsOf(perImage(input)).ece;
}
