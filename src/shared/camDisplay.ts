/**
 * How a CAM becomes colours, one way for the engine's PNGs and the Grad-CAM view: pytorch-grad-cam's scaling
 * (scale_cam_image), OpenCV's bilinear upsampling, OpenCV's colormaps and show_cam_on_image's blend — each checked
 * against them in test/unit/camDisplay.test.ts — plus the view's overlay whose opacity follows the heat. Pure.
 */
import { INFERNO_HEX, JET_HEX, TURBO_HEX } from './colormapTables';
import type { CamRange, CamRaw, CamScale } from './runFiles/cam';

export const COLORMAPS = ['jet', 'inferno', 'turbo'] as const;
export type ColormapName = (typeof COLORMAPS)[number];
/** pytorch-grad-cam's show_cam_on_image default (cv2.COLORMAP_JET). */
export const DEFAULT_COLORMAP: ColormapName = 'jet';
export const COLORMAP_LABELS: Record<ColormapName, string> = {
  jet: 'Jet (pytorch-grad-cam)',
  inferno: 'Inferno (perceptually uniform)',
  turbo: 'Turbo (smooth rainbow)',
};

export function isColormap(name: unknown): name is ColormapName {
  return typeof name === 'string' && (COLORMAPS as readonly string[]).includes(name);
}

const HEX: Record<ColormapName, string> = { jet: JET_HEX, inferno: INFERNO_HEX, turbo: TURBO_HEX };
const luts = new Map<ColormapName, Uint8Array>();

