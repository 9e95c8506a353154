/**
 * The shortcut audit's arithmetic on one square grid (AUDIT_GRID pixels a side, or the run's image size when larger):
 * the border band, nearest-neighbour mask resizing, and the share of a CAM's mass in each region. Pure: no tfjs, no
 * files, so the numbers are tested on constructed maps (test/unit/auditScores.test.ts).
 */

/** Side of the square grid images, CAMs and masks are compared on (the run's image size when that is larger). */
export const AUDIT_GRID = 256;

/** The border band: this fraction of each side (top, bottom, left, right) — 1 − 0.8² = 36 % of the area. */
export const BORDER_FRACTION = 0.1;

/** 1 inside the outer `fraction` of each side of a size×size grid, 0 elsewhere. */
export function borderBand(size: number, fraction = BORDER_FRACTION): Uint8Array {
  const band = Math.round(size * fraction);
  const out = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (x < band || x >= size - band || y < band || y >= size - band) out[y * size + x] = 1;
    }
  }
  return out;
}

/**
 * Nearest-neighbour resize of a one-channel image (each target pixel takes the source pixel under its centre), so a
 * binary mask stays binary — the rule for a lung mask of another size than its image.
 */
export function resizeNearest(src: ArrayLike<number>, width: number, height: number, toWidth: number, toHeight: number): Uint8Array {
  if (src.length !== width * height) throw new Error(`resizeNearest: ${src.length} values for ${width}×${height}`);
  const out = new Uint8Array(toWidth * toHeight);
  for (let y = 0; y < toHeight; y++) {
    const sy = Math.min(height - 1, Math.floor(((y + 0.5) * height) / toHeight));
    for (let x = 0; x < toWidth; x++) {
      const sx = Math.min(width - 1, Math.floor(((x + 0.5) * width) / toWidth));
      out[y * toWidth + x] = src[sy * width + sx];
    }
  }
  return out;
}

/**
 * A lung mask's pixels → 0/1: inside where the value is above half the mask's maximum (masks come as 0/255 or 0/1).
 * An all-zero mask stays all zero (the caller treats it as no mask).
 */
export function binarise(mask: ArrayLike<number>): Uint8Array {
  let max = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] > max) max = mask[i];
  const out = new Uint8Array(mask.length);
  if (max === 0) return out;
  const cut = max / 2;
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] > cut ? 1 : 0;
  return out;
}

/** Fraction of a 0/1 region's pixels that are 1. */
export function areaFraction(region: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < region.length; i++) n += region[i];
  return region.length ? n / region.length : 0;
}

export interface CamShares {
  /** Sum of the CAM's values (each in [0,1]); 0 for a flat map, whose shares are then null. */
  mass: number;
  /** Share of the mass inside the lung mask; null without a mask. */
  lungs: number | null;
  border: number | null;
  markers: number | null;
  /** On the border band or a marker region (their union). */
  borderMarkers: number | null;
}

/**
 * Shares of a CAM's mass (the sum of its values, CAMs being non-negative) inside each region; all maps on one grid.
 * A flat map (all zero after Grad-CAM's ReLU: no positive evidence for the class) has no mass: its shares are null.
 */
export function camShares(cam: ArrayLike<number>, regions: { lungs?: Uint8Array; border: Uint8Array; markers: Uint8Array }): CamShares {
  const n = cam.length;
  for (const [name, r] of Object.entries(regions)) {
    if (r && r.length !== n) throw new Error(`camShares: the ${name} region has ${r.length} pixels, the CAM ${n}`);
  }
  let mass = 0, lungs = 0, border = 0, markers = 0, either = 0;
  const { lungs: L, border: B, markers: M } = regions;
  for (let i = 0; i < n; i++) {
    const v = cam[i] > 0 ? cam[i] : 0;
    if (v === 0) continue;
    mass += v;
    if (L && L[i]) lungs += v;
    if (B[i]) border += v;
    if (M[i]) markers += v;
    if (B[i] || M[i]) either += v;
  }
  if (!(mass > 0)) return { mass: 0, lungs: null, border: null, markers: null, borderMarkers: null };
  return { mass, lungs: L ? lungs / mass : null, border: border / mass, markers: markers / mass, borderMarkers: either / mass };
}
