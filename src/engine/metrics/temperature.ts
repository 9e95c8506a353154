/**
 * Temperature scaling (Guo et al. 2017), as scikit-learn's CalibratedClassifierCV(method='temperature') fits it
 * (sklearn/calibration.py _TemperatureScaling): one T > 0 for all classes, calibrated rows softmax(z / T), T chosen to
 * minimise the log loss on held-out images (the run's validation split), searched on log(1/T) in [−10, 10].
 *
 * The eval and prediction files keep probabilities, not logits. The log-probabilities serve as logits — as sklearn's
 * _convert_to_logits does with predict_proba output, log(p + 1e-12) —, because softmax(log p / T) is the temperature
 * scaling of the true logits: log p = z − logsumexp(z) differs from z by a constant per row, which softmax ignores.
 * T does not change a row's argmax, so the confusion matrix stays as it was.
 */

/** sklearn's _convert_to_logits adds this before the log so that a probability of 0 stays finite. */
const LOGIT_EPS = 1e-12;
/** The search interval of log(1/T) (sklearn's bounds). */
const LOG_BETA_RANGE: [number, number] = [-10, 10];

function logits(probabilities: readonly (readonly number[])[]): Float64Array[] {
  return probabilities.map((row) => Float64Array.from(row, (p) => Math.log(p + LOGIT_EPS)));
}

/** Mean negative log-likelihood of softmax(beta · z) at the labels. */
function nll(z: readonly Float64Array[], labels: readonly number[], beta: number): number {
  let sum = 0;
  for (let i = 0; i < z.length; i++) {
    const row = z[i];
    let max = -Infinity;
    for (let c = 0; c < row.length; c++) max = Math.max(max, beta * row[c]);
    let s = 0;
    for (let c = 0; c < row.length; c++) s += Math.exp(beta * row[c] - max);
    sum += max + Math.log(s) - beta * row[labels[i]];
  }
  return sum / z.length;
}

export interface TemperatureFit {
  temperature: number;
  /** Mean log loss on the fitting images at T = 1 and at the fitted T. */
  nllBefore: number;
  nllAfter: number;
}

/**
 * The T that minimises the log loss of softmax(log p / T) on (labels, probabilities): golden-section search over
 * log(1/T) — the loss is convex in 1/T, so unimodal in its log — to an interval of 1e-10.
 */
export function fitTemperature(labels: readonly number[], probabilities: readonly (readonly number[])[]): TemperatureFit {
  if (labels.length === 0) throw new RangeError('temperature scaling needs at least one image to fit on');
  if (labels.length !== probabilities.length) throw new RangeError(`${labels.length} labels but ${probabilities.length} probability rows`);
  const z = logits(probabilities);
  const f = (logBeta: number) => nll(z, labels, Math.exp(logBeta));
  const g = (Math.sqrt(5) - 1) / 2;
  let [a, b] = LOG_BETA_RANGE;
  let x1 = b - g * (b - a), x2 = a + g * (b - a);
  let f1 = f(x1), f2 = f(x2);
  while (b - a > 1e-10) {
    if (f1 <= f2) {
      b = x2; x2 = x1; f2 = f1;
      x1 = b - g * (b - a); f1 = f(x1);
    } else {
      a = x1; x1 = x2; f1 = f2;
      x2 = a + g * (b - a); f2 = f(x2);
    }
  }
  const logBeta = (a + b) / 2;
  return { temperature: 1 / Math.exp(logBeta), nllBefore: f(0), nllAfter: f(logBeta) };
}

/** softmax(log(p + 1e-12) / T) of every row. */
export function applyTemperature(probabilities: readonly (readonly number[])[], temperature: number): number[][] {
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new RangeError(`temperature must be a positive number, got ${temperature}`);
  const beta = 1 / temperature;
  return logits(probabilities).map((row) => {
    let max = -Infinity;
    for (const v of row) max = Math.max(max, beta * v);
    const e = Array.from(row, (v) => Math.exp(beta * v - max));
    const s = e.reduce((x, y) => x + y, 0);
    return e.map((v) => v / s);
  });
}
