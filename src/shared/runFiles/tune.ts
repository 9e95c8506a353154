/**
 * `cxr-lab tune`'s folder (`.cxr-lab/tune/<yyyymmdd-hhmmss>-<arch>/`, or `--out`): one run per preset × learning rate
 * on one split, compared on the validation split only; the winner alone is then evaluated on the test split, once.
 *
 *   tune.json           tuneFileSchema: the candidates, their validation scores, the winner, its test score
 *   <preset>-lr<lr>/    each candidate's run folder (run.ts and the rest; eval/val.json, the winner's eval/test.json);
 *                       with --seeds, its runs <preset>-lr<lr>/seed<N>/
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

/** Validation scores of a checkpoint: plain, and with `tune --tta` also with test-time augmentation. */
const valScoresShape = {
  /** The best checkpoint's epoch and its scores on the validation split. */
  bestEpoch: z.number().optional(),
  valLoss: jsonNumber.optional(),
  valAccuracy: z.number().optional(),
  valMacroF1: z.number().optional(),
  /** `tune --tta`: the same checkpoint's validation scores with test-time augmentation (loss: the log loss of the averaged probabilities). */
  valTta: z.object({ loss: jsonNumber, accuracy: z.number(), macroF1: z.number() }).optional(),
};
const runStatusSchema = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);

/** `tune --seeds`: one run of a candidate. */
export const tuneSeedRunSchema = z.object({
  seed: z.number(),
  /** Relative to the tune folder: `<candidate>/seed<N>`. */
  runDir: z.string(),
  status: runStatusSchema,
  reason: z.string().optional(),
  ...valScoresShape,
});
export type TuneSeedRun = z.infer<typeof tuneSeedRunSchema>;

export const tuneCandidateSchema = z.object({
  /** `<preset>-lr<lr>`: also its run folder's name. */
  name: z.string(),
  preset: presetNameSchema,
  lr: z.number(),
  /** The run folder, relative to the tune folder (with `runs`: the folder of its runs). */
  runDir: z.string(),
  status: runStatusSchema,
  reason: z.string().optional(),
  /** With `runs`: the means over its seeds (no bestEpoch), which the ranking uses. */
  ...valScoresShape,
  /** `tune --seeds`: one run per seed, all on the same split. */
  runs: z.array(tuneSeedRunSchema).optional(),
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
  /** `tune --seeds`: each candidate is trained once per seed on one split and ranked by its mean validation scores. */
  seeds: z.array(z.number()).optional(),
  /** `tune --tta`: test-time augmentation is part of the choice (each candidate scored on validation with and without). */
  tta: z.boolean().optional(),
  /** The best candidate's name on the validation split. */
  winner: z.string().optional(),
  /** With `tta`: whether the winner won with test-time augmentation (its test evaluation then uses it too). */
  winnerTta: z.boolean().optional(),
  /**
   * The winner's score on the test split: the only time the test split is used. With seeds: the means over the winner's
   * runs, each in `runs` (evalFile: the first seed's).
   */
  test: z.object({
    accuracy: z.number(), macroF1: z.number(), evalFile: z.string(), tta: z.boolean().optional(),
    runs: z.array(z.object({ seed: z.number(), accuracy: z.number(), macroF1: z.number(), evalFile: z.string() })).optional(),
  }).optional(),
});
export type TuneFile = z.infer<typeof tuneFileSchema>;
