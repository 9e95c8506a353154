/**
 * The training presets: which random transforms the training input gets, the views test-time augmentation averages,
 * and the preset's defaults for the learning rate and its schedule (an option given explicitly wins).
 *
 * `reference`: the reference study's recipe — horizontal flip only, Adam 1e-4, StepLR ÷10 every 3 epochs.
 * `recommended`: fastai's aug_transforms for a small medical set — flip, rotation ±10°, zoom up to 1.15 about a random
 * centre (a random resized crop that keeps the whole field of view's shape), brightness and contrast ±0.2 in logit space
 * (fastai's max_lighting 0.2), gamma 0.8–1.25 — each with fastai's p 0.75 (flip 0.5), reflection padding, and
 * fit_one_cycle's schedule (`onecycle`) at lr 5e-4 (it beat 1e-3 on three seeds' validation scores); label smoothing 0.1
 * and AdamW weight decay 0.05 (together they won on the validation split against either alone and neither; README
 * "Augmentations, presets").
 */
import { PRESET_DEFAULTS, type Augmentation, type PresetDefaults, type PresetName, type TransformSpec, type TtaView } from '../../../shared/runFiles';

export interface Preset {
  transforms: TransformSpec[];
  tta: TtaView[];
  /** Filled into a training config that does not set them. */
  defaults: PresetDefaults;
}

const FLIP: TransformSpec = { name: 'hflip', p: 0.5 };
const IDENTITY: TtaView = { name: 'identity', flip: false, rotate: 0, zoom: 1 };
const FLIPPED: TtaView = { name: 'hflip', flip: true, rotate: 0, zoom: 1 };

export const PRESETS: Record<PresetName, Preset> = {
  reference: { transforms: [FLIP], tta: [IDENTITY, FLIPPED], defaults: PRESET_DEFAULTS.reference },
  recommended: {
    transforms: [
      FLIP,
      { name: 'rotate', p: 0.75, min: -10, max: 10 },
      { name: 'zoom', p: 0.75, min: 1, max: 1.15 },
      { name: 'brightness', p: 0.75, min: 0.4, max: 0.6 },
      { name: 'contrast', p: 0.75, min: 0.8, max: 1.25 },
      { name: 'gamma', p: 0.75, min: 0.8, max: 1.25 },
    ],
    // Mild: half the training range, centred, no lighting change.
    tta: [
      IDENTITY, FLIPPED,
      { name: 'rotate+5 zoom1.05', flip: false, rotate: 5, zoom: 1.05 },
      { name: 'hflip rotate-5 zoom1.05', flip: true, rotate: -5, zoom: 1.05 },
    ],
    defaults: PRESET_DEFAULTS.recommended,
  },
};

export const DEFAULT_PRESET: PresetName = 'reference';

export function presetOf(name: PresetName | undefined): Preset {
  return PRESETS[name ?? DEFAULT_PRESET];
}

/** run.json's `augmentation` for a preset. */
export function augmentationRecord(name: PresetName | undefined): Augmentation {
  const p = presetOf(name);
  return { preset: name ?? DEFAULT_PRESET, transforms: p.transforms, padding: 'reflection', tta: p.tta };
}
