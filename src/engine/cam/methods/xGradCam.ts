import type { CamMethod } from '../camMethod';

/**
 * XGrad-CAM: Fu et al., "Axiom-based Grad-CAM: Towards Accurate Visualization and Explanation of CNNs",
 * BMVC 2020, https://arxiv.org/abs/2008.02312. Channel weight w_k = sum_ij g_ij A^k_ij / (sum_ij A^k_ij + 1e-7),
 * as pytorch-grad-cam's XGradCAM.
 */
export const xGradCam: CamMethod = {
  id: 'xgradcam',
  label: 'XGrad-CAM',
  usesGradients: true,
  batchSafe: true,
  cam: ({ activations, gradients }) => {
    const sumActivations = activations.sum([1, 2], true);
    return { weights: gradients!.mul(activations).div(sumActivations.add(1e-7)).sum([1, 2]) };
  },
};
