/**
 * `cxr-lab tune`'s folder (`.cxr-lab/tune/<yyyymmdd-hhmmss>-<arch>/`, or `--out`): one run per preset × learning rate
 * on one split, compared on the validation split only; the winner alone is then evaluated on the test split, once.
 *
 *   tune.json           tuneFileSchema: the candidates, their validation scores, the winner, its test score
 *   <preset>-lr<lr>/    each candidate's run folder (run.ts and the rest; eval/val.json, the winner's eval/test.json)
 *
 * Pure: the engine writes it (src/engine/jobs/tune.ts), the CLI reads it.
 */
import { z } from 'zod';
import { presetNameSchema } from './augmentation';
import { formatField, jsonNumber } from './fields';
import { trainConfigSchema } from './run';

export const TUNE_DIR = 'tune';
export const TUNE_FILES = { tune: 'tune.json' } as const;

/** What the candidates are ranked by on the validation split: macro-F1 (ties: lower loss), or the loss alone. */
export const TUNE_CRITERIA = ['val-macro-f1', 'val-loss'] as const;
export type TuneCriterion = (typeof TUNE_CRITERIA)[number];

export const tuneCandidateSchema = z.object({
  /** `<preset>-lr<lr>`: also its run folder's name. */
  name: z.string(),
  preset: presetNameSchema,
  lr: z.number(),
  /** The run folder, relative to the tune folder. */
  runDir: z.string(),
  status: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']),
  reason: z.string().optional(),
  /** The best checkpoint's epoch and its scores on the validation split. */
  bestEpoch: z.number().optional(),
  valLoss: jsonNumber.optional(),
  valAccuracy: z.number().optional(),
  valMacroF1: z.number().optional(),
  /** `tune --tta`: the same checkpoint's validation scores with test-time augmentation (loss: the log loss of the averaged probabilities). */
  valTta: z.object({ loss: jsonNumber, accuracy: z.number(), macroF1: z.number() }).optional(),
});
export type TuneCandidate = z.infer<typeof tuneCandidateSchema>;

export const tuneFileSchema = z.object({
  format: formatField,
  createdAt: z.string(),
  updatedAt: z.string(),
  status: z.enum(['running', 'completed', 'failed', 'cancelled']),
  /** The dataset folder, absolute. */
  dataset: z.string(),
  /** The settings every candidate shares (preset and lr are the candidate's). */
  config: trainConfigSchema.omit({ preset: true, lr: true }).partial(),
  criterion: z.enum(TUNE_CRITERIA),
  candidates: z.array(tuneCandidateSchema),
  /** `tune --tta`: test-time augmentation is part of the choice (each candidate scored on validation with and without). */
  tta: z.boolean().optional(),
  /** The best candidate's name on the validation split. */
  winner: z.string().optional(),
  /** With `tta`: whether the winner won with test-time augmentation (its test evaluation then uses it too). */
  winnerTta: z.boolean().optional(),
  /** The winner's score on the test split: the only time the test split is used. */
  test: z.object({ accuracy: z.number(), macroF1: z.number(), evalFile: z.string(), tta: z.boolean().optional() }).optional(),
});
export type TuneFile = z.infer<typeof tuneFileSchema>;
