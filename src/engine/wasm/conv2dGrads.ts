import * as tf from '@tensorflow/tfjs';
import { backpropFilterWindow, backpropInputWindow, convGeometry, spreadByStride } from './convGeometry';
import { flipFilter } from './flipFilter';
import { KernelArgs, assertChannelsLast, withScratch } from './wasmOps';

/**
 * dW[kh,kw,ci,co] = sum over b,oh,ow of x[b, oh*s+kh-pt, ow*s+kw-pl, ci] * dy[b,oh,ow,co].
 * That is one convolution with channels and batch swapped: input x^T [Ci,H,W,B], "filter" dy^T [OH,OW,B,Co]
 * applied with dilation = stride, giving [Ci,KH,KW,Co].
 */
export function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  assertChannelsLast('Conv2DBackpropFilter', dataFormat);
  const g = convGeometry(tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast'));
  const win = backpropFilterWindow(g);
  return withScratch(backend, (s) => {
    const xT = s.transpose(x, [3, 1, 2, 0]);
    const dyT = s.transpose(dy, [1, 2, 0, 3]);
    let dw = s.run('Conv2D', { x: xT, filter: dyT }, {
      strides: [1, 1], dilations: [g.sH, g.sW], pad: win.pad, dataFormat: 'NHWC',
    });
    if (win.outH !== g.kH || win.outW !== g.kW) dw = s.slice(dw, [0, 0, 0, 0], [g.inC, g.kH, g.kW, g.outC]);
    return s.transpose(dw, [1, 2, 0, 3]);
  });
}

/**
 * Below this many dy pixels (batch x OH x OW) XNNPACK's per-call packing of the flipped filter costs more than
 * the stock direct loop's whole computation (e.g. 3x3x512x512 at 2x2, batch 4: 28 ms vs 10 ms). Tests set it
 * to 0 to exercise the convolution path on tiny shapes.
 */
export const backpropInputTuning = { minDyPixelsForConvPath: 64 };

let stockBackpropInput: tf.KernelFunc | undefined;

/** The stock kernel, kept for tiny spatial sizes where it is faster; undefined turns the fallback off. */
export function setStockConv2DBackpropInput(kernelFunc: tf.KernelFunc | undefined): void {
  stockBackpropInput = kernelFunc;
}

/** NCHW (which the convolution path does not handle) and tiny NHWC problems go to the stock loop. */
function preferStock(attrs: tf.Conv2DBackpropInputAttrs, dy: tf.TensorInfo): boolean {
  if (attrs.dataFormat === 'NCHW') return true;
  const [b, oh, ow] = dy.shape;
  return b * oh * ow < backpropInputTuning.minDyPixelsForConvPath;
}

/**
 * dx is dy spread by the stride (zeros between), convolved at stride 1 with the filter flipped in space and
 * with in/out channels swapped: the transposed convolution as a plain XNNPACK convolution.
 */
export function conv2DBackpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  if (stockBackpropInput && preferStock(attrs as unknown as tf.Conv2DBackpropInputAttrs, inputs.dy)) {
    return stockBackpropInput({ inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const { dy, filter } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  assertChannelsLast('Conv2DBackpropInput', dataFormat);
  const g = convGeometry(tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast'));
  const win = backpropInputWindow(g);
  return withScratch(backend, (s) => {
    const spread = spreadByStride(s, dy, g.sH, g.sW);
    const flipped = s.track(flipFilter(backend, filter, true));
    const dx = s.run('Conv2D', { x: spread, filter: flipped }, {
      strides: [1, 1], dilations: [1, 1], pad: win.pad, dataFormat: 'NHWC',
    });
    return win.needsCrop ? s.slice(dx, [0, win.cropTop, win.cropLeft, 0], inputShape) : dx;
  });
}
