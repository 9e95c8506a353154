/**
 * fastai's learning-rate range test (Learner.lr_find, LRFinder, Recorder's smooth loss and the suggestion functions
 * `valley` and `steep`), as pure functions; src/engine/jobs/lrFind.ts runs the training steps.
 *
 * Batch i (0-based) trains at start·(end/start)^(i/numIt) (SchedExp at pct i/numIt); after each batch the smoothed loss
 * — the exponential moving average with β 0.98, debiased by 1 − β^count (AvgSmoothLoss) — is recorded, and the test
 * stops once it exceeds 4 × its minimum so far, or after numIt batches.
 */

export const LR_FIND_DEFAULTS = { startLr: 1e-7, endLr: 10, numIt: 100, beta: 0.98, divergence: 4 } as const;

/** SchedExp: the rate of batch `i`. */
export function lrFinderLr(i: number, numIt: number, startLr: number = LR_FIND_DEFAULTS.startLr, endLr: number = LR_FIND_DEFAULTS.endLr): number {
  return startLr * Math.pow(endLr / startLr, i / numIt);
}

/** AvgSmoothLoss as a running state: `add(loss)` returns the debiased smooth loss after this batch. */
export class SmoothLoss {
  private val = 0;
  private count = 0;
  constructor(private readonly beta: number = LR_FIND_DEFAULTS.beta) {}

  add(loss: number): number {
    this.count++;
    this.val = loss + this.beta * (this.val - loss); // torch.lerp(loss, val, beta)
    return this.val / (1 - Math.pow(this.beta, this.count));
  }
}

/** LRFinder.after_batch: stop when the smooth loss passes `divergence` × the best one (or is not a number). */
export function diverged(smooth: number, best: number, divergence: number = LR_FIND_DEFAULTS.divergence): boolean {
  return !Number.isFinite(smooth) || smooth > divergence * best;
}

export interface Suggestion { lr: number; loss: number; index: number }

/** fastai's valley: the longest decreasing run (longest decreasing subsequence ending anywhere), ~halfway along its length. */
export function valley(lrs: readonly number[], losses: readonly number[]): Suggestion {
  const n = losses.length;
  let maxStart = 0, maxEnd = 0;
  const lds = new Array<number>(n).fill(1);
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (losses[i] < losses[j] && lds[i] < lds[j] + 1) lds[i] = lds[j] + 1;
      if (lds[maxEnd] < lds[i]) {
        maxEnd = i;
        maxStart = maxEnd - lds[maxEnd];
      }
    }
  }
  const sections = (maxEnd - maxStart) / 3;
  const index = maxStart + Math.trunc(sections) + Math.trunc(sections / 2);
  return { lr: lrs[index], loss: losses[index], index };
}

/** fastai's steep: where the loss falls fastest per unit of log(lr) (the left point of the steepest segment). */
export function steep(lrs: readonly number[], losses: readonly number[]): Suggestion {
  let index = 0, best = Infinity;
  for (let i = 0; i + 1 < losses.length; i++) {
    const g = (losses[i + 1] - losses[i]) / (Math.log(lrs[i + 1]) - Math.log(lrs[i]));
    if (g < best) { best = g; index = i; }
  }
  return { lr: lrs[index], loss: losses[index], index };
}

/**
 * Learner.lr_find's suggestions from the recorded rates and smooth losses: the first numIt/10 and the last 5 points are
 * left out, and everything from the first NaN on. Indices are into the recorded arrays. undefined: too few points left.
 */
export function suggestLrs(lrs: readonly number[], losses: readonly number[], numIt: number): { valley: Suggestion; steep: Suggestion } | undefined {
  const skip = Math.floor(numIt / 10);
  let end = Math.max(skip, lrs.length - 5);
  const nan = losses.findIndex((l, i) => i >= skip && i < end && Number.isNaN(l));
  if (nan >= 0) end = nan;
  if (end - skip < 2) return undefined;
  const l = lrs.slice(skip, end), y = losses.slice(skip, end);
  const shift = (s: Suggestion): Suggestion => ({ ...s, index: s.index + skip });
  return { valley: shift(valley(l, y)), steep: shift(steep(l, y)) };
}
