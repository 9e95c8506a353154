import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../../engine/io/atomic';
import { createRng, type Rng as BaseRng } from '../../engine/random';

/**
 * A synthetic chest X-ray data set for the demo and for tests: grayscale PNGs in class folders plus
 * metadata.csv (file,label,patient; two images per patient). Everything is drawn from the engine's seeded
 * PRNG (random.ts), so the same seed gives byte-identical files.
 *
 * Each picture is built as summed attenuation (soft tissue, bone, heart add; lung air subtracts), then
 * shifted to a per-patient mean brightness so that a finding changes a local pattern, not the global mean.
 */

export type PhantomClass = 'normal' | 'consolidation' | 'nodules' | 'effusion';

export interface PhantomOptions {
  /** Images per class (default 40; two per patient). */
  perClass?: number;
  /** Width and height in pixels (default 128). */
  size?: number;
  /** Integer seed (default 1). */
  seed?: number;
  /** 4 classes (default) or 3 (without `nodules`, the finding hardest to see at low resolution). */
  classes?: 3 | 4;
}

export const PHANTOM_CLASSES: Record<3 | 4, PhantomClass[]> = {
  3: ['normal', 'consolidation', 'effusion'],
  4: ['normal', 'consolidation', 'nodules', 'effusion'],
};
/** Fixed per class so that choosing 3 or 4 classes leaves the shared classes' images unchanged. */
const IMAGES_PER_PATIENT = 2;
// Independent random streams, so e.g. the finding does not change the noise or the anatomy.

/** The engine's seeded stream (random.ts) with the draws the drawing code needs. */
class Rng {
  private spare: number | undefined;
  constructor(private readonly stream: BaseRng) {}
  /** Uniform in [0, 1). */
  next(): number {
    return this.stream.next();
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hiInclusive: number): number {
    return lo + this.stream.int(hiInclusive - lo + 1);
  }
  sign(): number {
    return this.next() < 0.5 ? -1 : 1;
  }
  /** Standard normal (Box–Muller, keeping the second value). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

/** One independent stream per seed and labels (patient, what is drawn, image). */
function streamOf(seed: number, ...labels: (string | number)[]): Rng {
  return new Rng(createRng(seed).fork(labels.join(':')));
}

/** Smooth 2-D value noise in [-1, 1] on a gx × gy lattice (wraps around), for textures. */
function valueNoise(rng: Rng, gx: number, gy: number): (u: number, v: number) => number {
  const lattice = Float64Array.from({ length: gx * gy }, () => rng.uniform(-1, 1));
  return (u, v) => {
    const x = u * gx, y = v * gy;
    const x0 = Math.floor(x), y0 = Math.floor(y);
    const fx = x - x0, fy = y - y0;
    const sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy);
    const i0 = ((x0 % gx) + gx) % gx, i1 = (i0 + 1) % gx;
    const r0 = (((y0 % gy) + gy) % gy) * gx, r1 = ((((y0 + 1) % gy) + gy) % gy) * gx;
    const top = lattice[r0 + i0] + (lattice[r0 + i1] - lattice[r0 + i0]) * sx;
    const bottom = lattice[r1 + i0] + (lattice[r1 + i1] - lattice[r1 + i0]) * sx;
    return top + (bottom - top) * sy;
  };
}

// ---------------------------------------------------------------------------------------------
// Shape helpers in normalised anatomy coordinates (x right, y down, both 0..1 over the film).

