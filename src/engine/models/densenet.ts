import * as tf from '@tensorflow/tfjs';
import type { ModelBuildOptions, ModelSpec } from './spec';
import {
  apply, batchNorm, checkBuildOptions, checkVariant, concat, conv, globalAvgPool, imageInput, imagenetStem, linear, relu, type Sym,
} from './blocks';

/** torchvision.models.densenet (memory-efficient off, drop_rate 0). */

const GROWTH_RATE = 32;
const BN_SIZE = 4;

/** BN-ReLU-Conv1x1-BN-ReLU-Conv3x3, its output concatenated to its input (torch cats all previous maps). */
function denseLayer(x: Sym, name: string): Sym {
  let y = relu(batchNorm(x, `${name}.norm1`), `${name}.relu1`);
  y = conv(y, `${name}.conv1`, { filters: BN_SIZE * GROWTH_RATE, kernelSize: 1 });
  y = relu(batchNorm(y, `${name}.norm2`), `${name}.relu2`);
  y = conv(y, `${name}.conv2`, { filters: GROWTH_RATE, kernelSize: 3, padding: 1 });
  return concat([x, y], `${name}.concat`);
}

function denseBlock(x: Sym, name: string, numLayers: number): Sym {
  for (let i = 1; i <= numLayers; i++) x = denseLayer(x, `${name}.denselayer${i}`);
  return x;
}

/** BN-ReLU-Conv1x1 halving the channels, then AvgPool 2x2 stride 2. */
function transition(x: Sym, name: string): Sym {
  const channels = x.shape[3] as number;
  let y = relu(batchNorm(x, `${name}.norm`), `${name}.relu`);
  y = conv(y, `${name}.conv`, { filters: Math.floor(channels / 2), kernelSize: 1 });
  return apply(tf.layers.averagePooling2d({ name: `${name}.pool`, poolSize: 2, strides: 2, padding: 'valid' }), y);
}

function buildDenseNet(arch: string, blockConfig: number[], opts: ModelBuildOptions): tf.LayersModel {
  checkBuildOptions(arch, opts.numClasses, opts.imageSize);
  checkVariant(arch, opts.variant);
  const input = imageInput(opts.imageSize);
  let x = imagenetStem(input, { conv: 'features.conv0', norm: 'features.norm0', relu: 'features.relu0', pool: 'features.pool0' });
  blockConfig.forEach((numLayers, i) => {
    x = denseBlock(x, `features.denseblock${i + 1}`, numLayers);
    if (i < blockConfig.length - 1) x = transition(x, `features.transition${i + 1}`);
  });
  x = batchNorm(x, 'features.norm5');
  // torchvision applies F.relu and adaptive_avg_pool2d functionally in forward()
  x = relu(x, 'features.relu5');
  x = globalAvgPool(x, 'avgpool');
  const logits = linear(x, 'classifier', opts.numClasses);
  return tf.model({ inputs: input, outputs: logits, name: arch });
}

/** Keras 2 files name DenseNet's stem `conv1/conv`, `conv1/bn`; Keras 3 `conv1_conv`, `conv1_bn`. */
const flat = (name: string) => name.replace(/\//g, '_');

/** Keras Applications DenseNet layer names → ours. */
export function denseNetKerasName(keras: string): string | undefined {
  const n = flat(keras);
  const fixed: Record<string, string> = {
    conv1_conv: 'features.conv0', conv1_bn: 'features.norm0', bn: 'features.norm5', predictions: 'classifier',
  };
  if (fixed[n]) return fixed[n];
  const parts: Record<string, string> = { '0_bn': 'norm1', '1_conv': 'conv1', '1_bn': 'norm2', '2_conv': 'conv2' };
  let m = /^conv([2-5])_block(\d+)_(0_bn|1_conv|1_bn|2_conv)$/.exec(n);
  if (m) return `features.denseblock${Number(m[1]) - 1}.denselayer${m[2]}.${parts[m[3]]}`;
  m = /^pool([2-4])_(bn|conv)$/.exec(n);
  if (m) return `features.transition${Number(m[1]) - 1}.${m[2] === 'bn' ? 'norm' : 'conv'}`;
  return undefined;
}

export const densenet121: ModelSpec = {
  name: 'densenet121',
  description: 'DenseNet-121 (torchvision), 8.0M parameters',
  normalization: 'imagenet',
  // The rectified final features the classifier sees. pytorch-grad-cam's usual target, features[-1]
  // (norm5), ends up post-ReLU too: torchvision applies F.relu(inplace=True) to that module's output.
  defaultCamLayer: 'features.relu5',
  headLayers: ['classifier'],
  build: (opts) => buildDenseNet('densenet121', [6, 12, 24, 16], opts),
  torchvision: { file: 'densenet121-a639ec97.pth' },
  keras: {
    dir: 'densenet',
    file: (includeTop) => includeTop
      ? { name: 'densenet121_weights_tf_dim_ordering_tf_kernels.h5', md5: '9d60b8095a5708f2dcce2bca79d332c7' }
      : { name: 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5', md5: '30ee3e1110167f948a6b9946edeeb738' },
    normalization: 'imagenet',
    epsilon: 1.001e-5,
    kerasName: denseNetKerasName,
  },
  // wasm: runs out of the 4 GB heap above 2 images at 224 px (measured, see engine-notes)
  memory: { wasmImagesAt224: 2, nativeGbPerImageAt224: 0.47 },
};
