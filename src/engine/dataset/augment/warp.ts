/**
 * Rotation, zoom and flip of an 8-bit image in one affine resampling (bilinear, reflection padding — fastai's
 * affine transforms with pad_mode 'reflection'), done in JavaScript on the already resized pixels: at 224 px that is
 * ~1 ms an image, well below the decode (bench/augment.ts compares it with sharp's affine and tf.image.transform).
 *
 * Each output pixel centre u ∈ (-1, 1)² (x right, y down; flipped first) samples the source at R(θ)·u / zoom + t,
 * where t moves the zoomed window to its centre (cx, cy) without leaving the image.
 */
import type { AugmentParams } from './params';

export interface Pixels { data: Uint8Array; width: number; height: number; channels: number }

/** The warped image, same size and channels; `flip` mirrors the output horizontally. */
export function warpPixels(src: Pixels, a: AugmentParams, flip: boolean): Pixels {
  const { width: w, height: h, channels: ch, data } = src;
  const out = new Uint8Array(w * h * ch);
  const theta = (a.rotate * Math.PI) / 180;
  const cos = Math.cos(theta) / a.zoom, sin = Math.sin(theta) / a.zoom;
  const tx = (a.cx - 0.5) * 2 * (1 - 1 / a.zoom);
  const ty = (a.cy - 0.5) * 2 * (1 - 1 / a.zoom);
  const fx = flip ? -1 : 1;
  // The source position is affine in the output pixel (x, y): start at x = 0 of each row and step by (dxX, dyX).
  const ux0 = fx * (1 / w - 1), dux = (fx * 2) / w;
  const dxX = (cos * dux * w) / 2, dyX = (sin * dux * w) / 2 * (h / w);
  const wMax = w - 1, hMax = h - 1;
  for (let y = 0; y < h; y++) {
    const uy = (2 * y + 1) / h - 1;
    let sx = ((cos * ux0 - sin * uy + tx + 1) * w) / 2 - 0.5;
    let sy = ((sin * ux0 + cos * uy + ty + 1) * h) / 2 - 0.5;
    let o = y * w * ch;
    for (let x = 0; x < w; x++, sx += dxX, sy += dyX, o += ch) {
      const px = sx >= 0 && sx <= wMax ? sx : reflect(sx, w);
      const py = sy >= 0 && sy <= hMax ? sy : reflect(sy, h);
      const x0 = px | 0, y0 = py | 0; // px, py ≥ 0
      const x1 = x0 < wMax ? x0 + 1 : wMax, y1 = y0 < hMax ? y0 + 1 : hMax;
      const wx = px - x0, wy = py - y0;
      const r0 = y0 * w, r1 = y1 * w;
      if (ch === 1) {
        const a00 = data[r0 + x0], a01 = data[r0 + x1], a10 = data[r1 + x0], a11 = data[r1 + x1];
        const top = a00 + (a01 - a00) * wx, bottom = a10 + (a11 - a10) * wx;
        out[o] = (top + (bottom - top) * wy + 0.5) | 0;
      } else {
        for (let c = 0; c < ch; c++) {
          const a00 = data[(r0 + x0) * ch + c], a01 = data[(r0 + x1) * ch + c], a10 = data[(r1 + x0) * ch + c], a11 = data[(r1 + x1) * ch + c];
          const top = a00 + (a01 - a00) * wx, bottom = a10 + (a11 - a10) * wx;
          out[o + c] = (top + (bottom - top) * wy + 0.5) | 0;
        }
      }
    }
  }
  return { data: out, width: w, height: h, channels: ch };
}

/** Reflect a pixel coordinate about the image's edges (-0.5 and n - 0.5), as torch's grid_sample 'reflection', then clamp to [0, n-1]. */
export function reflect(c: number, n: number): number {
  if (c >= 0 && c <= n - 1) return c;
  const span = 2 * n;
  let r = (c + 0.5) % span;
  if (r < 0) r += span;
  if (r > n) r = span - r;
  return Math.min(n - 1, Math.max(0, r - 0.5));
}
