/**
 * The top-losses gallery: every evaluated image's cross-entropy −log p(true class) from its stored probabilities,
 * highest first (fastai's top_losses). Pure: tested under node.
 */
import type { PredictionRow } from '../../shared/webviewProtocol';
import { finite } from '../../shared/format';

/** log(0) never happens: probabilities are clipped to float64's epsilon, as scikit-learn's log_loss and the engine do. */
const EPS = Number.EPSILON;
export const GALLERY_PAGE = 24;

export interface LossItem {
  prediction: PredictionRow;
  /** −log p(true class). */
  loss: number;
  /** Probability of the true class and of the predicted one. */
  pTrue: number;
  pPredicted: number;
  correct: boolean;
}

export function imageLoss(p: PredictionRow): number {
  const q = finite(p.probabilities[p.label]) ?? 0;
  return -Math.log(Math.min(1 - EPS, Math.max(EPS, q)));
}

/** All images, highest loss first; ties by path so the order is stable. `onlyWrong`: misclassified images only. */
export function topLosses(predictions: readonly PredictionRow[], onlyWrong = false): LossItem[] {
  return predictions
    .filter((p) => !onlyWrong || p.label !== p.predicted)
    .map((p): LossItem => ({
      prediction: p, loss: imageLoss(p), pTrue: finite(p.probabilities[p.label]) ?? 0, pPredicted: finite(p.probabilities[p.predicted]) ?? 0,
      correct: p.label === p.predicted,
    }))
    .sort((a, b) => b.loss - a.loss || a.prediction.rel.localeCompare(b.prediction.rel));
}

/** How many tiles to show: at least one page, never more than there are, in whole pages. */
export function galleryCount(requested: unknown, available: number): number {
  const n = typeof requested === 'number' && Number.isFinite(requested) ? Math.max(GALLERY_PAGE, Math.ceil(requested / GALLERY_PAGE) * GALLERY_PAGE) : GALLERY_PAGE;
  return Math.min(n, available);
}
