/**
 * The CAM methods `explain` offers. Adding one (Grad-CAM++, Score-CAM, Eigen-CAM) is a new file in this
 * folder exporting a CamMethod, plus its line in CAM_METHODS.
 */
import type { CamMethod } from '../camMethod';
import { ConfigError } from '../../errors';
import { gradCam } from './gradCam';

const CAM_METHODS: readonly CamMethod[] = [
  gradCam,
];

export const DEFAULT_CAM_METHOD = gradCam.id;

export function listCamMethods(): readonly CamMethod[] {
  return CAM_METHODS;
}

/** The method with this id; a ConfigError naming the known ids otherwise. */
export function getCamMethod(id: string = DEFAULT_CAM_METHOD): CamMethod {
  const method = CAM_METHODS.find((m) => m.id === id);
  if (!method) throw new ConfigError(`Unknown CAM method '${id}'. Known methods: ${CAM_METHODS.map((m) => m.id).join(', ')}.`);
  return method;
}

export type { CamContext, CamMethod, CamOutput } from '../camMethod';