/** Soft step: 0 well below 0, 1 well above, `width` sets the blur of the edge. */
function soft(d: number, width: number): number {
  const z = d / width;
  // Far from the edge the answer is 0 or 1 to within 1e-7; skipping exp() there halves the render time.
  if (z > 16) return 1;
  if (z < -16) return 0;
  return 1 / (1 + Math.exp(-z));
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function segmentDistance(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax, dy = by - ay;
  const t = clamp01(((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy);
}

/** Patient anatomy: drawn once per patient so both of a patient's images look alike. */
interface Anatomy {
  scale: number; dx: number; dy: number; rot: number;
  bodyHalfWidth: number; tissue: number; bone: number; lungAir: number;
  lungOffset: number; lungHalfWidth: number; lungTop: number; lungBase: number;
  rightDomeLift: number; domeHeight: number;
  heartX: number; heartY: number; heartRx: number; heartRy: number;
  ribSpacing: number; ribPhase: number;
  meanBrightness: number; contrast: number; noiseSigma: number;
  texture: (u: number, v: number) => number;
  vessels: (u: number, v: number) => number;
}

function drawAnatomy(rng: Rng): Anatomy {
  const lungTop = rng.uniform(0.13, 0.18);
  const lungBase = rng.uniform(0.66, 0.74);
  return {
    scale: rng.uniform(0.9, 1.04), dx: rng.uniform(-0.035, 0.035), dy: rng.uniform(-0.03, 0.03),
    rot: rng.uniform(-0.05, 0.05),
    bodyHalfWidth: rng.uniform(0.42, 0.48), tissue: rng.uniform(0.5, 0.6), bone: rng.uniform(0.06, 0.1),
    lungAir: rng.uniform(0.3, 0.38),
    lungOffset: rng.uniform(0.17, 0.2), lungHalfWidth: rng.uniform(0.12, 0.145), lungTop, lungBase,
    rightDomeLift: rng.uniform(0.01, 0.04), domeHeight: rng.uniform(0.05, 0.085),
    heartX: rng.uniform(0.53, 0.56), heartY: lungBase - rng.uniform(0.06, 0.09),
    heartRx: rng.uniform(0.12, 0.15), heartRy: rng.uniform(0.1, 0.125),
    ribSpacing: rng.uniform(0.05, 0.058), ribPhase: rng.uniform(0, 0.02),
    meanBrightness: rng.uniform(0.36, 0.5), contrast: rng.uniform(0.85, 1.2), noiseSigma: rng.uniform(0.012, 0.03),
    texture: valueNoise(rng, 12, 12),
    vessels: valueNoise(rng, 40, 4),
  };
}

/** Small differences between a patient's two images: positioning, inspiration, exposure. */
interface View { dx: number; dy: number; scale: number; inspiration: number; brightness: number }

function drawView(rng: Rng): View {
  return {
    dx: rng.uniform(-0.012, 0.012), dy: rng.uniform(-0.012, 0.012), scale: rng.uniform(0.98, 1.02),
    inspiration: rng.uniform(-0.015, 0.015), brightness: rng.uniform(-0.02, 0.02),
  };
}

/** Lung geometry for one side (-1 = image left = patient's right lung, +1 = image right). */
function lungGeometry(a: Anatomy, view: View, side: number) {
  const cx = 0.5 + side * a.lungOffset;
  // The right hemidiaphragm sits higher than the left.
  const base = a.lungBase + view.inspiration - (side < 0 ? a.rightDomeLift : 0);
  return { cx, top: a.lungTop, base, halfWidth: a.lungHalfWidth };
}

/** Soft lung mask (0..1) at (x, y) for one side. */
function lungMask(a: Anatomy, view: View, side: number, x: number, y: number): number {
  const g = lungGeometry(a, view, side);
  const t = (side * (x - g.cx)) / g.halfWidth; // > 0 towards the chest wall
  const v = clamp01((y - g.top) / (g.base - g.top));
  // Narrow apex, convex lateral border widest low down, straighter medial border.
  const lateral = g.halfWidth * (0.45 + 0.55 * Math.sin((Math.PI / 2) * Math.min(1, v / 0.75)));
  const medial = g.halfWidth * (0.6 + 0.25 * v);
  const apex = g.top + 0.06 * (t - 0.1) ** 2;
  // Hemidiaphragm dome: highest mid-lung, deepest at the lateral costophrenic angle.
  const dome = g.base - a.domeHeight * Math.max(0, 1 - ((t + 0.1) / 1.1) ** 2);
  const e = 0.008;
  const o = t * g.halfWidth;
  return soft(lateral - o, e) * soft(o + medial, e) * soft(y - apex, e) * soft(dome - y, e * 0.7);
}

/**
 * A finding as the fraction (0..1) of one side's lung air it replaces at (x, y): fluid or a solid spot
 * can make a lung as dense as soft tissue but never denser. Drawn per patient so both images agree.
 */
type Finding = (x: number, y: number, side: number) => number;

function drawFinding(kind: PhantomClass, a: Anatomy, rng: Rng): Finding {
  const still: View = { dx: 0, dy: 0, scale: 1, inspiration: 0, brightness: 0 };
  const lungFor = (side: number) => lungGeometry(a, still, side);
  // Keep findings where they can be seen: inside a lung and clear of the heart shadow.
  const visible = (side: number, x: number, y: number) =>
    lungMask(a, still, side, x, y) > 0.9 && Math.hypot((x - a.heartX) / a.heartRx, (y - a.heartY) / a.heartRy) > 1.15;
  const placeIn = (side: number, draw: () => [number, number]): [number, number] => {
    let spot = draw();
    for (let tries = 0; tries < 50 && !visible(side, ...spot); tries++) spot = draw();
    return spot;
  };
  switch (kind) {
    case 'normal':
      return () => 0;
    case 'consolidation': {
      // A soft, mottled opacity in a lower lung zone, confined to that lung.
      const side = rng.sign();
      const g = lungFor(side);
      const [cx, cy] = placeIn(side, () =>
        [g.cx + side * rng.uniform(-0.3, 0.45) * g.halfWidth, g.top + rng.uniform(0.55, 0.8) * (g.base - g.top)]);
      const sx = rng.uniform(0.055, 0.09), sy = rng.uniform(0.05, 0.08);
      const peak = rng.uniform(0.6, 0.85);
      const mottle = valueNoise(rng, 24, 24);
      return (x, y, at) => {
        const d2 = ((x - cx) / sx) ** 2 + ((y - cy) / sy) ** 2;
        if (at !== side || d2 > 16) return 0;
        return peak * Math.exp(-0.5 * d2) * (0.85 + 0.15 * mottle(x, y));
      };
    }
    case 'nodules': {
      // A few small, round, fairly dense spots anywhere in the lungs.
      const spots = Array.from({ length: rng.int(2, 5) }, () => {
        const side = rng.sign();
        const g = lungFor(side);
        const [x, y] = placeIn(side, () =>
          [g.cx + rng.uniform(-0.7, 0.7) * g.halfWidth, g.top + rng.uniform(0.15, 0.85) * (g.base - g.top)]);
        return {
          side, x, y,
          r: rng.uniform(0.014, 0.026),
          density: rng.uniform(0.75, 1),
        };
      });
      return (x, y, at) => {
        let sum = 0;
        for (const s of spots) {
          const d = Math.hypot(x - s.x, y - s.y);
          if (s.side === at && d < s.r * 3) sum += s.density * soft(s.r - d, s.r * 0.25);
        }
        return Math.min(1, sum);
      };
    }
    case 'effusion': {
      // Fluid in one costophrenic recess: a homogeneous opacity whose upper edge (meniscus) rises laterally.
      const side = rng.sign();
      const g = lungFor(side);
      const level = g.top + rng.uniform(0.62, 0.82) * (g.base - g.top);
      const rise = rng.uniform(0.05, 0.1);
      const density = rng.uniform(0.85, 1);
      return (x, y, at) => {
        if (at !== side) return 0;
        // Fluid replaces air, so the dome's silhouette vanishes under it; 0 medial .. 1 at the chest wall.
        const lateral = clamp01(((side * (x - g.cx)) / g.halfWidth + 0.8) / 1.8);
        const meniscus = level - rise * lateral * lateral;
        return density * soft(y - meniscus, 0.008) * (0.92 + 0.08 * clamp01((y - meniscus) / 0.08));
      };
    }
  }
}

/** Render one image as floats in [0, 1], row-major size × size. */
function renderPixels(a: Anatomy, view: View, finding: Finding, noiseRng: Rng, size: number): Float32Array {
  const out = new Float32Array(size * size);
  const cos = Math.cos(-a.rot), sin = Math.sin(-a.rot);
  const scale = a.scale * view.scale;
  const ox = a.dx + view.dx, oy = a.dy + view.dy;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      // Film coordinates -> patient anatomy coordinates (inverse of shift, rotation, scale).
      const u = (px + 0.5) / size - 0.5 - ox, v = (py + 0.5) / size - 0.5 - oy;
      const x = (u * cos - v * sin) / scale + 0.5;
      const y = (u * sin + v * cos) / scale + 0.5;
      const ax = Math.abs(x - 0.5);

      // Soft tissue: a cylinder-ish torso (path length falls off to the sides), neck, shoulders wider than the chest.
      const shoulderHalf = a.bodyHalfWidth + 0.05;
      const bodyHalf = 0.085 + (shoulderHalf - 0.085) * soft(y - 0.1, 0.025) - 0.05 * soft(y - 0.3, 0.04);
      const body = soft(bodyHalf - ax, 0.008);
      const thickness = Math.sqrt(Math.max(0, 1 - (ax / bodyHalf) ** 2));
      let att = 0.04 + body * a.tissue * (0.55 + 0.45 * thickness);
      // Humeral heads at the upper corners.
      att += body * 1.2 * a.bone * soft(1 - Math.hypot(ax - shoulderHalf + 0.03, y - 0.17) / 0.055, 0.08);

      // Mediastinum, trachea (air column), aortic knob; the heart displaces lung (below).
      att += body * 0.05 * soft(0.075 - ax, 0.015) * soft(y - 0.1, 0.02);
      att -= 0.07 * soft(0.014 - ax, 0.004) * soft(y - 0.04, 0.01) * soft(0.36 - y, 0.02);
      att += 0.05 * soft(1 - Math.hypot(x - 0.555, y - (a.lungTop + 0.16)) / 0.035, 0.15);
      const heartR = Math.hypot((x - a.heartX) / a.heartRx, (y - a.heartY) / a.heartRy);
      const heart = soft(1 - heartR, 0.04);
      att += 0.05 * heart;

      // Lungs: air lowers attenuation; vessels fan out from the hila; a faint parenchymal texture.
      const side = x < 0.5 ? -1 : 1;
      const lung = lungMask(a, view, side, x, y);
      if (lung > 1e-3) {
        const hx = 0.5 + side * 0.09, hy = a.heartY - 0.16;
        const r = Math.hypot(x - hx, y - hy);
        const angle = Math.atan2(y - hy, (x - hx) * side) / Math.PI; // -1..1
        const streak = Math.max(0, a.vessels(angle * 0.5 + 0.5, r * 2 + (side > 0 ? 0.5 : 0)));
        const vessels = 0.06 * Math.exp(-r / 0.07) + 0.05 * streak * streak * Math.exp(-r / 0.16);
        const lateral = clamp01(Math.abs(x - (0.5 + side * a.lungOffset)) / a.lungHalfWidth);
        const air = a.lungAir * (0.9 + 0.1 * lateral) * (1 - 0.85 * heart) * (1 - finding(x, y, side));
        att -= lung * (air - vessels - 0.015 * a.texture(x, y));
      }

      // Gastric bubble under the left hemidiaphragm (image right).
      att -= 0.035 * soft(1 - Math.hypot((x - 0.62) / 0.05, (y - (a.lungBase + 0.07)) / 0.03), 0.15);

      // Bones: spine (vertebrae), clavicles, posterior ribs curving down towards the chest wall.
      const vertebra = 0.85 + 0.15 * Math.cos((2 * Math.PI * y) / 0.055);
      att += body * 1.2 * a.bone * soft(0.032 - ax, 0.005) * vertebra;
      const clavY = a.lungTop + 0.02;
      const clav = segmentDistance(ax, y, 0.035, clavY + 0.02, 0.3, clavY - 0.04);
      att += 1.4 * a.bone * soft(0.012 - clav, 0.003);
      if (ax > 0.03 && ax < 0.42) {
        const t = (ax - 0.03) / 0.33;
        const curve = -0.02 * Math.sin(Math.PI * Math.min(1, t)) + 0.12 * t * t;
        const first = a.lungTop - 0.04 + a.ribPhase;
        const k = Math.round((y - curve - first) / a.ribSpacing);
        if (k >= 0 && k < 10) {
          const d = Math.abs(y - curve - first - k * a.ribSpacing);
          const rib = soft(0.008 + 0.003 * t - d, 0.0025);
          // Ribs show best against lung air; they end at the chest wall.
          att += body * a.bone * rib * (0.35 + 0.65 * lung) * soft(0.37 - ax, 0.015) * (1 - 0.04 * k);
        }
      }

      out[py * size + px] = att;
    }
  }

  // Same global mean for every class: shift and stretch to the patient's exposure.
  let mean = 0;
  for (const v of out) mean += v;
  mean /= out.length;
  const target = a.meanBrightness + view.brightness;
  const white = new Float32Array(out.length);
  for (let i = 0; i < white.length; i++) white[i] = noiseRng.normal();
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      // Slightly grainy quantum noise: white noise blurred over a 3 × 3 neighbourhood, rescaled.
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const qx = Math.min(size - 1, Math.max(0, px + dx)), qy = Math.min(size - 1, Math.max(0, py + dy));
          n += white[qy * size + qx];
        }
      }
      const i = py * size + px;
      out[i] = clamp01((out[i] - mean) * a.contrast + target + a.noiseSigma * (0.5 * white[i] + n / 4));
    }
  }
  return out;
}

