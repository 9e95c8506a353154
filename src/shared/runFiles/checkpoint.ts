/** checkpoints/<best|last>/meta.json, and the resume state of checkpoints/last: trainer.json and optimizer.json. */
import { z } from 'zod';
import { CHECKPOINT_NAMES } from './layout';
import { formatField, jsonBound, jsonNumber } from './fields';

export const checkpointNameSchema = z.enum(CHECKPOINT_NAMES);

/** The epoch a checkpoint holds; also run.json's `best` and an evaluation's `checkpoint`. */
export const checkpointMetaSchema = z.object({
  /** 1-based. */
  epoch: z.number(),
  valLoss: jsonNumber,
  valAcc: jsonNumber,
  savedAt: z.string(),
});
export type CheckpointMeta = z.infer<typeof checkpointMetaSchema>;
export const checkpointMetaFileSchema = z.object({ format: formatField, ...checkpointMetaSchema.shape });
export type CheckpointMetaFile = z.infer<typeof checkpointMetaFileSchema>;

/** tfjs weight specs (name, shape, dtype) of a .bin file. */
const weightSpecsSchema = z.array(z.looseObject({ name: z.string(), shape: z.array(z.number()), dtype: z.string() }));

/** Trainer state kept with the last checkpoint so a run resumes where it stopped. */
export const trainerStateSchema = z.object({
  epochsDone: z.number(),
  bestValLoss: jsonBound,
  plateau: z.object({ best: jsonBound, badEpochs: z.number(), reductions: z.number() }),
  /**
   * With weight averaging (run.json's emaDecay) the checkpoint's model holds the average; the weights training goes on
   * from are training-weights.bin (these specs, in the model's weight order), `updates` the averaging steps taken.
   */
  averaging: z.object({ updates: z.number(), specs: weightSpecsSchema }).optional(),
});
export type TrainerState = z.infer<typeof trainerStateSchema>;
export const trainerStateFileSchema = z.object({ format: formatField, ...trainerStateSchema.shape });
export type TrainerStateFile = z.infer<typeof trainerStateFileSchema>;

/** optimizer.json: the tfjs weight specs of optimizer.bin (Adam's iteration count and moments) and the optimizer's config. */
export const optimizerFileSchema = z.object({
  format: formatField,
  specs: weightSpecsSchema,
  config: z.record(z.string(), z.unknown()),
});
export type OptimizerFile = z.infer<typeof optimizerFileSchema>;
