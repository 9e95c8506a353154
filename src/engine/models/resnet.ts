import * as tf from '@tensorflow/tfjs';
import type { ModelBuildOptions, ModelSpec } from './spec';
import {
  add, batchNorm, checkBuildOptions, checkVariant, conv, globalAvgPool, imageInput, imagenetStem, linear, relu, type Sym,
} from './blocks';

/**
 * torchvision.models.resnet (v1.5: the stride sits on the 3x3 conv of the bottleneck). Variant 'keras'
 * (resnet50): Keras Applications' ResNet v1, the stride on the first 1x1 conv.
 */

type BlockFn = (x: Sym, name: string, planes: number, strides: number) => Sym;

/** Projection shortcut `downsample.0` (1x1 conv) + `downsample.1` (BN), when shape changes. */
function shortcut(x: Sym, name: string, outChannels: number, strides: number): Sym {
  const inChannels = x.shape[3];
  if (strides === 1 && inChannels === outChannels) return x;
  const y = conv(x, `${name}.downsample.0`, { filters: outChannels, kernelSize: 1, strides });
  return batchNorm(y, `${name}.downsample.1`);
}

export const basicBlock: BlockFn = (x, name, planes, strides) => {
  let y = conv(x, `${name}.conv1`, { filters: planes, kernelSize: 3, strides, padding: 1 });
  y = relu(batchNorm(y, `${name}.bn1`), `${name}.relu1`);
  y = conv(y, `${name}.conv2`, { filters: planes, kernelSize: 3, padding: 1 });
  y = batchNorm(y, `${name}.bn2`);
  y = add([y, shortcut(x, name, planes, strides)], `${name}.add`);
  return relu(y, `${name}.relu2`);
};

function bottleneckWithStrideOn(strided: 'conv1' | 'conv2'): BlockFn {
  return (x, name, planes, strides) => {
    let y = conv(x, `${name}.conv1`, { filters: planes, kernelSize: 1, strides: strided === 'conv1' ? strides : 1 });
    y = relu(batchNorm(y, `${name}.bn1`), `${name}.relu1`);
    y = conv(y, `${name}.conv2`, { filters: planes, kernelSize: 3, strides: strided === 'conv2' ? strides : 1, padding: 1 });
    y = relu(batchNorm(y, `${name}.bn2`), `${name}.relu2`);
    y = conv(y, `${name}.conv3`, { filters: planes * 4, kernelSize: 1 });
    y = batchNorm(y, `${name}.bn3`);
    y = add([y, shortcut(x, name, planes * 4, strides)], `${name}.add`);
    return relu(y, `${name}.relu3`);
  };
}

export const bottleneck = bottleneckWithStrideOn('conv2');
/** ResNet v1 (Keras Applications ResNet50). */
export const bottleneckV1 = bottleneckWithStrideOn('conv1');

function buildResNet(arch: string, block: BlockFn, layers: number[], opts: ModelBuildOptions): tf.LayersModel {
  checkBuildOptions(arch, opts.numClasses, opts.imageSize);
  const input = imageInput(opts.imageSize);
  let x = imagenetStem(input, { conv: 'conv1', norm: 'bn1', relu: 'relu', pool: 'maxpool' });
  layers.forEach((blocks, stage) => {
    const planes = 64 * 2 ** stage;
    for (let i = 0; i < blocks; i++) {
      x = block(x, `layer${stage + 1}.${i}`, planes, i === 0 && stage > 0 ? 2 : 1);
    }
  });
  x = globalAvgPool(x, 'avgpool');
  const logits = linear(x, 'fc', opts.numClasses);
  return tf.model({ inputs: input, outputs: logits, name: arch });
}

/** Output of the last residual block (pytorch-grad-cam's `model.layer4[-1]`). */
function lastBlockOutput(layers: number[], lastRelu: string): string {
  return `layer4.${layers[3] - 1}.${lastRelu}`;
}

const R18 = [2, 2, 2, 2];
const R50 = [3, 4, 6, 3];

/** Keras Applications ResNet layer names → ours. */
export function resNetKerasName(keras: string): string | undefined {
  const fixed: Record<string, string> = { conv1_conv: 'conv1', conv1_bn: 'bn1', predictions: 'fc' };
  if (fixed[keras]) return fixed[keras];
  const m = /^conv([2-5])_block(\d+)_([0-3])_(conv|bn)$/.exec(keras);
  if (!m) return undefined;
  const block = `layer${Number(m[1]) - 1}.${Number(m[2]) - 1}`;
  if (m[3] === '0') return `${block}.downsample.${m[4] === 'conv' ? 0 : 1}`;
  return `${block}.${m[4]}${m[3]}`;
}

export const resnet18: ModelSpec = {
  name: 'resnet18',
  description: 'ResNet-18 (torchvision), 11.7M parameters',
  normalization: 'imagenet',
  defaultCamLayer: lastBlockOutput(R18, 'relu2'),
  headLayers: ['fc'],
  build: (opts) => {
    checkVariant('resnet18', opts.variant);
    return buildResNet('resnet18', basicBlock, R18, opts);
  },
  torchvision: { file: 'resnet18-f37072fd.pth' },
  // wasm: ran batch 8 at 224 px in the 4 GB heap (measured, see engine-notes)
  memory: { wasmImagesAt224: 8, nativeGbPerImageAt224: 0.1 },
};

export const resnet50: ModelSpec = {
  name: 'resnet50',
  description: 'ResNet-50 (torchvision), 25.6M parameters',
  normalization: 'imagenet',
  defaultCamLayer: lastBlockOutput(R50, 'relu3'),
  headLayers: ['fc'],
  build: (opts) => {
    checkVariant('resnet50', opts.variant, ['keras']);
    return buildResNet('resnet50', opts.variant === 'keras' ? bottleneckV1 : bottleneck, R50, opts);
  },
  torchvision: { file: 'resnet50-0676ba61.pth' },
  keras: {
    dir: 'resnet',
    file: (includeTop) => includeTop
      ? { name: 'resnet50_weights_tf_dim_ordering_tf_kernels.h5', md5: '2cb95161c43110f7111970584f804107' }
      : { name: 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5', md5: '4d473c1dd8becc155b73f8504c6f6626' },
    normalization: 'caffe',
    epsilon: 1.001e-5,
    // ResNet v1: the stride on the first 1x1 conv; its convs' biases fold into the BatchNorm after them
    variant: 'keras',
    kerasName: resNetKerasName,
  },
  memory: { wasmImagesAt224: 2, nativeGbPerImageAt224: 0.45 },
};