/**
 * One phantom image as 8-bit grey levels. `patientSeed` fixes the anatomy and the finding's placement;
 * the same patient rendered as another class differs only by the finding (and the mean re-levelling).
 */
export function renderPhantomImage(kind: PhantomClass, patientSeed: number, imageIndex: number, size: number): Uint8Array {
  const anatomy = drawAnatomy(streamOf(patientSeed, 'anatomy'));
  const finding = drawFinding(kind, anatomy, streamOf(patientSeed, 'finding'));
  const view = drawView(streamOf(patientSeed, 'view', imageIndex));
  const noise = streamOf(patientSeed, 'noise', imageIndex);
  const pixels = renderPixels(anatomy, view, finding, noise, size);
  const grey = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) grey[i] = Math.round(pixels[i] * 255);
  return grey;
}

async function encodePng(grey: Uint8Array, size: number): Promise<Buffer> {
  // toColourspace('b-w') keeps a one-channel PNG; otherwise sharp writes sRGB with three equal channels.
  return sharp(grey, { raw: { width: size, height: size, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 6, adaptiveFiltering: false })
    .toBuffer();
}

/** Write the phantom data set into `dir` (class folders + metadata.csv). Existing files of the same names are overwritten. */
export async function generatePhantomDataset(dir: string, opts: PhantomOptions = {}): Promise<{ classes: string[]; files: number }> {
  const perClass = opts.perClass ?? 40;
  const size = opts.size ?? 128;
  const seed = opts.seed ?? 1;
  const classes = PHANTOM_CLASSES[opts.classes ?? 4];
  if (!classes) throw new RangeError(`classes must be 3 or 4, got ${opts.classes}`);
  if (!Number.isInteger(perClass) || perClass < 1) throw new RangeError(`perClass must be a positive integer, got ${perClass}`);
  if (!Number.isInteger(size) || size < 16) throw new RangeError(`size must be an integer >= 16, got ${size}`);

  const rows = ['file,label,patient'];
  let files = 0;
  let patientNumber = 0;
  for (const label of classes) {
    await fs.mkdir(path.join(dir, label), { recursive: true });
    const pending: Promise<void>[] = [];
    for (let n = 0; n < perClass; n++) {
      const patientInClass = Math.floor(n / IMAGES_PER_PATIENT);
      if (n % IMAGES_PER_PATIENT === 0) patientNumber++;
      const patient = `p${String(patientNumber).padStart(4, '0')}`;
      const file = `${label}/img-${String(n + 1).padStart(4, '0')}.png`;
      const patientSeed = createRng(seed).fork(`${label}:${patientInClass}`).int(2 ** 32);
      const grey = renderPhantomImage(label, patientSeed, n % IMAGES_PER_PATIENT, size);
      pending.push(encodePng(grey, size).then((png) => fs.writeFile(path.join(dir, file), png)));
      rows.push(`${file},${label},${patient}`);
      files++;
    }
    await Promise.all(pending);
  }
  await writeFileAtomic(path.join(dir, 'metadata.csv'), rows.join('\n') + '\n');
  return { classes: [...classes], files };
}
