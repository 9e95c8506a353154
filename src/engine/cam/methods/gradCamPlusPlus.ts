import * as tf from '@tensorflow/tfjs';
import type { CamMethod } from '../camMethod';

/**
 * Grad-CAM++: Chattopadhyay et al., "Grad-CAM++: Improved Visual Explanations for Deep Convolutional
 * Networks", WACV 2018, https://arxiv.org/abs/1710.11063 — as pytorch-grad-cam's GradCAMPlusPlus computes it:
 *   a_ij = g² / (2 g² + (sum_ij A^k) g³ + 1e-6), 0 where g = 0 (Eq. 19 with the exponential's derivatives),
 *   w_k = sum_ij ReLU(g_ij) a_ij,
 * g being d(target logit)/dA^k.
 */
export const gradCamPlusPlus: CamMethod = {
  id: 'gradcampp',
  aliases: ['gradcam++'],
  label: 'Grad-CAM++',
  usesGradients: true,
  batchSafe: true,
  cam: ({ activations, gradients }) => {
    const g = gradients!;
    const g2 = g.square();
    const g3 = g2.mul(g);
    const sumActivations = activations.sum([1, 2], true);
    const aij = g2.div(g2.mul(2).add(sumActivations.mul(g3)).add(1e-6));
    const masked = tf.where(g.notEqual(0), aij, tf.zerosLike(aij));
    return { weights: tf.relu(g).mul(masked).sum([1, 2]) };
  },
};
