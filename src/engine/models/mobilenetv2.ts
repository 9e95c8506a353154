import * as tf from '@tensorflow/tfjs';
import type { ModelBuildOptions, ModelSpec, ShapeOf } from './spec';
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
  y = batchNorm(y, `${name}.conv.${i}`);
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

/** torchvision widths tried on a state dict (torchvision ships 1.0). */
const TORCH_WIDTHS = [1, 0.35, 0.5, 0.75, 1.3, 1.4, 0.25, 0.1];

/** The width multiplier whose channel counts match the stem and the last block of a torchvision state dict. */
export function torchvisionWidth(shapeOf: ShapeOf): number {
  const stem = shapeOf('features.0.0.weight')?.[0];
  const last = shapeOf('features.17.conv.2.weight')?.[0];
  const w = TORCH_WIDTHS.find((m) => makeDivisible(32 * m) === stem && makeDivisible(320 * m) === last);
  if (w === undefined) {
    throw new Error(`cannot tell the MobileNetV2 width multiplier (stem ${stem}, last block ${last} channels); pass it explicitly.`);
  }
  return w;
}

/** Keras Applications' MobileNetV2 alphas; the stem and the last block's width tell them apart. */
const KERAS_ALPHAS = [1, 0.35, 0.5, 0.75, 1.3, 1.4];

/** The Keras alpha of MobileNetV2 weights, from the filters of Conv1 and block_16_project (HWIO kernels). */
export function kerasAlpha(shapeOf: ShapeOf): number {
  const stem = shapeOf('Conv1')?.[3];
  const last = shapeOf('block_16_project')?.[3];
  const alpha = KERAS_ALPHAS.find((a) => makeDivisible(32 * a) === stem && makeDivisible(Math.floor(320 * a)) === last);
  if (alpha === undefined) {
    throw new Error(`cannot tell the MobileNetV2 alpha (Conv1 has ${stem} filters, block_16_project ${last}); pass the width multiplier.`);
  }
  return alpha;
}

/** Keras Applications MobileNetV2 layer names → ours. */
export function mobileNetV2KerasName(keras: string): string | undefined {
  const fixed: Record<string, string> = {
    Conv1: 'features.0.0', bn_Conv1: 'features.0.1', Conv_1: 'features.18.0', Conv_1_bn: 'features.18.1',
    predictions: 'classifier.1',
    expanded_conv_depthwise: 'features.1.conv.0.0', expanded_conv_depthwise_BN: 'features.1.conv.0.1',
    expanded_conv_project: 'features.1.conv.1', expanded_conv_project_BN: 'features.1.conv.2',
  };
  if (fixed[keras]) return fixed[keras];
  const parts: Record<string, string> = {
    expand: '0.0', expand_BN: '0.1', depthwise: '1.0', depthwise_BN: '1.1', project: '2', project_BN: '3',
  };
  const m = /^block_(\d+)_(expand|expand_BN|depthwise|depthwise_BN|project|project_BN)$/.exec(keras);
  return m && Number(m[1]) >= 1 ? `features.${Number(m[1]) + 1}.conv.${parts[m[2]]}` : undefined;
}

/** Keras MobileNetV2 widths we offer; keras names the files with Python's float(alpha) ("1.0", "0.35"). */
const KERAS_FILE_ALPHAS: Record<number, string> = { 1: '1.0', 0.35: '0.35' };

function kerasFile(includeTop: boolean, alpha?: number): { name: string } {
  const a = KERAS_FILE_ALPHAS[alpha ?? 1];
  if (!a) throw new Error(`No Keras ImageNet weights for mobilenetv2 alpha ${alpha}: choose alpha 1.0 or 0.35.`);
  // keras/src/applications/mobilenet_v2.py passes no file_hash for these files.
  return { name: `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${a}_224${includeTop ? '' : '_no_top'}.h5` };
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
  torchvision: { file: 'mobilenet_v2-b0353104.pth', width: torchvisionWidth },
  keras: {
    dir: 'mobilenet_v2',
    file: kerasFile,
    normalization: 'minus1to1',
    epsilon: 1e-3,
    // TensorFlow 'same' padding on stride-2 convs, Keras channel rounding
    variant: 'keras',
    kerasName: mobileNetV2KerasName,
    width: kerasAlpha,
  },
  // wasm: runs out of the 4 GB heap above 4 images at 224 px (measured, see engine-notes)
  memory: { wasmImagesAt224: 4, nativeGbPerImageAt224: 0.25 },
};
