import type { EvalInput } from './evalMetric';
import { hasProbabilities, scalarParts, type EvalMetric } from './evalMetric';
import { perInput } from './cache';

/** sklearn's log_loss clips each probability to [eps, 1 − eps] (float64's eps) so that log(0) never happens. */
const EPS = Number.EPSILON;

function perImageLoss(input: Pick<EvalInput, 'labels' | 'probabilities'>): Float64Array {
  return Float64Array.from(input.labels, (label, i) => -Math.log(Math.min(1 - EPS, Math.max(EPS, input.probabilities[i][label]))));
}

/** The (weighted) mean of per-image values; NaN without images. */
export function weightedMean(values: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let sum = 0, total = 0;
  for (let i = 0; i < values.length; i++) {
    const w = weights ? weights[i] : 1;
    if (w !== 0) { sum += w * values[i]; total += w; }
  }
  return total > 0 ? sum / total : NaN;
}

/**
 * Log loss (cross-entropy) of the probability rows, as scikit-learn's log_loss with labels = every class: the mean of
 * −log p(true class), each probability clipped to [eps, 1 − eps]. With --calibrate, of the calibrated probabilities.
 */
export const logLoss: EvalMetric<number> = {
  id: 'logLoss',
  label: 'log loss',
  compute: (input) => (hasProbabilities(input) ? weightedMean(perImageLoss(input)) : NaN),
  bootstrap: scalarParts((input) => (hasProbabilities(input) ? weightedMean(perInput(input, 'logLoss', () => perImageLoss(input)), input.weights) : NaN)),
};
