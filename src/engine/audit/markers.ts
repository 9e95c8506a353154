/**
 * Burned-in text and markers ("R", "L", "A-P", "PORTABLE", lead markers): the detector the shortcut audit uses to
 * measure how much of a CAM's mass lies on them. Pure (grey pixels in, boxes out), tested on constructed images with a
 * drawn "R" (test/unit/auditMarkers.test.ts) and on real radiographs.
 *
 * What it finds: small, bright, high-contrast connected components near the image's edges — the white letters a
 * radiographer's marker or the modality burns in. Step by step, on the grey image (the audit's grid, 256 px a side):
 *  1. candidates: pixels at least MARKER_RULES.minBrightness bright and minContrast above the mean of their
 *     neighbourhood (a window of 2·backgroundRadius of the side), so a bright stroke on a darker background counts
 *     and a uniformly bright region (bone, an over-exposed field) does not;
 *  2. 8-connected components of the candidates, kept when they are small (minArea pixels at 256 px up to maxSide of
 *     the side), not thin lines (elongation ≤ maxElongation: wires, frame edges), centred within edgeZone of an edge,
 *     clearly brighter than the ring around them (minRingContrast: a letter's holes and background are dark) and
 *     near-white somewhere (minPeak: burned-in text is drawn at full brightness; tissue cut out of a black background,
 *     as in a masked image, mostly is not);
 *  3. components closer than joinGap × their height join one marker (the letters of a word); a group larger than
 *     maxGroupWidth × maxGroupHeight of the image is anatomy (ribs, a clavicle) and dropped.
 * The region measured for a marker is its box grown by `margin` of the side on every side (a CAM is coarser than a
 * letter's stroke). Dark text on a bright label and markers in the middle of the image are not found.
 */

export const MARKER_RULES = {
  backgroundRadius: 0.04,
  minBrightness: 140,
  minContrast: 40,
  minPeak: 200,
  minArea: 6,
  maxSide: 0.12,
  maxElongation: 6,
  edgeZone: 0.15,
  minRingContrast: 60,
  joinGap: 0.8,
  maxGroupWidth: 0.35,
  maxGroupHeight: 0.18,
  margin: 0.02,
} as const;

/** A marker's box in pixels of the analysed image: x0, y0 inclusive; x1, y1 exclusive. */
export interface MarkerBox { x0: number; y0: number; x1: number; y1: number }

export interface MarkerDetection {
  boxes: MarkerBox[];
  /** 1 on the marker regions (boxes grown by the margin), 0 elsewhere; width×height. */
  region: Uint8Array;
  /** The margin, in pixels, by which each box was grown into its region. */
  margin: number;
}

/** Finds markers in a one-channel 8-bit image (width×height, row-major). */
export function detectMarkers(grey: ArrayLike<number>, width: number, height: number, rules = MARKER_RULES): MarkerDetection {
  if (grey.length !== width * height) throw new Error(`detectMarkers: ${grey.length} pixels for ${width}×${height}`);
  const side = Math.min(width, height);
  const candidate = candidates(grey, width, height, Math.max(2, Math.round(rules.backgroundRadius * side)), rules);
  const scale = (side / 256) ** 2;
  const minArea = Math.max(3, Math.round(rules.minArea * scale));
  const maxW = rules.maxSide * width, maxH = rules.maxSide * height;
  const kept: MarkerBox[] = [];
  for (const c of components(candidate, width, height)) {
    const w = c.x1 - c.x0, h = c.y1 - c.y0;
    if (c.area < minArea || w > maxW || h > maxH) continue;
    if (Math.max(w, h) / Math.max(1, Math.min(w, h)) > rules.maxElongation) continue;
    const cx = (c.x0 + c.x1) / 2, cy = (c.y0 + c.y1) / 2;
    const nearEdge = cx < rules.edgeZone * width || cx > (1 - rules.edgeZone) * width || cy < rules.edgeZone * height || cy > (1 - rules.edgeZone) * height;
    if (!nearEdge) continue;
    if (peak(grey, c) < rules.minPeak || ringContrast(grey, width, height, c, candidate) < rules.minRingContrast) continue;
    kept.push({ x0: c.x0, y0: c.y0, x1: c.x1, y1: c.y1 });
  }
  const boxes = joinNear(kept, rules.joinGap)
    .filter((b) => b.x1 - b.x0 <= rules.maxGroupWidth * width && b.y1 - b.y0 <= rules.maxGroupHeight * height);
  const region = new Uint8Array(width * height);
  const m = Math.max(1, Math.round(rules.margin * side));
  for (const b of boxes) {
    for (let y = Math.max(0, b.y0 - m); y < Math.min(height, b.y1 + m); y++) {
      region.fill(1, y * width + Math.max(0, b.x0 - m), y * width + Math.min(width, b.x1 + m));
    }
  }
  return { boxes, region, margin: m };
}

