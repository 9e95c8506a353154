import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { writeFileAtomic } from '../io/atomic';
import type { CamResult } from './baseCam';
import { applyJet } from './colormap';

export interface DisplayImage {
  /** Interleaved RGB, uint8, width*height*3 bytes. */
  data: Buffer;
  width: number;
  height: number;
}

/**
 * Write `<prefix>-heatmap.png` (the CAM in the jet colormap) and `<prefix>-overlay.png` (the display
 * image blended with it), both at the display image's size. `alpha` is the heatmap's opacity.
 */
export async function writeCamImages(
  cam: CamResult,
  display: DisplayImage,
  outPrefix: string,
  opts: { alpha?: number } = {},
): Promise<{ heatmap: string; overlay: string }> {
  const alpha = opts.alpha ?? 0.5;
  const { width, height, data } = display;
  if (data.length !== width * height * 3) {
    throw new Error(`CAM: display image has ${data.length} bytes, expected ${width}x${height}x3`);
  }
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`CAM: alpha must be in [0,1], got ${alpha}`);

  const heat = applyJet(resizeCam(cam, width, height));
  const overlay = new Uint8Array(heat.length);
  for (let i = 0; i < heat.length; i++) overlay[i] = Math.round((1 - alpha) * data[i] + alpha * heat[i]);

  const paths = { heatmap: `${outPrefix}-heatmap.png`, overlay: `${outPrefix}-overlay.png` };
  await writeFileAtomic(paths.heatmap, await encodePng(heat, width, height));
  await writeFileAtomic(paths.overlay, await encodePng(overlay, width, height));
  return paths;
}

/** Bilinear resize of the CAM to the display size (same convention as BaseCam's upsampling). */
function resizeCam(cam: CamResult, width: number, height: number): Float32Array {
  if (cam.width === width && cam.height === height) return cam.cam;
  return tf.tidy(() => {
    const map = tf.tensor4d(cam.cam, [1, cam.height, cam.width, 1]);
    return tf.image.resizeBilinear(map, [height, width], false, true).clipByValue(0, 1).dataSync() as Float32Array;
  });
}

function encodePng(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
}
