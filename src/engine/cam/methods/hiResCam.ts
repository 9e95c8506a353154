import type { CamMethod } from '../camMethod';

/**
 * HiResCAM: Draelos & Carin, "Use HiResCAM instead of Grad-CAM for faithful explanations of convolutional
 * neural networks", 2020, https://arxiv.org/abs/2011.08891. The gradient times the activation, element by
 * element, summed over channels (no spatial averaging of the gradient): pytorch-grad-cam's HiResCAM.
 */
export const hiResCam: CamMethod = {
  id: 'hirescam',
  label: 'HiResCAM',
  usesGradients: true,
  batchSafe: true,
  cam: ({ activations, gradients }) => ({ contributions: gradients!.mul(activations) }),
};
