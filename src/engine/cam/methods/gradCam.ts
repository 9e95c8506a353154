import * as tf from '@tensorflow/tfjs';
import type { CamMethod } from '../camMethod';

/**
 * Grad-CAM: Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
 * Localization", ICCV 2017, https://arxiv.org/abs/1610.02391.
 *
 * Eq. 1: the weight of channel k for class c is the global-average-pooled gradient,
 *   alpha_k^c = (1/Z) * sum_i sum_j dy^c / dA^k_ij.
 * (Eq. 2, ReLU(sum_k alpha_k^c A^k), is applied by BaseCam.)
 */
export const gradCam: CamMethod = {
  id: 'gradcam',
  label: 'Grad-CAM',
  usesGradients: true,
  batchSafe: true,
  cam: ({ gradients }) => ({ weights: tf.mean(gradients!, [1, 2]) }),
};
