/**
 * Image -> network input, the same way for training, evaluation and Grad-CAM:
 * plain resize to imageSize x imageSize (aspect ratio not kept, like torchvision's Resize((224, 224))),
 * grey decoded as one channel and replicated to RGB here (letting libvips convert grey to sRGB shifts
 * values, engine-notes), alpha dropped, optional horizontal flip, then per-channel normalisation. A training preset's
 * augmentation (augment/) acts on the resized 8-bit pixels: rotation and zoom resample them (warp.ts), brightness,
 * contrast and gamma become part of the normalisation table (lighting.ts).
 * Output is HWC float32, ready for tf.tensor4d([n, size, size, 3]).
 */
import type { Sharp } from 'sharp';
import { openImage } from './decode';
import type { DecodedImageCache, DecodedPixels } from './decodedCache';
import { isGeometric, isPhotometric, type AugmentParams } from './augment/params';
import { warpPixels } from './augment/warp';
import { lightingCurve, litByteTable } from './augment/lighting';

/**
 * 'imagenet': (v/255 - mean) / std, RGB (torchvision; Keras 'torch' mode). 'minus1to1': v/127.5 - 1 (Keras
 * 'tf' mode, MobileNetV2). 'caffe': BGR channel order, 0-255 minus the ImageNet BGR mean, no std (Keras
 * VGG16 / ResNet50 weights).
 */
export type Normalization = 'imagenet' | 'minus1to1' | 'caffe';

export interface PreprocessOptions {
  imageSize: number;
  normalization: Normalization;
  /** Decoded images at imageSize kept across epochs (decodedCache.ts); the pixels are the same either way. */
  cache?: DecodedImageCache;
}

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
/** Keras imagenet_utils 'caffe' mode: per-channel mean of B, G, R (0-255). */
export const CAFFE_BGR_MEAN = [103.939, 116.779, 123.68] as const;

/**
 * Bilinear with antialiasing when shrinking (libvips reduce), the closest sharp kernel to PIL's BILINEAR
 * that torchvision's Resize uses; sharp's default (lanczos3) would sharpen differently from the reference.
 */
const RESIZE_KERNEL = 'linear' as const;

export async function loadImageTensorData(file: string, opts: PreprocessOptions, flip = false): Promise<Float32Array> {
  const out = new Float32Array(opts.imageSize * opts.imageSize * 3);
  await decodeInto(file, opts, flip, out, 0);
  return out;
}

/**
 * Decode, resize and normalise straight into `out` at `offset` (a batch buffer), avoiding a copy per image; `augment`:
 * the image's augmentation (without it, or with none drawn, exactly the reference recipe's input).
 */
export async function decodeInto(file: string, opts: PreprocessOptions, flip: boolean, out: Float32Array, offset: number, augment?: AugmentParams): Promise<void> {
  const size = opts.imageSize;
  if (!Number.isInteger(size) || size <= 0) throw new Error(`imageSize must be a positive whole number, got ${size}.`);
  if (offset + size * size * 3 > out.length) throw new Error('decodeInto: output buffer too small.');
  let px: { data: Uint8Array; channels: number } = opts.cache ? await opts.cache.pixels(file, size, () => resizedPixels(file, size)) : await resizedPixels(file, size);
  if (augment && isGeometric(augment)) {
    px = warpPixels({ ...px, width: size, height: size }, augment, flip);
    flip = false; // done by the warp
  }
  const lut = augment && isPhotometric(augment) ? curveTable(opts.normalization, lightingCurve(augment)) : normalizationTable(opts.normalization);
  // source channels of output channels 0 and 2: swapped for BGR (grey sources replicate channel 0 anyway)
  const [c0, c2] = opts.normalization === 'caffe' ? [2, 0] : [0, 2];
  const { data, channels } = px;
  for (let y = 0; y < size; y++) {
    const row = y * size;
    for (let x = 0; x < size; x++) {
      const src = (row + (flip ? size - 1 - x : x)) * channels;
      const dst = offset + (row + x) * 3;
      if (channels === 1) {
        const v = data[src];
        out[dst] = lut[v]; out[dst + 1] = lut[256 + v]; out[dst + 2] = lut[512 + v];
      } else {
        out[dst] = lut[data[src + c0]]; out[dst + 1] = lut[256 + data[src + 1]]; out[dst + 2] = lut[512 + data[src + c2]];
      }
    }
  }
}

