/**
 * ROAD — RemOve And Debias (Rong et al., "A Consistent and Efficient Evaluation Strategy for Attribution Methods",
 * ICML 2022, https://arxiv.org/abs/2202.00449), as pytorch-grad-cam's metrics/road.py computes it: for each percentile
 * p, the pixels the map ranks above its p-th percentile (most relevant first) or below its (100 − p)-th (least relevant
 * first) are removed and filled in by the noisy linear imputer (./imputer.ts), and the score is the model's target
 * score on the imputed input minus its score on the original; ROADMostRelevantFirstAverage /
 * ROADLeastRelevantFirstAverage average it over the percentiles (10, 20, …, 90 by default), ROADCombined is
 * (least − most) / 2.
 *
 * Reading them: a faithful map points at what the model uses, so removing its most relevant pixels makes the score fall
 * (most-relevant-first: lower, more negative, is more faithful) and removing its least relevant pixels leaves the score
 * where it was (least-relevant-first: higher is more faithful); the combined score is higher for a more faithful map.
 * The imputer removes the shape of the removed region from the image, which a plain fill colour would leave as a clue.
 */
import type { FaithfulnessInput, FaithfulnessMetric, FaithfulnessScores, FaithfulnessSettings, Perturbation } from './faithfulnessMetric';
import { targetScore } from './faithfulnessMetric';
import { imputeLinear } from './imputer';
import { keptPixels, rankedValues, type RemovalOrder } from './percentile';

/** pytorch-grad-cam's default percentiles of ROADMostRelevantFirstAverage and ROADLeastRelevantFirstAverage. */
export const ROAD_PERCENTILES: readonly number[] = [10, 20, 30, 40, 50, 60, 70, 80, 90];

const SHORT: Record<RemovalOrder, string> = { 'most-relevant-first': 'morf', 'least-relevant-first': 'lerf' };

/** The input with the pixels of one percentile removed and imputed (pytorch-grad-cam's RemoveMostRelevantFirst / RemoveLeastRelevantFirst). */
export function roadPerturbations(input: FaithfulnessInput, settings: FaithfulnessSettings, order: RemovalOrder): Perturbation[] {
  let ranked: ReturnType<typeof rankedValues> | undefined;
  return settings.percentiles.map((p) => {
    const key = `road-${SHORT[order]}-${p}`;
    return {
      key,
      make: () => {
        ranked ??= rankedValues(input.cam, order);
        const keep = keptPixels(input.cam, p, order, ranked);
        return imputeLinear(input.image, input.height, input.width, input.channels, keep, {
          noise: settings.noise, normal: settings.normalFor(key), tolerance: settings.tolerance,
        }).image;
      },
    };
  });
}

/** Mean over the percentiles of (score after imputation − score before): pytorch-grad-cam's AveragerAcrossThresholds. */
function averageChange(s: FaithfulnessScores, from: number, count: number): number {
  const before = targetScore(s.before, s.targetClass, s.settings.target);
  let sum = 0;
  for (let i = from; i < from + count; i++) sum += targetScore(s.after[i], s.targetClass, s.settings.target) - before;
  return sum / count;
}

/** One removal order alone: the mean score change over the percentiles (pytorch-grad-cam's ROAD…Average). */
function roadOneOrder(id: string, order: RemovalOrder, better: FaithfulnessMetric['better']): FaithfulnessMetric {
  return {
    id, label: `ROAD ${order.replace(/-/g, ' ')}`, better,
    perturbations: (input, settings) => roadPerturbations(input, settings, order),
    value: (s) => averageChange(s, 0, s.after.length),
  };
}

export const roadMostRelevantFirst = roadOneOrder('road-morf', 'most-relevant-first', 'lower');
export const roadLeastRelevantFirst = roadOneOrder('road-lerf', 'least-relevant-first', 'higher');

/** pytorch-grad-cam's ROADCombined: (least-relevant-first − most-relevant-first) / 2, on the same imputed inputs. */
export const roadCombined: FaithfulnessMetric = {
  id: 'road',
  label: 'ROAD combined',
  better: 'higher',
  perturbations: (input, settings) => [
    ...roadPerturbations(input, settings, 'least-relevant-first'),
    ...roadPerturbations(input, settings, 'most-relevant-first'),
  ],
  value: (s) => {
    const n = s.settings.percentiles.length;
    return (averageChange(s, 0, n) - averageChange(s, n, n)) / 2;
  },
};
