/**
 * Pixels the audit reads and writes: an image's grey pixels on the audit grid, its lung mask on the same grid
 * (nearest-neighbour, so a mask of another size is resized without inventing values), and the gallery's overlay.
 */
import sharp from 'sharp';
import { applyJet } from '../cam/colormap';
import { openImage } from '../dataset/decode';
import { loadDisplayImage } from '../dataset/preprocess';
import { writeFileAtomic } from '../io/atomic';
import { areaFraction, binarise, resizeNearest } from './regions';
import type { MarkerBox } from './markers';

/** The image's grey pixels resized to size×size (as the network sees it: plain resize), and its native size. */
export async function loadGrey(file: string, size: number): Promise<{ grey: Uint8Array; width: number; height: number }> {
  const native = (await openImage(file)).info;
  const { data } = await loadDisplayImage(file, size);
  const grey = new Uint8Array(size * size);
  for (let i = 0; i < grey.length; i++) grey[i] = Math.round((data[i * 3] + data[i * 3 + 1] + data[i * 3 + 2]) / 3);
  return { grey, width: native.width, height: native.height };
}

export type LungMask = { region: Uint8Array; resized: boolean; area: number } | { problem: string };

/**
 * The lung mask of an image whose native size is width×height, on the size×size grid: 1 inside the lungs (above half
 * the mask's maximum). `resized`: the mask had another size than the image. An unreadable or empty mask is a problem
 * (the image is then audited on the border band and markers only).
 */
export async function loadLungMask(file: string, width: number, height: number, size: number): Promise<LungMask> {
  let data: Buffer, w: number, h: number;
  try {
    const img = await openImage(file);
    ({ data, info: { width: w, height: h } } = await img.pipeline().extractChannel(0).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }));
  } catch (e) {
    return { problem: `its mask ${file} cannot be read (${(e as Error).message})` };
  }
  const region = binarise(resizeNearest(data, w, h, size, size));
  const area = areaFraction(region);
  if (area === 0) return { problem: `its mask ${file} is empty (no lung pixel)` };
  return { region, resized: w !== width || h !== height, area };
}

const LUNG_OUTLINE: [number, number, number] = [60, 255, 90];
const MARKER_COLOUR: [number, number, number] = [255, 40, 220];

/**
 * The gallery's picture: the grey image with the CAM in jet (opacity 0.45), the lung mask's outline (green), the inner
 * edge of the border band (dotted white) and each marker's region (magenta box). PNG, size×size.
 */
export async function writeAuditOverlay(file: string, o: {
  grey: Uint8Array; cam: Float32Array; size: number; lungs?: Uint8Array; markers: MarkerBox[]; margin: number; band: number;
}): Promise<void> {
  const { size, grey, cam } = o;
  const heat = applyJet(cam);
  const rgb = new Uint8Array(size * size * 3);
  const alpha = 0.45;
  for (let i = 0; i < size * size; i++) {
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.round((1 - alpha) * grey[i] + alpha * heat[i * 3 + c]);
  }
  const put = (x: number, y: number, colour: readonly number[]) => {
    if (x < 0 || y < 0 || x >= size || y >= size) return;
    rgb.set(colour, (y * size + x) * 3);
  };
  // Border band: a dotted line on its inner edge.
  const b = o.band;
  for (let t = b; t < size - b; t += 4) {
    for (const [x, y] of [[t, b], [t, size - b - 1], [b, t], [size - b - 1, t]]) put(x, y, [255, 255, 255]);
  }
  if (o.lungs) {
    const L = o.lungs;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const i = y * size + x;
        if (!L[i]) continue;
        const edge = x === 0 || y === 0 || x === size - 1 || y === size - 1 || !L[i - 1] || !L[i + 1] || !L[i - size] || !L[i + size];
        if (edge) put(x, y, LUNG_OUTLINE);
      }
    }
  }
  for (const m of o.markers) {
    const x0 = Math.max(0, m.x0 - o.margin), y0 = Math.max(0, m.y0 - o.margin);
    const x1 = Math.min(size - 1, m.x1 + o.margin - 1), y1 = Math.min(size - 1, m.y1 + o.margin - 1);
    for (let x = x0; x <= x1; x++) { put(x, y0, MARKER_COLOUR); put(x, y1, MARKER_COLOUR); }
    for (let y = y0; y <= y1; y++) { put(x0, y, MARKER_COLOUR); put(x1, y, MARKER_COLOUR); }
  }
  await writeFileAtomic(file, await sharp(rgb, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer());
}
