/**
 * `.cxr-lab/lr-find/<yyyymmdd-hhmmss>-<arch>/lr-find.json` (or `cxr-lab lr-find --out <dir>`): fastai's learning-rate
 * range test on a dataset's training split — the rate and loss of each batch, where it stopped, and the suggested rates.
 * `lr-find.png` beside it plots it. Pure: the engine writes it (src/engine/jobs/lrFind.ts), the CLI and the extension read it.
 */
import { z } from 'zod';
import { formatField, jsonNumber } from './fields';
import { trainConfigSchema } from './run';

export const LR_FIND_DIR = 'lr-find';
export const LR_FIND_FILES = { json: 'lr-find.json', png: 'lr-find.png' } as const;

export const lrSuggestionSchema = z.object({
  lr: z.number(),
  /** The smoothed loss there. */
  loss: z.number(),
  /** Into `points`. */
  index: z.number(),
});
export type LrSuggestion = z.infer<typeof lrSuggestionSchema>;

export const lrFindFileSchema = z.object({
  format: formatField,
  createdAt: z.string(),
  dataset: z.object({ root: z.string(), hash: z.string(), classes: z.array(z.string()), trainImages: z.number() }),
  /** The training settings the test ran with (its lr is not used: the test sweeps the rate). */
  config: trainConfigSchema,
  startLr: z.number(),
  endLr: z.number(),
  numIt: z.number(),
  /** Smoothing of the loss (fastai's AvgSmoothLoss β). */
  beta: z.number(),
  /** One per batch trained: its rate, its loss and the smoothed loss after it. */
  points: z.array(z.object({ lr: z.number(), loss: jsonNumber, smooth: jsonNumber })),
  /** 'diverged': the smoothed loss passed 4 × its minimum; 'done': numIt batches; 'cancelled'. */
  stoppedBy: z.enum(['diverged', 'done', 'cancelled']),
  /** fastai's suggestions ('valley', Learner.lr_find's default, and 'steep'); null when too few points were recorded. */
  suggestions: z.object({ valley: lrSuggestionSchema, steep: lrSuggestionSchema }).nullable(),
  backend: z.string(),
  seconds: z.number(),
});
export type LrFindFile = z.infer<typeof lrFindFileSchema>;
