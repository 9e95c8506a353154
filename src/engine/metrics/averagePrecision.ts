import type { AveragePrecisionValue } from '../../shared/runFiles';
import { hasProbabilities, type EvalMetric } from './evalMetric';
import { allFinite, classRankings, meanDefined, oneVsRest, raveled, weightedMeanDefined, weightedSupport } from './oneVsRest';
import { binaryAveragePrecision, precisionRecallCurve, thinCurve, weightedAveragePrecision } from './ranking';

/**
 * One-vs-rest precision-recall curve and average precision per class, as scikit-learn's precision_recall_curve
 * (stored with drop_intermediate=True, then capped at 500 points: ranking.ts thinCurve) and average_precision_score
 * (on the full curve); macro over the classes with images, weighted by support, micro over the raveled one-hot
 * matrix. A class with no image in the evaluated set has no AP (null with the reason). Bootstrap parts: each class
 * (by name) and `macro`.
 */
export const averagePrecision: EvalMetric<AveragePrecisionValue> = {
  id: 'averagePrecision',
  label: 'average precision',
  compute: (input) => {
    const known = hasProbabilities(input);
    const ovr = oneVsRest(known ? input : { ...input, labels: [] });
    const perClass = input.classes.map((className, c) => {
      const positives = ovr.positives[c];
      const reason = !known ? 'no probabilities were given' : positives === 0 ? `no image of ${className} in the evaluated set`
        : allFinite(ovr.scores[c]) ? undefined : `the model's ${className} probabilities are not all finite numbers`;
      if (reason) return { className, positives, ap: null, reason, curve: null };
      return {
        className, positives,
        ap: binaryAveragePrecision(ovr.positive[c], ovr.scores[c]),
        curve: thinCurve(precisionRecallCurve(ovr.positive[c], ovr.scores[c], true)),
      };
    });
    const aps = perClass.map((c) => c.ap);
    const flat = raveled(ovr);
    return {
      perClass,
      macro: meanDefined(aps),
      weighted: weightedMeanDefined(aps, ovr.positives),
      micro: allFinite(flat.scores) ? binaryAveragePrecision(flat.positive, flat.scores) : null,
    };
  },
  bootstrap: (input) => {
    if (!hasProbabilities(input)) return {};
    const weights = input.weights ?? new Float64Array(input.labels.length).fill(1);
    const support = weightedSupport(input, weights);
    const aps = classRankings(input).map((r, c) => (r && support[c] > 0 ? weightedAveragePrecision(r, weights) : null));
    const parts: Record<string, number | null> = {};
    input.classes.forEach((name, c) => { parts[name] = aps[c]; });
    parts.macro = meanDefined(aps);
    return parts;
  },
};
