import * as tf from '@tensorflow/tfjs';
import { ExplicitPad, WasmScratch, explicitPad } from './wasmOps';

/** The forward convolution's geometry, read from tfjs's own Conv2DInfo so 'same'/'valid'/explicit agree with it. */
export interface ConvGeometry {
  batch: number;
  inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kH: number; kW: number;
  sH: number; sW: number;
  padTop: number; padLeft: number;
}

export function convGeometry(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inH: info.inHeight, inW: info.inWidth, inC: info.inChannels,
    outH: info.outHeight, outW: info.outWidth, outC: info.outChannels,
    kH: info.filterHeight, kW: info.filterWidth,
    sH: info.strideHeight, sW: info.strideWidth,
    padTop: info.padInfo.top, padLeft: info.padInfo.left,
  };
}

/**
 * dy [B,OH,OW,C] -> [B, OH*sH, OW*sW, C]: dy values at multiples of the stride, zeros between (the "input
 * dilation" a transposed convolution needs; XNNPACK's convolution has none, so it is done with one 6-D pad).
 */
export function spreadByStride(s: WasmScratch, dy: tf.TensorInfo, sH: number, sW: number): tf.TensorInfo {
  if (sH === 1 && sW === 1) return dy;
  const [b, oh, ow, c] = dy.shape;
  const r = s.reshape(dy, [b, oh, 1, ow, 1, c]);
  const padded = s.run('PadV2', { x: r }, {
    paddings: [[0, 0], [0, 0], [0, sH - 1], [0, 0], [0, sW - 1], [0, 0]], constantValue: 0,
  });
  return s.reshape(padded, [b, oh * sH, ow * sW, c]);
}

/** Padding of the stride-spread dy for the stride-1 convolution with the flipped filter that yields dx. */
export interface BackpropInputWindow {
  pad: ExplicitPad;
  /** Rows/columns to drop from the convolution output when a side needed negative padding (rare explicit pads). */
  cropTop: number; cropLeft: number;
  needsCrop: boolean;
}

export function backpropInputWindow(g: ConvGeometry): BackpropInputWindow {
  const axis = (k: number, padBefore: number, inSize: number, spreadLen: number) => {
    const before = k - 1 - padBefore;
    const after = inSize + padBefore - spreadLen;
    return { before: Math.max(0, before), after: Math.max(0, after), crop: Math.max(0, -before), extra: Math.max(0, -after) };
  };
  const h = axis(g.kH, g.padTop, g.inH, g.outH * g.sH);
  const w = axis(g.kW, g.padLeft, g.inW, g.outW * g.sW);
  return {
    pad: explicitPad(h.before, h.after, w.before, w.after),
    cropTop: h.crop, cropLeft: w.crop,
    needsCrop: h.crop + h.extra + w.crop + w.extra > 0,
  };
}

/**
 * Padding for the filter-gradient convolution, where dy is the "filter" applied with dilation = stride.
 * Its output must cover kH x kW; it can be larger when trailing input rows were never read (then cropped).
 */
export function backpropFilterWindow(g: ConvGeometry): { pad: ExplicitPad; outH: number; outW: number } {
  const after = (k: number, padBefore: number, inSize: number, outSize: number, stride: number) =>
    Math.max(0, k + (outSize - 1) * stride - padBefore - inSize);
  const padBottom = after(g.kH, g.padTop, g.inH, g.outH, g.sH);
  const padRight = after(g.kW, g.padLeft, g.inW, g.outW, g.sW);
  return {
    pad: explicitPad(g.padTop, padBottom, g.padLeft, padRight),
    outH: g.padTop + g.inH + padBottom - (g.outH - 1) * g.sH,
    outW: g.padLeft + g.inW + padRight - (g.outW - 1) * g.sW,
  };
}
