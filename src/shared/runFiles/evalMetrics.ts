/**
 * The typed parts of eval/<name>.json beyond the confusion matrix (evaluation.ts holds the file): the values of the
 * metrics in src/engine/metrics/index.ts (stored in the file's `metrics` list by id; each known id's value is checked
 * against its schema here and read with `evalMetricValue`), the bootstrap intervals and the temperature scaling.
 * Every part is optional in the file: evaluations written before them still read, with the parts absent.
 *
 * n/a values are null (an AUC of a class with no image in the evaluated set, a bin without images), never NaN.
 */
import { z } from 'zod';
import { jsonBound, jsonNumber } from './fields';

/** A point estimate that can be undefined (n/a): null. */
const maybe = z.number().nullable();

/**
 * A curve as scikit-learn returns it with drop_intermediate=True; when that is still longer than 500 points (PR curves
 * of thousands of images), 500 points evenly spaced along it, both ends kept. `points`: its length before that cap.
 */
const curvePoints = z.number();

/** roc_curve(drop_intermediate=True): thresholds decrease, the first is +Infinity (written as null in JSON). */
export const rocCurveSchema = z.object({
  fpr: z.array(z.number()), tpr: z.array(z.number()), thresholds: z.array(jsonBound), points: curvePoints,
});
export type RocCurve = z.infer<typeof rocCurveSchema>;

/** precision_recall_curve(drop_intermediate=True): recall decreases to the final (precision 1, recall 0) point, which has no threshold. */
export const prCurveSchema = z.object({
  precision: z.array(z.number()), recall: z.array(z.number()), thresholds: z.array(z.number()), points: curvePoints,
});
export type PrCurve = z.infer<typeof prCurveSchema>;

/** One class against the rest: its ROC curve and AUC, or null with the reason (no positive or no negative image). */
export const classRocSchema = z.object({
  className: z.string(),
  /** Images of this class in the evaluated set, and of the other classes. */
  positives: z.number(),
  negatives: z.number(),
  auc: maybe,
  /** Why `auc` is null, in words. */
  reason: z.string().optional(),
  curve: rocCurveSchema.nullable(),
});
export type ClassRoc = z.infer<typeof classRocSchema>;

/**
 * Metric `rocAuc`. macro: the mean over the classes that have an AUC (sklearn's roc_auc_score(multi_class='ovr') when
 * every class has one); weighted: weighted by support (sklearn's 'weighted'); micro: roc_auc_score on the one-hot
 * label matrix against the probability matrix, both raveled (sklearn's 'micro' for label-indicator input).
 */
export const rocAucValueSchema = z.object({
  perClass: z.array(classRocSchema), macro: maybe, weighted: maybe, micro: maybe,
});
export type RocAucValue = z.infer<typeof rocAucValueSchema>;

export const classPrSchema = z.object({
  className: z.string(),
  positives: z.number(),
  /** average_precision_score (the step sum, not the trapezoid); null when the class has no image in the set. */
  ap: maybe,
  reason: z.string().optional(),
  curve: prCurveSchema.nullable(),
});
export type ClassPr = z.infer<typeof classPrSchema>;

/** Metric `averagePrecision`: per class; macro over the classes with images, weighted by support, micro as for the AUC. */
export const averagePrecisionValueSchema = z.object({
  perClass: z.array(classPrSchema), macro: maybe, weighted: maybe, micro: maybe,
});
export type AveragePrecisionValue = z.infer<typeof averagePrecisionValueSchema>;

/**
 * One class as positive, the rest negative (src/shared/operatingPoint.ts computes it): counts and rates, an undefined
 * rate (0/0) being 0 as scikit-learn's zero_division default — the counts say when that happened.
 */
export const operatingPointSchema = z.object({
  tp: z.number(), fp: z.number(), fn: z.number(), tn: z.number(),
  sensitivity: z.number(), specificity: z.number(), ppv: z.number(), npv: z.number(),
});
export type OperatingPointValue = z.infer<typeof operatingPointSchema>;

/** Metric `operatingPoints`: at the argmax prediction, each class in turn as the positive class. */
export const operatingPointsValueSchema = z.array(z.object({ className: z.string(), ...operatingPointSchema.shape }));
export type OperatingPointsValue = z.infer<typeof operatingPointsValueSchema>;

/** A reliability-diagram bin on the top-class confidence: (low, high], the first [0, high]; confidence/accuracy null when empty. */
export const reliabilityBinSchema = z.object({
  low: z.number(), high: z.number(), count: z.number(), confidence: maybe, accuracy: maybe,
});
export type ReliabilityBin = z.infer<typeof reliabilityBinSchema>;

