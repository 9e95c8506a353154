/**
 * McNemar's exact test of two classifiers on the same images: only the discordant pairs count — b images the first
 * got right and the second wrong, c the other way round — and under "no difference" each discordant image is a fair
 * coin, so the p-value is scipy's two-sided `binomtest(b, b + c, 0.5).pvalue` (scipy 1.17, stats/_binomtest.py),
 * ported with its tie tolerance: the other tail collects every outcome no more likely than the one observed
 * (within a relative 1e-7). Checked against scipy on fixtures (test/fixtures/make_paired_fixtures.py).
 */

export interface McNemarResult {
  /** Images the first model got right and the second wrong. */
  b: number;
  /** Images the first model got wrong and the second right. */
  c: number;
  /** Two-sided exact p-value (1 when there is no discordant image). */
  p: number;
}

/** scipy's relative tolerance for "as likely as the observed outcome" (rerr). */
const RERR = 1 + 1e-7;

/**
 * P(X = j) of X ~ Binomial(n, 1/2) for every j, by the recurrence C(n, j+1) = C(n, j)(n − j)/(j + 1): from 2^-n in
 * plain doubles while that is a normal number (exact for small n, where C(n, j) fits in 53 bits), in log space beyond
 * (where the tails underflow to 0, as scipy's do).
 */
function pmfHalf(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  if (n <= 1000) {
    out[0] = 2 ** -n;
    for (let j = 0; j < n; j++) out[j + 1] = (out[j] * (n - j)) / (j + 1);
    return out;
  }
  let log = -n * Math.LN2;
  out[0] = Math.exp(log);
  for (let j = 0; j < n; j++) {
    log += Math.log((n - j) / (j + 1));
    out[j + 1] = Math.exp(log);
  }
  return out;
}

/** Σ P(X = j) over j in [from, to], summed from the smaller end (the far tail) towards the mode. */
function sumPmf(pmf: Float64Array, from: number, to: number): number {
  if (from > to) return 0;
  const mode = (pmf.length - 1) / 2;
  let s = 0;
  if (Math.abs(from - mode) > Math.abs(to - mode)) for (let j = from; j <= to; j++) s += pmf[j];
  else for (let j = to; j >= from; j--) s += pmf[j];
  return s;
}

/** scipy.stats.binomtest(k, n, 0.5, alternative='two-sided').pvalue. */
export function binomTestTwoSidedHalf(k: number, n: number): number {
  if (!Number.isInteger(k) || !Number.isInteger(n) || n < 0 || k < 0 || k > n) throw new RangeError(`binomtest needs 0 ≤ k ≤ n integers, got k = ${k}, n = ${n}`);
  if (n === 0 || 2 * k === n) return 1;
  const probs = pmfHalf(n);
  const d = probs[k] * RERR;
  const pmf = (j: number) => probs[j];
  let p: number;
  if (2 * k < n) {
    // The upper tail: every j from the mode up whose probability is ≤ d (the pmf decreases there).
    let ix = Math.ceil(n / 2);
    while (ix <= n && pmf(ix) > d) ix++;
    p = sumPmf(probs, 0, k) + sumPmf(probs, ix, n);
  } else {
    // The lower tail: every j up to the mode whose probability is ≤ d (the pmf increases there).
    let ix = Math.floor(n / 2);
    while (ix >= 0 && pmf(ix) > d) ix--;
    p = sumPmf(probs, 0, ix) + sumPmf(probs, k, n);
  }
  return Math.min(1, p);
}

/**
 * McNemar's exact test from each image's correctness under the two models (same images, same order).
 * b, c and the p-value of binomtest(b, b + c, 0.5).
 */
export function mcnemarExact(correctA: ArrayLike<boolean>, correctB: ArrayLike<boolean>): McNemarResult {
  if (correctA.length !== correctB.length) throw new RangeError(`${correctA.length} and ${correctB.length} images: McNemar's test needs the same images`);
  let b = 0, c = 0;
  for (let i = 0; i < correctA.length; i++) {
    if (correctA[i] && !correctB[i]) b++;
    else if (!correctA[i] && correctB[i]) c++;
  }
  return { b, c, p: binomTestTwoSidedHalf(b, b + c) };
}