/** As loadDisplayImage at `size`, flipped and augmented as training would (the sample grid's augmented column). */
export async function loadAugmentedDisplayImage(file: string, size: number, flip: boolean, augment: AugmentParams): Promise<{ data: Buffer; width: number; height: number }> {
  const px = await resizedPixels(file, size);
  const warped = isGeometric(augment) || flip ? warpPixels(px, augment, flip) : px;
  const lit = isPhotometric(augment) ? litByteTable(augment) : undefined;
  const n = warped.width * warped.height;
  const rgb = Buffer.alloc(n * 3);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = warped.data[i * warped.channels + (warped.channels === 3 ? c : 0)];
      rgb[i * 3 + c] = lit ? lit[v] : v;
    }
  }
  return { data: rgb, width: warped.width, height: warped.height };
}

/** RGB uint8 for overlays (Grad-CAM), resized to size x size like the network input, or at native size. */
export async function loadDisplayImage(file: string, size?: number): Promise<{ data: Buffer; width: number; height: number }> {
  const px = await resizedPixels(file, size);
  if (px.channels === 3) return { data: px.data, width: px.width, height: px.height };
  const n = px.width * px.height;
  const rgb = Buffer.alloc(n * 3);
  for (let i = 0; i < n; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = px.data[i];
  return { data: rgb, width: px.width, height: px.height };
}

/** 8-bit pixels, 1 channel for grey sources and 3 for colour; 16-bit sources come out scaled to 8 bits by sharp. */
async function resizedPixels(file: string, size?: number): Promise<DecodedPixels> {
  const img = await openImage(file);
  let p: Sharp = img.pipeline();
  if (img.info.grey) p = p.extractChannel(0); // also drops a grey image's alpha
  else {
    if (img.space === 'cmyk') p = p.toColourspace('srgb');
    p = p.removeAlpha();
  }
  // fastShrinkOnLoad off: JPEG DCT-domain shrinking drifted from PIL by up to 140 grey levels at image edges
  // (mean 2.4, vs 0.9 without) on a 2340 px radiograph, for ~20% more decode time.
  if (size !== undefined) p = p.resize(size, size, { fit: 'fill', kernel: RESIZE_KERNEL, fastShrinkOnLoad: false });
  const { data, info } = await p.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const expected = img.info.grey ? 1 : 3;
  if (info.channels !== expected) throw new Error(`decoded ${info.channels} channels where ${expected} were expected`);
  return { data, width: info.width, height: info.height, channels: expected, sourceWidth: img.info.width, sourceHeight: img.info.height };
}

const tables = new Map<Normalization, Float32Array>();

/** normalizationTable for intensities `curve[v]` ∈ [0, 1] instead of v / 255 (an augmentation's lighting). */
export function curveTable(n: Normalization, curve: Float64Array): Float32Array {
  const t = new Float32Array(768);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) {
      const x = curve[v];
      if (n === 'imagenet') t[c * 256 + v] = (x - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
      else if (n === 'minus1to1') t[c * 256 + v] = x * 2 - 1;
      else if (n === 'caffe') t[c * 256 + v] = x * 255 - CAFFE_BGR_MEAN[c];
      else throw new Error(`Unknown normalization ${String(n)}: expected 'imagenet', 'minus1to1' or 'caffe'.`);
    }
  }
  return t;
}

/** value -> normalised float for each of the 3 output channels (3 x 256 entries; B, G, R for 'caffe'). */
export function normalizationTable(n: Normalization): Float32Array {
  let t = tables.get(n);
  if (t) return t;
  t = new Float32Array(768);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) {
      if (n === 'imagenet') t[c * 256 + v] = (v / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
      else if (n === 'minus1to1') t[c * 256 + v] = v / 127.5 - 1;
      else if (n === 'caffe') t[c * 256 + v] = v - CAFFE_BGR_MEAN[c];
      else throw new Error(`Unknown normalization ${String(n)}: expected 'imagenet', 'minus1to1' or 'caffe'.`);
    }
  }
  tables.set(n, t);
  return t;
}
