/** history.jsonl: one EpochRecord per line, in epoch order. */
import { z } from 'zod';
import { jsonNumber } from './fields';

export const epochRecordSchema = z.object({
  /** 1-based. */
  epoch: z.number(),
  trainLoss: jsonNumber,
  trainAcc: jsonNumber,
  valLoss: jsonNumber,
  valAcc: jsonNumber,
  lr: z.number(),
  seconds: z.number(),
  /** This epoch became the best checkpoint. */
  best: z.boolean(),
});
export type EpochRecord = z.infer<typeof epochRecordSchema>;
