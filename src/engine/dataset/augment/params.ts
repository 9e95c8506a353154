/**
 * One image's augmentation: the strengths drawn for it from a preset's transforms (seeded), or a TTA view's. The flip is
 * not here: training draws it from its own stream (`flip:<epoch>`), as the reference recipe always has.
 */
import type { TransformSpec, TtaView } from '../../../shared/runFiles';
import type { Rng } from '../../random';

export interface AugmentParams {
  /** Degrees, counter-clockwise; 0 = none. */
  rotate: number;
  /** Scale ≥ 1 (1 = none) about the centre (cx, cy) ∈ [0, 1]², placed so the zoomed window stays inside the image. */
  zoom: number;
  cx: number;
  cy: number;
  /** fastai's brightness change in (0, 1), added as its logit; 0.5 = none. */
  brightness: number;
  /** Factor on the logit; 1 = none. */
  contrast: number;
  /** Exponent on the [0, 1] intensity, before contrast and brightness; 1 = none. */
  gamma: number;
}

export const NO_AUGMENT: AugmentParams = { rotate: 0, zoom: 1, cx: 0.5, cy: 0.5, brightness: 0.5, contrast: 1, gamma: 1 };

export function isGeometric(a: AugmentParams): boolean {
  return a.rotate !== 0 || a.zoom !== 1;
}

export function isPhotometric(a: AugmentParams): boolean {
  return a.brightness !== 0.5 || a.contrast !== 1 || a.gamma !== 1;
}

/** Multiplicative ranges (contrast, gamma) are drawn log-uniformly, so 0.8 and 1.25 are equally likely, as fastai's contrast. */
const LOG_UNIFORM = new Set(['contrast', 'gamma']);

/**
 * The strengths for one image. Every transform draws the same count of numbers whether it applies or not, so one
 * transform's probability never shifts another's draws.
 */
export function drawAugment(transforms: readonly TransformSpec[], rng: Rng): AugmentParams {
  const a = { ...NO_AUGMENT };
  for (const t of transforms) {
    if (t.name === 'hflip') continue;
    const apply = rng.next() < t.p;
    const u = rng.next();
    const extra = t.name === 'zoom' ? [rng.next(), rng.next()] : [];
    if (!apply) continue;
    const lo = t.min ?? 0, hi = t.max ?? 0;
    const v = LOG_UNIFORM.has(t.name) ? Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))) : lo + u * (hi - lo);
    if (t.name === 'zoom') Object.assign(a, { zoom: v, cx: extra[0], cy: extra[1] });
    else a[t.name] = v;
  }
  return a;
}

/** A TTA view's strengths (centred, no lighting change); its flip is `view.flip`. */
export function viewParams(view: TtaView): AugmentParams {
  return { ...NO_AUGMENT, rotate: view.rotate, zoom: view.zoom };
}

/** "rotate 4.2°, zoom 1.08, brightness +0.03, contrast 0.91, gamma 1.10" (what the sample grid's captions say); "none". */
export function describeAugment(a: AugmentParams, flip: boolean): string {
  const parts: string[] = [];
  if (flip) parts.push('flip');
  if (a.rotate !== 0) parts.push(`rotate ${a.rotate.toFixed(1)}°`);
  if (a.zoom !== 1) parts.push(`zoom ${a.zoom.toFixed(2)}`);
  if (a.brightness !== 0.5) parts.push(`brightness ${a.brightness >= 0.5 ? '+' : '−'}${Math.abs(a.brightness - 0.5).toFixed(2)}`);
  if (a.contrast !== 1) parts.push(`contrast ${a.contrast.toFixed(2)}`);
  if (a.gamma !== 1) parts.push(`gamma ${a.gamma.toFixed(2)}`);
  return parts.length ? parts.join(', ') : 'none';
}
