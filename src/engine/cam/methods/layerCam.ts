import * as tf from '@tensorflow/tfjs';
import type { CamMethod } from '../camMethod';

/**
 * Layer-CAM: Jiang et al., "LayerCAM: Exploring Hierarchical Class Activation Maps for Localization",
 * IEEE TIP 2021, https://ieeexplore.ieee.org/document/9462463. Each activation weighted by its own positive
 * gradient, ReLU(g) ⊙ A, summed over channels: pytorch-grad-cam's LayerCAM.
 */
export const layerCam: CamMethod = {
  id: 'layercam',
  label: 'Layer-CAM',
  usesGradients: true,
  batchSafe: true,
  cam: ({ activations, gradients }) => ({ contributions: tf.relu(gradients!).mul(activations) as tf.Tensor4D }),
};
