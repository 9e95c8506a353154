import * as tf from '@tensorflow/tfjs';
import type { ModelBuildOptions, ModelSpec } from './registry';
import {
  add, batchNorm, checkBuildOptions, checkVariant, conv, depthwiseConv, dropout, globalAvgPool, imageInput, linear, relu6, type Sym,
} from './blocks';

/**
 * torchvision.models.mobilenet_v2. Variant 'keras' (Keras Applications MobileNetV2, same layers): stride-2
 * convs padded TensorFlow's way ('same': bottom/right on even sizes, where torch pads all sides), and block
 * widths rounded from int(c * alpha) as Keras does.
 */

type Padding = 'torch' | 'same';

/** torchvision's _make_divisible: round to a multiple of 8, never more than 10% below v. */
export function makeDivisible(v: number, divisor = 8): number {
  let newV = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (newV < 0.9 * v) newV += divisor;
  return newV;
}

/** Conv2dNormActivation: `name.0` conv, `name.1` BN, `name.2` ReLU6. */
function convBnRelu6(x: Sym, name: string, filters: number, kernelSize: number, strides: number, padding: Padding = 'torch'): Sym {
  const y = conv(x, `${name}.0`, { filters, kernelSize, strides, padding: padding === 'same' ? 'same' : (kernelSize - 1) / 2 });
  return relu6(batchNorm(y, `${name}.1`), `${name}.2`);
}

function dwBnRelu6(x: Sym, name: string, strides: number, padding: Padding): Sym {
  const y = depthwiseConv(x, `${name}.0`, strides, padding);
  return relu6(batchNorm(y, `${name}.1`), `${name}.2`);
}

/** InvertedResidual: [1x1 expand] -> 3x3 depthwise -> 1x1 linear projection, residual when shapes match. */
function invertedResidual(
  x: Sym, name: string, outChannels: number, strides: number, expandRatio: number, padding: Padding,
): Sym {
  const inChannels = x.shape[3] as number;
  const hidden = Math.round(inChannels * expandRatio);
  let i = 0;
  let y = x;
  if (expandRatio !== 1) y = convBnRelu6(y, `${name}.conv.${i++}`, hidden, 1, 1);
  y = dwBnRelu6(y, `${name}.conv.${i++}`, strides, padding);
  y = conv(y, `${name}.conv.${i++}`, { filters: outChannels, kernelSize: 1 });
  y = batchNorm(y, `${name}.conv.${i++}`);
  return strides === 1 && inChannels === outChannels ? add([x, y], `${name}.add`) : y;
}

// t (expansion), c (channels), n (repeats), s (first stride)
const SETTINGS: [number, number, number, number][] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

function buildMobileNetV2(opts: ModelBuildOptions): tf.LayersModel {
  checkBuildOptions('mobilenetv2', opts.numClasses, opts.imageSize);
  checkVariant('mobilenetv2', opts.variant, ['keras']);
  const keras = opts.variant === 'keras';
  const padding: Padding = keras ? 'same' : 'torch';
  const w = opts.widthMultiplier ?? 1;
  if (!(w > 0)) throw new Error(`mobilenetv2: widthMultiplier must be > 0, got ${w}.`);
  const input = imageInput(opts.imageSize);
  let x = convBnRelu6(input, 'features.0', makeDivisible(32 * w), 3, 2, padding);
  let index = 1;
  for (const [t, c, n, s] of SETTINGS) {
    // Keras: _make_divisible(int(filters * alpha), 8); torchvision rounds c * width_mult unfloored
    const out = makeDivisible(keras ? Math.floor(c * w) : c * w);
    for (let i = 0; i < n; i++) x = invertedResidual(x, `features.${index++}`, out, i === 0 ? s : 1, t, padding);
  }
  x = convBnRelu6(x, `features.${index}`, makeDivisible(1280 * Math.max(1, w)), 1, 1);
  x = globalAvgPool(x, 'avgpool');
  x = dropout(x, 'classifier.0', 0.2);
  const logits = linear(x, 'classifier.1', opts.numClasses,
    tf.initializers.randomNormal({ mean: 0, stddev: 0.01 }));
  return tf.model({ inputs: input, outputs: logits, name: 'mobilenetv2' });
}

export const mobilenetv2: ModelSpec = {
  name: 'mobilenetv2',
  description: 'MobileNetV2 (torchvision structure; widthMultiplier like Keras alpha), 3.5M parameters at 1.0',
  // the only pretrained MobileNetV2 weights reachable here are Keras', which expect [-1, 1]
  normalization: 'minus1to1',
  // pytorch-grad-cam's model.features[-1]: the last Conv2dNormActivation's output
  defaultCamLayer: 'features.18.2',
  headLayers: ['classifier.1'],
  build: buildMobileNetV2,
};
