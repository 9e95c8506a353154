import type { RocAucValue } from '../../shared/runFiles';
import { hasProbabilities, type EvalMetric } from './evalMetric';
import { allFinite, classRankings, meanDefined, oneVsRest, raveled, weightedMeanDefined, weightedSupport } from './oneVsRest';
import { aucUndefinedReason, binaryRocAuc, rocCurve, thinCurve, trapezoidArea, weightedRocAuc } from './ranking';

/**
 * One-vs-rest ROC curve and AUC per class, as scikit-learn's roc_curve (drop_intermediate=True) and roc_auc_score;
 * macro = the mean over the classes that have an AUC (roc_auc_score(multi_class='ovr', average='macro') when all do),
 * weighted by support (average='weighted'), micro over the raveled one-hot matrix (average='micro' on label-indicator
 * input). A class with no image in the evaluated set, or with every image, has no AUC: null with the reason, and is
 * left out of macro and weighted. Bootstrap parts: each class's AUC (by class name) and `macro`.
 */
export const rocAuc: EvalMetric<RocAucValue> = {
  id: 'rocAuc',
  label: 'ROC AUC',
  compute: (input) => {
    const known = hasProbabilities(input);
    const ovr = oneVsRest(known ? input : { ...input, labels: [] });
    const perClass = input.classes.map((className, c) => {
      const positives = ovr.positives[c], negatives = ovr.negatives[c];
      const reason = (known ? undefined : 'no probabilities were given') ?? aucUndefinedReason(positives, negatives, className)
        ?? (allFinite(ovr.scores[c]) ? undefined : `the model's ${className} probabilities are not all finite numbers`);
      if (reason) return { className, positives, negatives, auc: null, reason, curve: null };
      const curve = rocCurve(ovr.positive[c], ovr.scores[c]);
      return { className, positives, negatives, auc: trapezoidArea(curve.fpr, curve.tpr), curve: thinCurve(curve) };
    });
    const aucs = perClass.map((c) => c.auc);
    const flat = raveled(ovr);
    return {
      perClass,
      macro: meanDefined(aucs),
      weighted: weightedMeanDefined(aucs, ovr.positives),
      micro: allFinite(flat.scores) && input.classes.length > 1 ? binaryRocAuc(flat.positive, flat.scores) : null,
    };
  },
  bootstrap: (input) => {
    if (!hasProbabilities(input)) return {};
    const weights = input.weights ?? new Float64Array(input.labels.length).fill(1);
    const support = weightedSupport(input, weights);
    const total = support.reduce((a, b) => a + b, 0);
    const aucs = classRankings(input).map((r, c) => (r && support[c] > 0 && support[c] < total ? weightedRocAuc(r, weights) : null));
    const parts: Record<string, number | null> = {};
    input.classes.forEach((name, c) => { parts[name] = aucs[c]; });
    parts.macro = meanDefined(aucs);
    return parts;
  },
};
