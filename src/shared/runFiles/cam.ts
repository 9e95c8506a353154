/**
 * cams/<image-hash>-<class>-<method>[-aug][-eigen][-<layer>].json: one explained image, beside its heatmap and overlay
 * PNGs (the layer only when it is not the run's default CAM layer; camFileStem names them).
 */
import { z } from 'zod';
import { checkpointNameSchema } from './checkpoint';
import { formatField, jsonNumber } from './fields';

/** What the explain job returns per image (absolute paths). */
export const explainItemSchema = z.object({
  image: z.string(),
  classIndex: z.number(),
  className: z.string(),
  probabilities: z.array(jsonNumber),
  layer: z.string(),
  heatmap: z.string(),
  overlay: z.string(),
  json: z.string(),
});
export type ExplainItem = z.infer<typeof explainItemSchema>;

export const camFileSchema = z.object({
  format: formatField,
  ...explainItemSchema.shape,
  classes: z.array(z.string()),
  method: z.string(),
  /** pytorch-grad-cam's aug_smooth and eigen_smooth; absent in files written before they existed (= false). */
  augSmooth: z.boolean().optional(),
  eigenSmooth: z.boolean().optional(),
  runId: z.string(),
  checkpoint: checkpointNameSchema,
});
export type CamFile = z.infer<typeof camFileSchema>;

/**
 * Stem of a CAM's files in cams/: image key, class, method, options and — unless it is the run's default CAM layer —
 * the layer, so no two explanations of one image overwrite each other ('<key>-normal-gradcam' for the default one).
 */
export function camFileStem(o: { imageKey: string; className: string; method: string; augSmooth?: boolean; eigenSmooth?: boolean; layer: string; defaultLayer: string }): string {
  const layer = o.layer === o.defaultLayer ? '' : `-${o.layer.replace(/[^A-Za-z0-9._]+/g, '_')}`;
  return `${o.imageKey}-${o.className}-${o.method}${o.augSmooth ? '-aug' : ''}${o.eigenSmooth ? '-eigen' : ''}${layer}`;
}