/** Step 1: bright pixels well above their neighbourhood's mean (an integral image gives the box means). */
function candidates(grey: ArrayLike<number>, width: number, height: number, r: number, rules: typeof MARKER_RULES): Uint8Array {
  const W = width + 1;
  const sum = new Float64Array(W * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += grey[y * width + x];
      sum[(y + 1) * W + x + 1] = sum[y * W + x + 1] + row;
    }
  }
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const y0 = Math.max(0, y - r), y1 = Math.min(height, y + r + 1);
    for (let x = 0; x < width; x++) {
      const v = grey[y * width + x];
      if (v < rules.minBrightness) continue;
      const x0 = Math.max(0, x - r), x1 = Math.min(width, x + r + 1);
      const total = sum[y1 * W + x1] - sum[y0 * W + x1] - sum[y1 * W + x0] + sum[y0 * W + x0];
      if (v - total / ((y1 - y0) * (x1 - x0)) >= rules.minContrast) out[y * width + x] = 1;
    }
  }
  return out;
}

interface Component extends MarkerBox { area: number; pixels: number[] }

/** Step 2's components: 8-connected, each with its box and pixel indices. */
function components(mask: Uint8Array, width: number, height: number): Component[] {
  const seen = new Uint8Array(mask.length);
  const out: Component[] = [];
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || seen[start]) continue;
    const c: Component = { x0: width, y0: height, x1: 0, y1: 0, area: 0, pixels: [] };
    seen[start] = 1;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % width, y = (i - x) / width;
      c.pixels.push(i);
      c.area++;
      if (x < c.x0) c.x0 = x;
      if (y < c.y0) c.y0 = y;
      if (x + 1 > c.x1) c.x1 = x + 1;
      if (y + 1 > c.y1) c.y1 = y + 1;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (mask[j] && !seen[j]) { seen[j] = 1; stack.push(j); }
        }
      }
    }
    out.push(c);
  }
  return out;
}

function peak(grey: ArrayLike<number>, c: Component): number {
  let max = 0;
  for (const i of c.pixels) if (grey[i] > max) max = grey[i];
  return max;
}

/** Mean of the component's pixels minus the mean of the non-candidate pixels of its box grown by 2 px. */
function ringContrast(grey: ArrayLike<number>, width: number, height: number, c: Component, candidate: Uint8Array): number {
  let inner = 0;
  for (const i of c.pixels) inner += grey[i];
  inner /= c.pixels.length;
  let ring = 0, n = 0;
  for (let y = Math.max(0, c.y0 - 2); y < Math.min(height, c.y1 + 2); y++) {
    for (let x = Math.max(0, c.x0 - 2); x < Math.min(width, c.x1 + 2); x++) {
      const i = y * width + x;
      if (candidate[i]) continue;
      ring += grey[i];
      n++;
    }
  }
  return n === 0 ? 0 : inner - ring / n;
}

/** Step 3: boxes closer than `gap` × the taller one's height (both ways) merge, until none does. */
function joinNear(boxes: MarkerBox[], gap: number): MarkerBox[] {
  const out = boxes.map((b) => ({ ...b }));
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const a = out[i], b = out[j];
        const limit = gap * Math.max(a.y1 - a.y0, b.y1 - b.y0);
        const gx = Math.max(0, Math.max(a.x0, b.x0) - Math.min(a.x1, b.x1));
        const gy = Math.max(0, Math.max(a.y0, b.y0) - Math.min(a.y1, b.y1));
        if (gx <= limit && gy <= limit) {
          out[i] = { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
          out.splice(j, 1);
          merged = true;
          break;
        }
      }
    }
  }
  return out.sort((a, b) => a.y0 - b.y0 || a.x0 - b.x0);
}
