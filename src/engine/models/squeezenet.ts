import * as tf from '@tensorflow/tfjs';
import type { ModelBuildOptions, ModelSpec } from './spec';
import {
  checkBuildOptions, checkVariant, concat, conv, dropout, globalAvgPool, imageInput, maxPool, relu, type Sym,
} from './blocks';

/** torchvision.models.squeezenet1_1. */

/** Fire module: 1x1 squeeze, then 1x1 and 3x3 expands concatenated along channels. */
function fire(x: Sym, name: string, squeeze: number, expand1x1: number, expand3x3: number): Sym {
  const s = relu(conv(x, `${name}.squeeze`, { filters: squeeze, kernelSize: 1, useBias: true }),
    `${name}.squeeze_activation`);
  const e1 = relu(conv(s, `${name}.expand1x1`, { filters: expand1x1, kernelSize: 1, useBias: true }),
    `${name}.expand1x1_activation`);
  const e3 = relu(conv(s, `${name}.expand3x3`, { filters: expand3x3, kernelSize: 3, padding: 1, useBias: true }),
    `${name}.expand3x3_activation`);
  return concat([e1, e3], `${name}.concat`);
}

/** MaxPool2d(3, 2, ceil_mode=True), always after a ReLU or Fire (non-negative input). */
function pool(x: Sym, name: string): Sym {
  return maxPool(x, name, { poolSize: 3, strides: 2, ceilMode: true });
}

function buildSqueezeNet11(opts: ModelBuildOptions): tf.LayersModel {
  checkBuildOptions('squeezenet1_1', opts.numClasses, opts.imageSize);
  checkVariant('squeezenet1_1', opts.variant);
  const input = imageInput(opts.imageSize);
  let x = conv(input, 'features.0', { filters: 64, kernelSize: 3, strides: 2, useBias: true });
  x = relu(x, 'features.1');
  x = pool(x, 'features.2');
  x = fire(x, 'features.3', 16, 64, 64);
  x = fire(x, 'features.4', 16, 64, 64);
  x = pool(x, 'features.5');
  x = fire(x, 'features.6', 32, 128, 128);
  x = fire(x, 'features.7', 32, 128, 128);
  x = pool(x, 'features.8');
  x = fire(x, 'features.9', 48, 192, 192);
  x = fire(x, 'features.10', 48, 192, 192);
  x = fire(x, 'features.11', 64, 256, 256);
  x = fire(x, 'features.12', 64, 256, 256);
  // The head is convolutional: class maps, ReLU, then the average (torchvision's classifier.0-3).
  x = dropout(x, 'classifier.0', 0.5);
  x = conv(x, 'classifier.1', {
    filters: opts.numClasses, kernelSize: 1, useBias: true,
    kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.01 }),
  });
  x = relu(x, 'classifier.2');
  const logits = globalAvgPool(x, 'classifier.3');
  return tf.model({ inputs: input, outputs: logits, name: 'squeezenet1_1' });
}

export const squeezenet1_1: ModelSpec = {
  name: 'squeezenet1_1',
  description: 'SqueezeNet 1.1 (torchvision), 1.2M parameters',
  normalization: 'imagenet',
  defaultCamLayer: 'features.12.concat',
  headLayers: ['classifier.1'],
  build: buildSqueezeNet11,
  torchvision: { file: 'squeezenet1_1-b8a52dc0.pth' },
  memory: { wasmImagesAt224: 8, nativeGbPerImageAt224: 0.15 },
};
