import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { writeFileAtomic } from '../io/atomic';
import { applyColormap, showCamOnImage, type ColormapName } from '../../shared/camDisplay';

export interface DisplayImage {
  /** Interleaved RGB, uint8, width*height*3 bytes. */
  data: Buffer;
  width: number;
  height: number;
}

/** A map in [0,1] (row-major, height*width values) at its own size: a CamResult's `cam`, or that map on another scale. */
export interface ScaledMap { cam: Float32Array; width: number; height: number }

/**
 * Write `<prefix>-heatmap.png` (the map in the colormap, jet by default) and `<prefix>-overlay.png` (pytorch-grad-cam's
 * show_cam_on_image: the display image blended with it, then stretched to its brightest value), both at the display
 * image's size. `alpha` is the heatmap's weight (show_cam_on_image's image_weight is 1 − alpha).
 */
export async function writeCamImages(
  cam: ScaledMap,
  display: DisplayImage,
  outPrefix: string,
  opts: { alpha?: number; colormap?: ColormapName } = {},
): Promise<{ heatmap: string; overlay: string }> {
  const alpha = opts.alpha ?? 0.5;
  const { width, height, data } = display;
  if (data.length !== width * height * 3) {
    throw new Error(`CAM: display image has ${data.length} bytes, expected ${width}x${height}x3`);
  }
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`CAM: alpha must be in [0,1], got ${alpha}`);

  const mask = resizeCam(cam, width, height);
  const heat = applyColormap(mask, opts.colormap);
  const overlay = showCamOnImage(data, mask, { colormap: opts.colormap, imageWeight: 1 - alpha });

  const paths = { heatmap: `${outPrefix}-heatmap.png`, overlay: `${outPrefix}-overlay.png` };
  await writeFileAtomic(paths.heatmap, await encodePng(heat, width, height));
  await writeFileAtomic(paths.overlay, await encodePng(overlay, width, height));
  return paths;
}

/** Bilinear resize of the CAM to the display size (same convention as BaseCam's upsampling). */
function resizeCam(cam: ScaledMap, width: number, height: number): Float32Array {
  if (cam.width === width && cam.height === height) return cam.cam;
  return tf.tidy(() => {
    const map = tf.tensor4d(cam.cam, [1, cam.height, cam.width, 1]);
    return tf.image.resizeBilinear(map, [height, width], false, true).clipByValue(0, 1).dataSync() as Float32Array;
  });
}

function encodePng(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
}
