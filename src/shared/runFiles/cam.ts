/** cams/<image-hash>-<class>-<method>.json: one explained image, beside its heatmap and overlay PNGs. */
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
  runId: z.string(),
  checkpoint: checkpointNameSchema,
});
export type CamFile = z.infer<typeof camFileSchema>;
