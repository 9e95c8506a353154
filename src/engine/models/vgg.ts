import * as tf from '@tensorflow/tfjs';
import type { ModelBuildOptions, ModelSpec } from './spec';
import {
  apply, checkBuildOptions, checkVariant, conv, dropout, imageInput, linear, maxPool, relu, spatial, type Sym,
} from './blocks';

/** torchvision.models.vgg16 (configuration 'D', no batch norm). */

const CFG_D: (number | 'M')[] = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];
const POOLED = 7;

/** `features.i` indices follow torchvision's nn.Sequential: conv, ReLU, ..., MaxPool. */
function features(x: Sym, cfg: (number | 'M')[]): Sym {
  let i = 0;
  for (const v of cfg) {
    if (v === 'M') {
      x = maxPool(x, `features.${i++}`, { poolSize: 2, strides: 2 });
    } else {
      x = conv(x, `features.${i++}`, { filters: v, kernelSize: 3, padding: 1, useBias: true });
      x = relu(x, `features.${i++}`);
    }
  }
  return x;
}

/** Side of the last feature map: five 2x2 stride-2 max pools (floor). */
function featureSize(imageSize: number): number {
  let s = imageSize;
  for (let i = 0; i < 5; i++) s = Math.floor(s / 2);
  return s;
}

/**
 * AdaptiveAvgPool2d((7, 7)) for the sizes where it is a plain layer: a map of 7k averages k x k
 * blocks; a 1x1 map is copied to every output cell (the only divisor of 7 below it).
 */
function adaptiveAvgPool7(x: Sym, name: string): Sym {
  const [h] = spatial(x);
  const k = h / POOLED;
  return h % POOLED === 0
    ? apply(tf.layers.averagePooling2d({ name, poolSize: k, strides: k, padding: 'valid' }), x)
    : apply(tf.layers.upSampling2d({ name, size: [POOLED / h, POOLED / h] }), x);
}

function checkPoolable(imageSize: number): void {
  const s = featureSize(imageSize);
  if (s % POOLED === 0 || POOLED % s === 0) return;
  throw new Error(
    `vgg16: image size ${imageSize} gives a ${s}x${s} feature map; AdaptiveAvgPool2d(7) is only supported ` +
    `when it is 1x1 or a multiple of 7x7 (image sizes 32-63, or 224k to 224k+31: 224-255, 448-479, ...).`);
}

function buildVgg16(opts: ModelBuildOptions): tf.LayersModel {
  checkBuildOptions('vgg16', opts.numClasses, opts.imageSize);
  checkVariant('vgg16', opts.variant);
  checkPoolable(opts.imageSize); // before allocating 138M parameters
  const input = imageInput(opts.imageSize);
  let x = features(input, CFG_D);
  x = adaptiveAvgPool7(x, 'avgpool');
  // tfjs flattens H,W,C where torch flattens C,H,W: a .pth loader must permute classifier.0's rows.
  x = apply(tf.layers.flatten({ name: 'flatten' }), x);
  x = relu(linear(x, 'classifier.0', 4096), 'classifier.1');
  x = dropout(x, 'classifier.2', 0.5);
  x = relu(linear(x, 'classifier.3', 4096), 'classifier.4');
  x = dropout(x, 'classifier.5', 0.5);
  const logits = linear(x, 'classifier.6', opts.numClasses);
  return tf.model({ inputs: input, outputs: logits, name: 'vgg16' });
}

/** Keras block1_conv1 → features.0 ...: torchvision's Sequential index (conv, ReLU pairs, a pool after each block). */
const VGG_KERAS_NAMES: Record<string, string> = (() => {
  const names: Record<string, string> = { fc1: 'classifier.0', fc2: 'classifier.3', predictions: 'classifier.6' };
  let index = 0;
  [2, 2, 3, 3, 3].forEach((convs, b) => {
    for (let c = 1; c <= convs; c++, index += 2) names[`block${b + 1}_conv${c}`] = `features.${index}`;
    index += 1;
  });
  return names;
})();

export const vgg16: ModelSpec = {
  name: 'vgg16',
  description: 'VGG-16 (torchvision), 138M parameters',
  normalization: 'imagenet',
  // the last conv feature map (after its ReLU), as in the Grad-CAM paper; features.30 only pools it
  defaultCamLayer: 'features.29',
  headLayers: ['classifier.6'],
  build: buildVgg16,
  torchvision: { file: 'vgg16-397923af.pth' },
  keras: {
    dir: 'vgg16',
    file: (includeTop) => includeTop
      ? { name: 'vgg16_weights_tf_dim_ordering_tf_kernels.h5', md5: '64373286793e3c8b2b4e3219cbf3544b' }
      : { name: 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5', md5: '6d6bbae143d832006294945121d1f1fc' },
    normalization: 'caffe',
    epsilon: 1e-3, // unused: no BatchNorm
    kerasName: (keras) => VGG_KERAS_NAMES[keras],
    checkFile: (has) => has('fc1') ? undefined
      : "lacks VGG16's fc1/fc2 (a notop file); our vgg16 keeps them: use the file with top (its 1000-class layer can still be replaced).",
  },
  // wasm: 2 images per pass, though with Adam VGG16 does not fit the 4 GB heap at all (README)
  memory: { wasmImagesAt224: 2, nativeGbPerImageAt224: 0.6 },
};
