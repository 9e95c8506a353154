import type * as tf from '@tensorflow/tfjs';
import { BaseCam } from './baseCam';
import { gradCam } from './methods/gradCam';

/** BaseCam with the Grad-CAM method (./methods/gradCam.ts): `new GradCam(model, layer)`. */
export class GradCam extends BaseCam {
  constructor(model: tf.LayersModel, layerName: string) {
    super(model, layerName, gradCam);
  }
}
