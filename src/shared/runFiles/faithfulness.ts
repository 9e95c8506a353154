/**
 * cams/faithfulness-<split>[-last].json: how faithful each CAM method's maps are for a run's model on a sample of a split
 * (`cxr-lab explain-eval`): per image and method ROAD (pytorch-grad-cam's ROADCombined, most- and least-relevant-first
 * averages), Average Drop and Increase in Confidence (torch-cam's), the means with 95 % bootstrap intervals, and the
 * ranking of the methods. The engine's side is src/engine/cam/faithfulness/ and src/engine/jobs/explainEval.ts.
 */
import { z } from 'zod';
import { checkpointNameSchema } from './checkpoint';
import { intervalSchema } from './evalMetrics';
import { formatField, jsonNumber, splitNameSchema } from './fields';

/** `test` for the best checkpoint, `test-last` for the last one: the file is faithfulness-<name>.json in cams/. */
export function faithfulnessName(split: string, checkpoint: 'best' | 'last' = 'best'): string {
  return `${split}${checkpoint === 'last' ? '-last' : ''}`;
}

export function faithfulnessFileName(name: string): string {
  return `faithfulness-${name}.json`;
}

export const faithfulnessMetricInfoSchema = z.object({
  id: z.string(),
  label: z.string(),
  /** Which way is more faithful. */
  better: z.enum(['higher', 'lower']),
});

export const faithfulnessImageSchema = z.object({
  file: z.string(),
  /** Relative to the dataset root. */
  rel: z.string(),
  label: z.number(),
  /** The class the maps explain: the predicted one. */
  classIndex: z.number(),
  /** Its softmax probability on the original image. */
  probability: jsonNumber,
});

export const faithfulnessMethodSchema = z.object({
  id: z.string(),
  label: z.string(),
  /** Metric id → value per image, in the order of `images` (NaN, written null: not defined for that image). */
  values: z.record(z.string(), z.array(jsonNumber)),
  /** Metric id → mean over the images. */
  means: z.record(z.string(), jsonNumber),
  /** Metric id → 95 % percentile bootstrap interval of the mean (null: fewer than two images). */
  intervals: z.record(z.string(), intervalSchema.nullable()),
  /** Seconds over all images: making the maps, making the perturbed inputs (the ROAD imputer), scoring them (the model). */
  seconds: z.object({ cam: z.number(), perturb: z.number(), model: z.number() }),
  /** Inputs sent through the model per image for the metrics (the original and each perturbed one). */
  forwardPasses: z.number(),
});

export const faithfulnessFileSchema = z.object({
  format: formatField,
  name: z.string(),
  runId: z.string(),
  split: splitNameSchema,
  checkpoint: checkpointNameSchema,
  createdAt: z.string(),
  settings: z.object({
    /** ROAD's percentiles. */
    percentiles: z.array(z.number()),
    /** Standard deviation of the ROAD imputer's noise (normalised input units; pytorch-grad-cam's default 0.01). */
    noise: z.number(),
    /** ROAD's score: the softmax probability of the explained class or its logit. */
    target: z.enum(['probability', 'logit']),
    /** The imputer's conjugate-gradient tolerance (relative residual). */
    tolerance: z.number(),
    /** The sample: at most `limit` images of the split, stratified by class, chosen with `seed`. */
    limit: z.number(),
    seed: z.number(),
    layer: z.string(),
  }),
  metrics: z.array(faithfulnessMetricInfoSchema),
  images: z.array(faithfulnessImageSchema),
  methods: z.array(faithfulnessMethodSchema),
  /**
   * The methods from most to least faithful by the headline metric (ROAD combined); `firstShare`: for each method, the
   * share of bootstrap resamples (the same images for every method) in which it is first — methods whose maps are nearly
   * the same share the lead; `bestShare`: that of the first in `order`. NaN with fewer than two images.
   */
  ranking: z.object({ metric: z.string(), order: z.array(z.string()), bestShare: jsonNumber, firstShare: z.record(z.string(), jsonNumber) }),
  /** Metric id → the method that is best by that metric alone. */
  best: z.record(z.string(), z.string()),
  bootstrap: z.object({ unit: z.enum(['patient', 'image']), clusters: z.number(), resamples: z.number(), confidence: z.number(), seed: z.number() }),
  /** Images that could not be read (decoding failed): left out. */
  skipped: z.array(z.object({ file: z.string(), error: z.string() })),
  /** Wall-clock seconds of the whole job. */
  seconds: z.number(),
});
export type FaithfulnessFile = z.infer<typeof faithfulnessFileSchema>;
export type FaithfulnessMethodResult = z.infer<typeof faithfulnessMethodSchema>;