/** Metric `calibration`: expected calibration error over 15 equal-width bins of the top-class confidence, and the bins. */
export const calibrationValueSchema = z.object({ ece: jsonNumber, bins: z.array(reliabilityBinSchema) });
export type CalibrationValue = z.infer<typeof calibrationValueSchema>;

/** Each known metric id's value. A metric added later without an entry here is stored and read as it is (unknown). */
export const EVAL_METRIC_VALUE_SCHEMAS = {
  balancedAccuracy: jsonNumber,
  matthews: jsonNumber,
  cohenKappa: jsonNumber,
  logLoss: jsonNumber,
  brier: jsonNumber,
  rocAuc: rocAucValueSchema,
  averagePrecision: averagePrecisionValueSchema,
  operatingPoints: operatingPointsValueSchema,
  calibration: calibrationValueSchema,
} as const;
export type EvalMetricValues = { [K in keyof typeof EVAL_METRIC_VALUE_SCHEMAS]: z.output<(typeof EVAL_METRIC_VALUE_SCHEMAS)[K]> };
export type KnownEvalMetricId = keyof EvalMetricValues;

const KNOWN: Record<string, z.ZodType | undefined> = EVAL_METRIC_VALUE_SCHEMAS;

/** One entry of the file's `metrics` list; a known id's value is checked (a bad one names its field) and typed by `evalMetricValue`. */
export const evalMetricEntrySchema = z.object({ id: z.string(), label: z.string(), value: z.unknown() }).transform((entry, ctx) => {
  const schema = KNOWN[entry.id];
  if (!schema) return entry;
  const parsed = schema.safeParse(entry.value);
  if (parsed.success) return { ...entry, value: parsed.data as unknown };
  for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, path: ['value', ...issue.path], input: entry.value } as never);
  return z.NEVER;
});
export type EvalMetricEntry = z.output<typeof evalMetricEntrySchema>;

/** The typed value of metric `id` in an eval file's `metrics`, or undefined (an older file, or a metric not computed). */
export function evalMetricValue<K extends KnownEvalMetricId>(metrics: readonly { id: string; value: unknown }[] | undefined, id: K): EvalMetricValues[K] | undefined {
  return metrics?.find((m) => m.id === id)?.value as EvalMetricValues[K] | undefined;
}

/** A 95 % percentile interval; `defined`: in how many resamples the statistic existed, when not in all of them. */
export const intervalSchema = z.object({ low: z.number(), high: z.number(), defined: z.number().optional() });
export type Interval = z.infer<typeof intervalSchema>;

/**
 * Bootstrap intervals of the evaluation's numbers; null where the statistic is undefined on the evaluated set.
 * metrics: per metric id, per part of its value (a scalar metric's part is `value`; rocAuc and averagePrecision have
 * one part per class name and `macro`; calibration `ece`).
 */
export const evalIntervalsSchema = z.object({
  accuracy: intervalSchema.nullable(),
  macroF1: intervalSchema.nullable(),
  perClass: z.array(z.object({
    className: z.string(), precision: intervalSchema.nullable(), recall: intervalSchema.nullable(), f1: intervalSchema.nullable(),
  })),
  metrics: z.record(z.string(), z.record(z.string(), intervalSchema.nullable())),
});
export type EvalIntervals = z.infer<typeof evalIntervalsSchema>;

/**
 * How the intervals were made: `resamples` percentile-bootstrap resamples at `confidence`, seeded with `seed`
 * (derived from the run's seed); unit 'patient': whole patients were resampled (a cluster bootstrap over `clusters`
 * patients, an image without a known patient being its own cluster), 'image': single images (`clusters` = images).
 */
export const bootstrapInfoSchema = z.object({
  unit: z.enum(['patient', 'image']),
  clusters: z.number(),
  images: z.number(),
  resamples: z.number(),
  confidence: z.number(),
  method: z.literal('percentile'),
  seed: z.number(),
});
export type BootstrapInfo = z.infer<typeof bootstrapInfoSchema>;

/**
 * `--calibrate`: temperature scaling fitted on `fittedOn` (the run's validation split, `fitImages` images) by minimising
 * its log loss over T, and applied to the evaluated probabilities: every stored probability and every number derived
 * from them is then the calibrated one (the argmax and so the confusion matrix do not change). The probabilities
 * before it are p ∝ q^T for the stored q. `loss` stays the model's own cross-entropy, before calibration.
 */
export const temperatureScalingSchema = z.object({
  temperature: z.number(),
  fittedOn: z.string(),
  fitImages: z.number(),
  eceBefore: jsonNumber,
  eceAfter: jsonNumber,
  logLossBefore: jsonNumber,
  logLossAfter: jsonNumber,
});
export type TemperatureScaling = z.infer<typeof temperatureScalingSchema>;
