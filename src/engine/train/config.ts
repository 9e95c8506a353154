import { z } from 'zod';
import type { TrainConfig } from '../../shared/engineProtocol';
import { ConfigError } from '../errors';

/** The reference recipe: Adam 1e-4, batch 20, 25 epochs, StepLR ÷10 every 3 epochs, 60 per class for val and test. */
const trainConfigSchema = z.object({
  arch: z.string().min(1).default('densenet121'),
  epochs: z.number().int().positive().default(25),
  batchSize: z.number().int().positive().default(20),
  microBatch: z.number().int().nonnegative().default(0),
  lr: z.number().positive().default(1e-4),
  imageSize: z.number().int().min(16).max(1024).default(224),
  valPerClass: z.number().int().nonnegative().default(60),
  testPerClass: z.number().int().nonnegative().default(60),
  valFraction: z.number().min(0).max(0.9).optional(),
  testFraction: z.number().min(0).max(0.9).optional(),
  sampler: z.enum(['weighted', 'shuffle']).default('weighted'),
  scheduler: z.enum(['step', 'cosine', 'plateau', 'none']).default('step'),
  stepSize: z.number().int().positive().default(3),
  gamma: z.number().positive().max(1).default(0.1),
  seed: z.number().int().nonnegative().default(42),
  pretrained: z.string().optional(),
  freezeBackbone: z.boolean().default(false),
  widthMultiplier: z.number().positive().optional(),
  patientPattern: z.string().optional(),
  earlyStop: z.number().int().nonnegative().optional(), // patience in epochs; 0 = off
}).strict();

export { ConfigError };

/** Fill defaults and validate; throws ConfigError naming the first bad option. */
export function resolveTrainConfig(partial: Partial<TrainConfig>): TrainConfig {
  const clean = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const parsed = trainConfigSchema.safeParse(clean);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Invalid option ${issue.path.join('.') || '(config)'}: ${issue.message}`);
  }
  return parsed.data;
}
