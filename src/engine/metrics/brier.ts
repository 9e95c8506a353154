import type { EvalInput } from './evalMetric';
import { hasProbabilities, scalarParts, type EvalMetric } from './evalMetric';
import { perInput } from './cache';
import { weightedMean } from './logLoss';

function perImageBrier({ labels, probabilities, classes }: Pick<EvalInput, 'labels' | 'probabilities' | 'classes'>): Float64Array {
  // scale_by_half='auto': halved for two classes (then it is the binary Brier score, in [0, 1]), kept in [0, 2] for more.
  const scale = classes.length < 3 ? 0.5 : 1;
  return Float64Array.from(labels, (label, i) => {
    let s = 0;
    probabilities[i].forEach((p, c) => { const d = (c === label ? 1 : 0) - p; s += d * d; });
    return scale * s;
  });
}

/**
 * Brier score as scikit-learn 1.9's brier_score_loss with labels = every class and scale_by_half='auto': the mean over
 * images of Σ_c (y_c − p_c)² against the one-hot label — in [0, 2] for three or more classes, halved for two (the
 * usual binary Brier score, in [0, 1]).
 */
export const brier: EvalMetric<number> = {
  id: 'brier',
  label: 'Brier score',
  compute: (input) => (hasProbabilities(input) ? weightedMean(perImageBrier(input)) : NaN),
  bootstrap: scalarParts((input) => (hasProbabilities(input) ? weightedMean(perInput(input, 'brier', () => perImageBrier(input)), input.weights) : NaN)),
};
