/**
 * cams/<image-hash>-<class>-<method>[-aug][-eigen][-<layer>][-shared].json: one explained image, beside its heatmap and
 * overlay PNGs (the layer only when it is not the run's default CAM layer; -shared for the scale shared across classes;
 * camFileStem names them), with the CAM's raw values and the scale of its colours.
 */
import { z } from 'zod';
import { checkpointNameSchema } from './checkpoint';
import { formatField, jsonNumber } from './fields';

/**
 * How a CAM is scaled to [0,1] for its colours: 'per-map' stretches each map to its own range (pytorch-grad-cam's
 * scale_cam_image, the default), 'shared' uses one range for the maps of every class of the image, so the map of a
 * class the model gives 0.7 % looks as weak as it is.
 */
export const CAM_SCALE_MODES = ['per-map', 'shared'] as const;
export type CamScaleMode = (typeof CAM_SCALE_MODES)[number];

/**
 * The CAM's own values, before any scaling, for others to reuse: the method's map after ReLU at the target layer's grid
 * (e.g. 7 × 7) — pytorch-grad-cam's get_cam_image clipped at 0 — or, with aug-smooth, the mean of the six augmented maps
 * (each scaled to [0,1], as pytorch-grad-cam does) at the input's size. Upsampled to inputWidth × inputHeight (bilinear,
 * half-pixel centres: cv2.resize, tf.image.resizeBilinear with halfPixelCenters) and scaled by `camScaleSchema`, it is
 * the map the PNGs show.
 */
export const camRawSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Row-major, width × height. */
  values: z.array(z.number()),
  inputWidth: z.number().int().positive(),
  inputHeight: z.number().int().positive(),
}).refine((r) => r.values.length === r.width * r.height, { message: 'values must hold width × height numbers', path: ['values'] });
export type CamRaw = z.infer<typeof camRawSchema>;

/** A value range of an upsampled raw map. */
export const camRangeSchema = z.object({ min: z.number(), max: z.number() });
export type CamRange = z.infer<typeof camRangeSchema>;

/**
 * The scale of the colours: upsampled raw values `min` and `max` are drawn as 0 and 1 (scaled = (v − min) / (1e-7 +
 * max − min), pytorch-grad-cam's scale_cam_image). 'shared': the range of every class's map of the image; `classes`
 * holds each class's own range (class order), so the map of any class can be put on the same scale.
 */
export const camScaleSchema = z.object({
  mode: z.enum(CAM_SCALE_MODES),
  min: z.number(),
  max: z.number(),
  classes: z.array(camRangeSchema).optional(),
});
export type CamScale = z.infer<typeof camScaleSchema>;

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
  /** The CAM's values before scaling and the scale the PNGs use; absent in files written before them. */
  raw: camRawSchema.optional(),
  scale: camScaleSchema.optional(),
  /** The colormap of the PNGs (src/shared/camDisplay.ts); absent: jet. */
  colormap: z.string().optional(),
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
export function camFileStem(o: { imageKey: string; className: string; method: string; augSmooth?: boolean; eigenSmooth?: boolean; layer: string; defaultLayer: string; scale?: CamScaleMode }): string {
  const layer = o.layer === o.defaultLayer ? '' : `-${o.layer.replace(/[^A-Za-z0-9._]+/g, '_')}`;
  return `${o.imageKey}-${o.className}-${o.method}${o.augSmooth ? '-aug' : ''}${o.eigenSmooth ? '-eigen' : ''}${layer}${o.scale === 'shared' ? '-shared' : ''}`;
}
