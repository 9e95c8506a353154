import { z } from 'zod';
import type { TrainConfig } from '../../shared/engineProtocol';
import { patientPatternProblem } from '../dataset/metadata';
import { ConfigError } from '../errors';
import { PRESET_NAMES, SCHEDULER_NAMES } from '../../shared/runFiles';
import { DEFAULT_PRESET, PRESETS } from '../dataset/augment/presets';

/** The rules, each worded to follow an option's name ("--image-size must be at least 32", "imageSize must be …"). */
const whole = (min: number, rule: string) => z.number().int('must be a whole number').min(min, rule);
const fraction = z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)');

/** The reference recipe: Adam 1e-4, batch 20, 25 epochs, StepLR ÷10 every 3 epochs, 60 per class for val and test. */
const trainConfigSchema = z.object({
  arch: z.string().min(1, 'must name an architecture').default('densenet121'),
  epochs: whole(1, 'must be at least 1').default(25),
  batchSize: whole(1, 'must be at least 1').default(20),
  microBatch: whole(0, 'must be 0 or more').default(0),
  lr: z.number().gt(0, 'must be greater than 0').default(1e-4),
  imageSize: whole(32, 'must be at least 32').max(1024, 'must be at most 1024').default(224),
  valPerClass: whole(0, 'must be 0 or more').default(60),
  testPerClass: whole(0, 'must be 0 or more').default(60),
  valFraction: fraction.optional(),
  testFraction: fraction.optional(),
  sampler: z.enum(['weighted', 'shuffle']).default('weighted'),
  scheduler: z.enum(SCHEDULER_NAMES).default('step'),
  stepSize: whole(1, 'must be at least 1').default(3),
  gamma: z.number().gt(0, 'must be greater than 0 and at most 1').max(1, 'must be greater than 0 and at most 1').default(0.1),
  seed: whole(0, 'must be 0 or more').default(42),
  /** The split's own seed (default: seed); a sweep's members share it while their seeds differ. */
  splitSeed: whole(0, 'must be 0 or more').optional(),
  pretrained: z.string().optional(),
  freezeBackbone: z.boolean().default(false),
  widthMultiplier: z.number().gt(0, 'must be greater than 0').optional(),
  patientPattern: z.string().superRefine((p, ctx) => {
    const problem = patientPatternProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(p)} ${problem}` });
  }).optional(),
  labelSmoothing: fraction.optional(),
  weightDecay: z.number().min(0, 'must be 0 or more').optional(),
  emaDecay: fraction.optional(), // weight averaging per step; 0 = off
  earlyStop: whole(0, 'must be 0 or more').optional(), // patience in epochs; 0 = off
  preset: z.enum(PRESET_NAMES).default(DEFAULT_PRESET),
  folds: whole(2, 'must be at least 2').optional(), // cross-validation: k folds (src/engine/dataset/folds.ts)
  fold: whole(1, 'must be at least 1').optional(), // the held-out fold, 1…k
}).strict();

export { ConfigError };

/**
 * Fill defaults (a preset's lr and schedule first: src/engine/dataset/augment/presets.ts) and validate; throws ConfigError naming the first bad option ("Invalid option imageSize: must be at
 * least 32"), with `detail` {option, rule} for callers that name options their own way (the CLI's flags).
 */
export function resolveTrainConfig(partial: Partial<TrainConfig>): TrainConfig {
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  // The preset's lr and schedule unless set (a wrong preset name is refused by the schema below).
  const preset = typeof given.preset === 'string' && Object.hasOwn(PRESETS, given.preset) ? PRESETS[given.preset as keyof typeof PRESETS] : undefined;
  const clean = preset ? { ...preset.defaults, ...given } : given;
  const parsed = trainConfigSchema.safeParse(clean);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const option = issue.path.join('.');
    throw new ConfigError(`Invalid option ${option || '(config)'}: ${issue.message}`, option ? { option, rule: issue.message } : undefined);
  }
  const { folds, fold } = parsed.data;
  if ((folds === undefined) !== (fold === undefined) || (folds !== undefined && fold! > folds)) {
    const rule = folds === undefined ? 'needs folds (cross-validation)' : `must be between 1 and folds (${folds})`;
    throw new ConfigError(`Invalid option fold: ${rule}`, { option: 'fold', rule });
  }
  return parsed.data;
}
