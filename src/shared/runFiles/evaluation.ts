/** eval/<name>.json: metrics, confusion matrix and per-image predictions of one checkpoint on one split or dataset. */
import { z } from 'zod';
import { checkpointMetaSchema, checkpointNameSchema } from './checkpoint';
import { formatField, jsonNumber } from './fields';
import { bootstrapInfoSchema, evalIntervalsSchema, evalMetricEntrySchema, temperatureScalingSchema } from './evalMetrics';
import { evalTtaSchema } from './augmentation';

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

/** One evaluated image: label and predicted are class indices; patient: its patient id when patients are known (absent in older files). */
export const predictionSchema = z.object({
  file: z.string(), rel: z.string(), label: z.number(), predicted: z.number(), probabilities: z.array(jsonNumber), patient: z.string().optional(),
});
export type Prediction = z.infer<typeof predictionSchema>;

/**
 * A metadata.csv column that predicts the class among the evaluated images (src/engine/dataset/confounders.ts):
 * Cramér's V (bias-uncorrected) ≥ 0.5, or a class whose images all share one value.
 */
export const confounderSchema = z.object({
  column: z.string(),
  /** Columns that split the images exactly as `column` does, named in the same sentence. */
  equivalents: z.array(z.string()),
  /** Bias-uncorrected Cramér's V of column value × class. */
  cramersV: z.number(),
  /** Evaluated images with a value of the column. */
  images: z.number(),
  /** Classes whose evaluated images all share one value. */
  shared: z.array(z.object({ className: z.string(), value: z.string(), count: z.number() })),
  /** The one sentence shown to the user. */
  message: z.string(),
});
export type Confounder = z.infer<typeof confounderSchema>;

/** The evaluated images with one value of a metadata column, scored on their own. */
export const subgroupSchema = z.object({
  value: z.string(),
  count: z.number(),
  accuracy: z.number(),
  macroF1: z.number(),
  /** Every class in `classes` order; recall null where the subgroup has no image of the class. */
  perClass: z.array(z.object({ className: z.string(), support: z.number(), recall: z.number().nullable() })),
});
export type Subgroup = z.infer<typeof subgroupSchema>;

/** The subgroups of one metadata column (not the label, a file/path, an identifier or a constant column). */
export const subgroupColumnSchema = z.object({
  column: z.string(),
  /** Columns that split the evaluated images exactly as `column` does (same table, not repeated). */
  equivalents: z.array(z.string()),
  /** Evaluated images without a value of the column (in no group). */
  missing: z.number(),
  groups: z.array(subgroupSchema),
});
export type SubgroupColumn = z.infer<typeof subgroupColumnSchema>;

/** Inference time of an evaluation: forward passes only (decoding overlaps them), summed over its batches. */
export const evalTimingSchema = z.object({ msPerImage: z.number(), images: z.number(), batchSize: z.number(), backend: z.string() });
export type EvalTiming = z.infer<typeof evalTimingSchema>;

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
  /**
   * The metrics of src/engine/metrics/index.ts by id (balancedAccuracy, matthews, cohenKappa, logLoss, brier, rocAuc,
   * averagePrecision, operatingPoints, calibration); a known id's value is typed in evalMetrics.ts — read it with
   * evalMetricValue(file.metrics, id). Absent in files from before them; a metric missing from an older list is absent.
   */
  metrics: z.array(evalMetricEntrySchema).optional(),
  /** 95 % bootstrap intervals of accuracy, macro-F1, per-class precision/recall/F1 and the metrics' parts; absent in older files. */
  intervals: evalIntervalsSchema.optional(),
  /** How the intervals were made: patients or images resampled, how many, seed. */
  bootstrap: bootstrapInfoSchema.optional(),
  /** With --calibrate: the temperature fitted on the validation split; the probabilities and metrics here are then calibrated. */
  temperatureScaling: temperatureScalingSchema.optional(),
  /** With --tta: the views whose probabilities were averaged per image (an ensemble: the first member's preset; each member used its own). */
  tta: evalTtaSchema.optional(),
  /** A soft-voting ensemble's members (this run first), each with the checkpoint it used; absent for one run. */
  ensemble: z.array(z.object({ runId: z.string(), runDir: z.string(), arch: z.string(), epoch: z.number() })).optional(),
  /** Confounding metadata columns among the evaluated images; absent without metadata.csv columns (and in older files). */
  confounders: z.array(confounderSchema).optional(),
  /** Metrics per value of each metadata column; absent without such columns (and in older files). */
  subgroups: z.array(subgroupColumnSchema).optional(),
  /** How long the forward passes took (the model alone, not decoding), per image, on which backend; absent in older files. */
  timing: evalTimingSchema.optional(),
});
export type EvalFile = z.infer<typeof evalFileSchema>;
