import type { CamMethod } from '../camMethod';
import { principalProjection } from '../projection';

/**
 * Eigen-CAM: Muhammad & Yeasin, "Eigen-CAM: Class Activation Map using Principal Components", IJCNN 2020,
 * https://arxiv.org/abs/2008.00299. The activation projected on its first principal component (pytorch-grad-cam's
 * EigenCAM: get_2d_projection of the activations, centred); class-agnostic, no gradients. The component's sign
 * is fixed so the map correlates positively with the channel mean (../projection.ts).
 */
export const eigenCam: CamMethod = {
  id: 'eigencam',
  label: 'Eigen-CAM',
  usesGradients: false,
  cam: ({ activations }) => ({ map: principalProjection(activations) }),
};
