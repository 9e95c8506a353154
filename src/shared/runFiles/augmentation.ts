/**
 * Training presets and the augmentations they apply, as recorded in run.json (`augmentation`) and in an eval file made
 * with test-time augmentation (`tta`). The numbers live in the engine (src/engine/dataset/augment/presets.ts); these
 * schemas only say how they are written down.
 */
import { z } from 'zod';

/**
 * `reference`: the reference study's recipe (horizontal flip only); `recommended`: fastai-style augmentations, one-cycle,
 * label smoothing and weight decay (chosen on the validation split of ../shared/data/cxr: README "Augmentations, presets").
 */
export const PRESET_NAMES = ['reference', 'recommended'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
export const presetNameSchema = z.enum(PRESET_NAMES);

/** What a preset sets besides its augmentations, unless the training sets it: the learning rate, its schedule, the loss's label smoothing and AdamW's weight decay. */
export interface PresetDefaults { lr: number; scheduler: 'step' | 'onecycle'; labelSmoothing?: number; weightDecay?: number }
export const PRESET_DEFAULTS: Record<PresetName, PresetDefaults> = {
  reference: { lr: 1e-4, scheduler: 'step' },
  recommended: { lr: 5e-4, scheduler: 'onecycle', labelSmoothing: 0.1, weightDecay: 0.05 },
};

/** One line per preset, for pickers and help. */
export const PRESET_DESCRIPTIONS: Record<PresetName, string> = {
  reference: "The reference study's recipe: horizontal flip only; Adam 1e-4, divided by 10 every 3 epochs",
  recommended: 'Flip, rotation ±10°, zoom up to 1.15, brightness/contrast/gamma jitter (fastai-style); one-cycle at 5e-4, label smoothing 0.1, AdamW weight decay 0.05',
};

export const TRANSFORM_NAMES = ['hflip', 'rotate', 'zoom', 'brightness', 'contrast', 'gamma'] as const;
export type TransformName = (typeof TRANSFORM_NAMES)[number];

/**
 * One random transform: applied to an image with probability `p`, its strength drawn uniformly from [min, max]
 * (rotate: degrees; zoom: scale ≥ 1 about a random centre that keeps the window inside the image; brightness: fastai's
 * change in logit space, 0.5 = none; contrast: factor on the logit, 1 = none, drawn log-uniformly; gamma: exponent, 1 =
 * none, drawn log-uniformly). hflip has no strength.
 */
export const transformSpecSchema = z.object({
  name: z.enum(TRANSFORM_NAMES),
  p: z.number(),
  min: z.number().optional(),
  max: z.number().optional(),
});
export type TransformSpec = z.infer<typeof transformSpecSchema>;

/** One deterministic view of test-time augmentation: the identity, a flip, or a mild rotation / zoom (with or without a flip). */
export const ttaViewSchema = z.object({
  name: z.string(),
  flip: z.boolean(),
  /** Degrees, counter-clockwise. */
  rotate: z.number(),
  /** ≥ 1, about the centre. */
  zoom: z.number(),
});
export type TtaView = z.infer<typeof ttaViewSchema>;

/** run.json `augmentation`: what the training input path did to each training image. */
export const augmentationSchema = z.object({
  preset: presetNameSchema,
  transforms: z.array(transformSpecSchema),
  /** How a rotated or zoomed image is filled where it leaves the source: 'reflection' (fastai's default). */
  padding: z.literal('reflection'),
  /** The views `evaluate --tta` averages for this preset. */
  tta: z.array(ttaViewSchema),
});
export type Augmentation = z.infer<typeof augmentationSchema>;

/** Eval file `tta`: the views whose probabilities were averaged (the preset they came from). */
export const evalTtaSchema = z.object({ preset: presetNameSchema, views: z.array(ttaViewSchema) });
export type EvalTta = z.infer<typeof evalTtaSchema>;
