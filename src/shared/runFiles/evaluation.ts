/** eval/<name>.json: metrics, confusion matrix and per-image predictions of one checkpoint on one split or dataset. */
import { z } from 'zod';
import { checkpointMetaSchema, checkpointNameSchema } from './checkpoint';
import { formatField, jsonNumber } from './fields';

export const classMetricsSchema = z.object({
  className: z.string(),
  tp: z.number(),
  fp: z.number(),
  fn: z.number(),
  tn: z.number(),
  /** One-vs-rest accuracy of this class: (tp + tn) / total. */
  accuracy: z.number(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  /** Number of true samples of this class. */
  support: z.number(),
  /**
   * false: no image of this class in the evaluated set and never predicted — its metrics are n/a (stored as 0) and it
   * is left out of the macro and weighted averages (scikit-learn's default labels). Absent (older files too): present.
   */
  present: z.literal(false).optional(),
});
export type ClassMetrics = z.infer<typeof classMetricsSchema>;

export const averagesSchema = z.object({ precision: z.number(), recall: z.number(), f1: z.number() });
export type Averages = z.infer<typeof averagesSchema>;

/** What the metrics computation returns; the eval file holds it whole. */
export const metricsReportSchema = z.object({
  classes: z.array(z.string()),
  /** confusion[trueClass][predictedClass]. */
  confusion: z.array(z.array(z.number())),
  perClass: z.array(classMetricsSchema),
  accuracy: z.number(),
  /**
   * Unweighted mean over the classes in the true or the predicted labels (sklearn 'macro' without `labels`): a class
   * with support 0 that was predicted counts (F1 0), one never seen nor predicted (`present: false`) does not.
   * Files written before that rule averaged over every class.
   */
  macro: averagesSchema,
  /** Support-weighted mean (sklearn 'weighted'). */
  weighted: averagesSchema,
  total: z.number(),
});
export type MetricsReport = z.infer<typeof metricsReportSchema>;

/** One evaluated image: label and predicted are class indices. */
export const predictionSchema = z.object({
  file: z.string(), rel: z.string(), label: z.number(), predicted: z.number(), probabilities: z.array(jsonNumber),
});
export type Prediction = z.infer<typeof predictionSchema>;

export const evalFileSchema = z.object({
  format: formatField,
  /** The split's name, or data-<folder> for another dataset. */
  name: z.string(),
  runId: z.string(),
  checkpoint: z.object({ which: checkpointNameSchema, ...checkpointMetaSchema.shape }),
  createdAt: z.string(),
  loss: jsonNumber,
  ...metricsReportSchema.shape,
  predictions: z.array(predictionSchema),
  /** Images that could not be read. */
  skipped: z.array(z.object({ file: z.string(), error: z.string() })),
  /** The metrics of src/engine/metrics/index.ts by id (balancedAccuracy, matthews …); absent in files from before them. */
  metrics: z.array(z.object({ id: z.string(), label: z.string(), value: z.unknown() })).optional(),
  /** A soft-voting ensemble's members (this run first), each with the checkpoint it used; absent for one run. */
  ensemble: z.array(z.object({ runId: z.string(), runDir: z.string(), arch: z.string(), epoch: z.number() })).optional(),
});
export type EvalFile = z.infer<typeof evalFileSchema>;
