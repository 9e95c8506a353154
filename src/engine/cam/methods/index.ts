/**
 * The CAM methods `explain` offers, each equal to pytorch-grad-cam's (test/parity). Adding one is a new file in
 * this folder exporting a CamMethod, plus its line in CAM_METHODS.
 */
import type { CamMethod } from '../camMethod';
import { ConfigError } from '../../errors';
import { eigenCam } from './eigenCam';
import { gradCam } from './gradCam';
import { gradCamPlusPlus } from './gradCamPlusPlus';
import { hiResCam } from './hiResCam';
import { layerCam } from './layerCam';
import { scoreCam } from './scoreCam';
import { xGradCam } from './xGradCam';

const CAM_METHODS: readonly CamMethod[] = [
  gradCam,
  gradCamPlusPlus,
  hiResCam,
  xGradCam,
  layerCam,
  eigenCam,
  scoreCam,
];

export const DEFAULT_CAM_METHOD = gradCam.id;

export function listCamMethods(): readonly CamMethod[] {
  return CAM_METHODS;
}

/** Every name `--method` accepts: the ids, then the aliases ('gradcam++'). */
export function camMethodNames(): string[] {
  return [...CAM_METHODS.map((m) => m.id), ...CAM_METHODS.flatMap((m) => m.aliases ?? [])];
}

/** The method with this id or alias; a ConfigError naming the known ids otherwise. */
export function getCamMethod(id: string = DEFAULT_CAM_METHOD): CamMethod {
  const method = CAM_METHODS.find((m) => m.id === id) ?? CAM_METHODS.find((m) => m.aliases?.includes(id));
  if (!method) throw new ConfigError(`Unknown CAM method '${id}'. Known methods: ${CAM_METHODS.map((m) => m.id).join(', ')}.`);
  return method;
}

export type { CamContext, CamMethod, CamOutput } from '../camMethod';
export type { CamOptions } from '../baseCam';
