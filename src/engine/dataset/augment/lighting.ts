/**
 * Brightness, contrast and gamma as one curve on the 8-bit values, which preprocess.ts folds into its normalisation
 * table: they cost nothing per pixel. fastai's lighting transforms work in logit space — x ↦ σ((logit(x) + logit(b)) · c),
 * brightness b ∈ (0, 1), contrast c > 0 — so the result stays in (0, 1) without clipping; gamma (x ↦ x^γ) comes first.
 */
import type { AugmentParams } from './params';

/** fastai's logit clamps to [1e-7, 1 − 1e-7]. */
const EPS = 1e-7;
const logit = (x: number) => {
  const c = Math.min(1 - EPS, Math.max(EPS, x));
  return Math.log(c / (1 - c));
};
const sigmoid = (l: number) => 1 / (1 + Math.exp(-l));

/** The lit intensity in [0, 1] of each 8-bit value. */
export function lightingCurve(a: Pick<AugmentParams, 'brightness' | 'contrast' | 'gamma'>): Float64Array {
  const curve = new Float64Array(256);
  const shift = logit(a.brightness);
  const logitSpace = a.brightness !== 0.5 || a.contrast !== 1;
  for (let v = 0; v < 256; v++) {
    let x = v / 255;
    if (a.gamma !== 1) x = Math.pow(x, a.gamma);
    if (logitSpace) x = sigmoid((logit(x) + shift) * a.contrast);
    curve[v] = x;
  }
  return curve;
}

/** The lighting as an 8-bit table, for pictures of the augmented images (the sample grid). */
export function litByteTable(a: AugmentParams): Uint8Array {
  return Uint8Array.from(lightingCurve(a), (x) => Math.round(x * 255));
}