/** The 256 RGB entries of a colormap (768 bytes). */
export function colormapLut(name: ColormapName): Uint8Array {
  let lut = luts.get(name);
  if (!lut) {
    const hex = HEX[name];
    lut = new Uint8Array(hex.length / 2);
    for (let i = 0; i < lut.length; i++) lut[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    luts.set(name, lut);
  }
  return lut;
}

/**
 * The table entry of a value in [0,1]: np.uint8(255 * mask) on float32, as show_cam_on_image looks it up (truncated,
 * not rounded); below 0 (and NaN) is 0, above 1 is 255.
 */
export function colormapIndex(value: number): number {
  if (!(value > 0)) return 0;
  if (value >= 1) return 255;
  return Math.trunc(Math.fround(255 * Math.fround(value)));
}

export function colormapColor(name: ColormapName, value: number): [number, number, number] {
  const lut = colormapLut(name);
  const i = colormapIndex(value) * 3;
  return [lut[i], lut[i + 1], lut[i + 2]];
}

/** Values in [0,1] to interleaved RGB bytes. */
export function applyColormap(values: ArrayLike<number>, name: ColormapName = DEFAULT_COLORMAP): Uint8Array {
  const lut = colormapLut(name);
  const rgb = new Uint8Array(values.length * 3);
  for (let p = 0; p < values.length; p++) {
    const i = colormapIndex(values[p]) * 3;
    rgb[p * 3] = lut[i];
    rgb[p * 3 + 1] = lut[i + 1];
    rgb[p * 3 + 2] = lut[i + 2];
  }
  return rgb;
}

/** pytorch-grad-cam's scale_cam_image: 1e-7 is added to the range, so a flat map scales to 0, never NaN. */
export const SCALE_EPSILON = 1e-7;

export function valueRange(values: ArrayLike<number>): CamRange {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return values.length ? { min, max } : { min: 0, max: 0 };
}

/**
 * (v − min) / (1e-7 + (max − min)) in float32, as scale_cam_image computes it; by default min and max are the map's own
 * (per-map, pytorch-grad-cam's), else the given range (a range shared by the classes of one image).
 */
export function scaleCam(values: ArrayLike<number>, range: CamRange = valueRange(values)): Float32Array {
  const out = new Float32Array(values.length);
  const min = Math.fround(range.min);
  const denominator = Math.fround(SCALE_EPSILON + Math.fround(Math.fround(range.max) - min));
  for (let i = 0; i < values.length; i++) out[i] = Math.fround(values[i] - min) / denominator;
  return out;
}

/** One range over several maps' ranges: the scale the classes of one image share. */
export function unionRange(ranges: readonly CamRange[]): CamRange {
  if (ranges.length === 0) return { min: 0, max: 0 };
  return { min: Math.min(...ranges.map((r) => r.min)), max: Math.max(...ranges.map((r) => r.max)) };
}

/**
 * Bilinear resize with half-pixel centres and clamped edges: cv2.resize(src, (width, height)) of a float32 map (the
 * upsampling in scale_cam_image) and tf.image.resizeBilinear(alignCorners false, halfPixelCenters true) (BaseCam's).
 */
export function resizeBilinear(values: ArrayLike<number>, width: number, height: number, toWidth: number, toHeight: number): Float32Array {
  if (values.length !== width * height) throw new Error(`resize: ${values.length} values for a ${width}×${height} map`);
  const out = new Float32Array(toWidth * toHeight);
  if (width === toWidth && height === toHeight) { out.set(Array.from(values)); return out; }
  const axis = (size: number, to: number) => Array.from({ length: to }, (_, d) => {
    const x = Math.max(0, (d + 0.5) * (size / to) - 0.5);
    const lo = Math.min(Math.floor(x), size - 1);
    const hi = Math.min(lo + 1, size - 1);
    return { lo, hi, t: lo === hi ? 0 : x - lo };
  });
  const xs = axis(width, toWidth);
  const ys = axis(height, toHeight);
  for (let y = 0; y < toHeight; y++) {
    const { lo: y0, hi: y1, t: ty } = ys[y];
    for (let x = 0; x < toWidth; x++) {
      const { lo: x0, hi: x1, t: tx } = xs[x];
      const top = values[y0 * width + x0] * (1 - tx) + values[y0 * width + x1] * tx;
      const bottom = values[y1 * width + x0] * (1 - tx) + values[y1 * width + x1] * tx;
      out[y * toWidth + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

/** The raw map at the model input's size (upsampled when it is at the layer's grid): the values a scale applies to. */
export function upsampledRaw(raw: CamRaw): Float32Array {
  return resizeBilinear(raw.values, raw.width, raw.height, raw.inputWidth, raw.inputHeight);
}

/**
 * The map drawn, in [0,1] at the input's size: the upsampled raw map scaled to its own range (per-map) or to the given
 * one (shared). Per-map this is pytorch-grad-cam's map (BaseCAM scales after upsampling, as here).
 */
export function displayMap(raw: CamRaw, range?: CamRange): { values: Float32Array; width: number; height: number } {
  const up = upsampledRaw(raw);
  return { values: scaleCam(up, range ?? valueRange(up)), width: raw.inputWidth, height: raw.inputHeight };
}

/**
 * pytorch-grad-cam's show_cam_on_image(image / 255, mask, use_rgb=True, colormap, image_weight) in float32 as numpy
 * computes it: (1 − w)·heat + w·image, divided by its brightest value, to uint8. `image`: RGB bytes; `mask`: one value
 * per pixel in [0,1].
 */
export function showCamOnImage(image: ArrayLike<number>, mask: ArrayLike<number>, o: { colormap?: ColormapName; imageWeight?: number } = {}): Uint8Array {
  const weight = o.imageWeight ?? 0.5;
  if (!(weight >= 0 && weight <= 1)) throw new Error(`image weight must be in [0,1], got ${weight}`);
  if (image.length !== mask.length * 3) throw new Error(`overlay: ${image.length} image bytes for a mask of ${mask.length} pixels`);
  const heat = applyColormap(mask, o.colormap);
  const f = Math.fround;
  const [wHeat, wImage] = [f(1 - weight), f(weight)];
  const blended = new Float32Array(image.length);
  let max = 0;
  for (let i = 0; i < image.length; i++) {
    const v = f(f(wHeat * f(heat[i] / 255)) + f(wImage * f(image[i] / 255)));
    blended[i] = v;
    if (v > max) max = v;
  }
  const out = new Uint8Array(image.length);
  for (let i = 0; i < image.length; i++) out[i] = max > 0 ? Math.trunc(f(255 * f(blended[i] / max))) : 0;
  return out;
}

/**
 * How the view lays the heatmap over the X-ray: 'heat' — each pixel's opacity is its heat times the opacity slider,
 * so a cold pixel shows the X-ray as it is; 'uniform' — one opacity everywhere, show_cam_on_image's blend with
 * image_weight = 1 − opacity.
 */
export const OVERLAY_MODES = ['heat', 'uniform'] as const;
export type OverlayMode = (typeof OVERLAY_MODES)[number];

/** The heatmap layer's opacity at a value: the slider's times the heat ('heat'), or the slider's ('uniform'). */
export function overlayAlpha(value: number, opacity: number, mode: OverlayMode): number {
  const o = Math.min(1, Math.max(0, Number.isFinite(opacity) ? opacity : 0));
  if (mode === 'uniform') return o;
  const v = Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0));
  return o * v;
}

/**
 * The heatmap layer as RGBA bytes (a canvas's ImageData): colormap colours, alpha from the heat ('heat') or opaque
 * ('uniform'); the view then sets the layer's opacity to the slider, so each pixel ends at overlayAlpha().
 */
export function heatmapRgba(values: ArrayLike<number>, colormap: ColormapName, mode: OverlayMode): Uint8ClampedArray {
  const rgb = applyColormap(values, colormap);
  const out = new Uint8ClampedArray(values.length * 4);
  for (let p = 0; p < values.length; p++) {
    out[p * 4] = rgb[p * 3];
    out[p * 4 + 1] = rgb[p * 3 + 1];
    out[p * 4 + 2] = rgb[p * 3 + 2];
    out[p * 4 + 3] = Math.round(255 * overlayAlpha(values[p], 1, mode));
  }
  return out;
}

/** One pixel of the overlay as the view composes it: (1 − a)·image + a·colour, a = overlayAlpha(). */
export function overlayPixel(image: readonly [number, number, number], value: number, o: { colormap: ColormapName; opacity: number; mode: OverlayMode }): [number, number, number] {
  const a = overlayAlpha(value, o.opacity, o.mode);
  const c = colormapColor(o.colormap, value);
  return [0, 1, 2].map((k) => Math.round((1 - a) * image[k] + a * c[k])) as [number, number, number];
}

/**
 * Where the peak of class `classIndex`'s map lies on a scale: 1 per-map (each map reaches its own top); on a shared
 * scale its own top relative to the strongest class's. Undefined when the scale does not say the class's range.
 */
export function peakOnScale(scale: CamScale, classIndex: number): number | undefined {
  if (scale.mode === 'per-map') return 1;
  const own = scale.classes?.[classIndex];
  return own ? scaleCam([own.max], scale)[0] : undefined;
}
