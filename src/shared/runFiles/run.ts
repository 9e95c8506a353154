/** run.json: what the run is (config, dataset, split, model, backend, versions) and how far it got. */
import { z } from 'zod';
import { checkpointMetaSchema } from './checkpoint';
import { formatField } from './fields';
import { augmentationSchema, presetNameSchema } from './augmentation';

export const SAMPLER_NAMES = ['weighted', 'shuffle'] as const;
export const SCHEDULER_NAMES = ['step', 'cosine', 'plateau', 'none', 'onecycle'] as const;
export const RUN_STATUSES = ['running', 'completed', 'cancelled', 'failed'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Everything that defines a training run; stored in run.json. */
export const trainConfigSchema = z.object({
  arch: z.string(),
  epochs: z.number(),
  batchSize: z.number(),
  /** Images per forward/backward pass; batchSize is reached by gradient accumulation. 0 = pick for the backend. */
  microBatch: z.number(),
  lr: z.number(),
  imageSize: z.number(),
  valPerClass: z.number(),
  testPerClass: z.number(),
  valFraction: z.number().optional(),
  testFraction: z.number().optional(),
  sampler: z.enum(SAMPLER_NAMES),
  scheduler: z.enum(SCHEDULER_NAMES),
  stepSize: z.number(),
  gamma: z.number(),
  seed: z.number(),
  /** Seed of the train/val/test split when it is not `seed` (a sweep's members share one split, each with its own seed). */
  splitSeed: z.number().optional(),
  pretrained: z.string().optional(),
  freezeBackbone: z.boolean(),
  widthMultiplier: z.number().optional(),
  patientPattern: z.string().optional(),
  /** Label smoothing of the training loss (torch's CrossEntropyLoss(label_smoothing)); absent = 0. Validation loss is plain. */
  labelSmoothing: z.number().optional(),
  /** Decoupled weight decay (AdamW, as torch and fastai) on conv and dense kernels, not on biases or BatchNorm; absent = 0. */
  weightDecay: z.number().optional(),
  /**
   * Exponential moving average of the weights, BatchNorm statistics included (torch's AveragedModel with
   * get_ema_multi_avg_fn(decay), use_buffers=True): validation and the checkpoints hold the average; absent = off.
   */
  emaDecay: z.number().optional(),
  /** Early-stopping patience in epochs; 0 or absent = off. */
  earlyStop: z.number().optional(),
  /** The training preset (augmentations; its defaults for lr and schedule); absent in runs from before presets: 'reference'. */
  preset: presetNameSchema.optional(),
  /** Cross-validation (`--folds k`): the number of patient-grouped folds, and which one (1…k) this run holds out as its test set. */
  folds: z.number().optional(),
  fold: z.number().optional(),
});
export type TrainConfig = z.infer<typeof trainConfigSchema>;

/** The seed the run's split was made with: `splitSeed`, else `seed` (one seed drove everything before sweeps). */
export function splitSeedOf(config: Pick<TrainConfig, 'seed' | 'splitSeed'>): number {
  return config.splitSeed ?? config.seed;
}

const count = z.number();

export const runInfoSchema = z.object({
  format: formatField,
  id: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  status: z.enum(RUN_STATUSES),
  /** Process that writes the run; a 'running' run whose process is gone was killed (readers show it as interrupted). */
  pid: z.number(),
  config: trainConfigSchema,
  dataset: z.object({
    root: z.string(), hash: z.string(), layout: z.string(), classes: z.array(z.string()),
    perClass: z.record(z.string(), count), excluded: count,
  }),
  split: z.object({
    groupedBy: z.enum(['patient', 'file']),
    counts: z.object({ train: count, val: count, test: count }),
    warnings: z.array(z.string()),
  }),
  model: z.object({ arch: z.string(), camLayer: z.string(), normalization: z.string(), trainableParams: count, microBatch: count }),
  /** The augmentations of the training input (the preset's); absent in runs from before presets (horizontal flip only). */
  augmentation: augmentationSchema.optional(),
  backend: z.object({ name: z.string(), threads: count, simd: z.boolean() }),
  versions: z.record(z.string(), z.string()),
  epochsDone: count,
  best: checkpointMetaSchema.optional(),
  error: z.string().optional(),
  /** Why a cancelled run stopped when no one pressed Cancel, e.g. "cancelled by SIGTERM"; cleared when it resumes. */
  note: z.string().optional(),
});
export type RunInfo = z.infer<typeof runInfoSchema>;
