import * as tf from '@tensorflow/tfjs';
import { backpropFilterWindow, backpropInputWindow, convGeometry, spreadByStride } from './convGeometry';
import { flipFilter } from './flipFilter';
import { KernelArgs, assertNoDilation, withScratch } from './wasmOps';

/**
 * dW[kh,kw,c,m] = sum over b,oh,ow of x[b, oh*s+kh-pt, ow*s+kw-pl, c] * dy[b,oh,ow,c*M+m].
 * Batch is folded into channels (x^T as [1,H,W,B*C], dy^T as a [OH,OW,B*C,M] filter), so one depthwise
 * convolution with dilation = stride gives [1,KH,KW,B*C*M]; summing the B slices gives dW.
 */
export function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs;
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  assertNoDilation('DepthwiseConv2dNativeBackpropFilter', dilations);
  const g = convGeometry(tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, true));
  const [kH, kW, c, m] = filterShape;
  const b = g.batch;
  const win = backpropFilterWindow(g);
  return withScratch(backend, (s) => {
    const xT = s.reshape(s.transpose(x, [1, 2, 0, 3]), [1, g.inH, g.inW, b * c]);
    const dyT = s.reshape(s.transpose(dy, [1, 2, 0, 3]), [g.outH, g.outW, b * c, m]);
    let dw = s.run('DepthwiseConv2dNative', { x: xT, filter: dyT }, {
      strides: [1, 1], dilations: [g.sH, g.sW], pad: win.pad,
    });
    if (win.outH !== kH || win.outW !== kW) dw = s.slice(dw, [0, 0, 0, 0], [1, kH, kW, b * c * m]);
    if (b > 1) dw = s.sum(s.reshape(dw, [kH, kW, b, c * m]), 2);
    return s.reshape(dw, filterShape);
  });
}

/**
 * dx is dy spread by the stride, depthwise-convolved at stride 1 with the spatially flipped filter taken as
 * C*M channels of multiplier 1; with a channel multiplier M > 1 the M contributions of each input channel
 * are then summed.
 */
export function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, filter } = inputs;
  const { strides, dilations, pad, dimRoundingMode, inputShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  assertNoDilation('DepthwiseConv2dNativeBackpropInput', dilations);
  const [kH, kW, c, m] = filter.shape;
  const g = convGeometry(tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, true));
  const win = backpropInputWindow(g);
  return withScratch(backend, (s) => {
    const spread = spreadByStride(s, dy, g.sH, g.sW);
    const flipped = s.reshape(s.track(flipFilter(backend, filter, false)), [kH, kW, c * m, 1]);
    let dx = s.run('DepthwiseConv2dNative', { x: spread, filter: flipped }, {
      strides: [1, 1], dilations: [1, 1], pad: win.pad,
    });
    const [b, h, w] = inputShape;
    if (win.needsCrop) dx = s.slice(dx, [0, win.cropTop, win.cropLeft, 0], [b, h, w, c * m]);
    return m > 1 ? s.sum(s.reshape(dx, [b, h, w, c, m]), 4) : dx;
  });
}
