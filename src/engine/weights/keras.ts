import * as tf from '@tensorflow/tfjs';
import type { Normalization } from '../dataset/preprocess';
import { makeDivisible } from '../models/mobilenetv2';
import { getModelSpec } from '../models/registry';
import { assignWeights, type RawTensor, type WeightPlan } from './assign';
import { readKerasH5, type KerasTensor, type KerasWeights } from './h5';

/**
 * Keras Applications .h5 weights → our architectures (torchvision layer names). Layouts need no change:
 * Keras conv kernels are HWIO, depthwise kernels [kh, kw, C, 1] and dense kernels [in, out], as in tfjs,
 * and Keras VGG16 flattens H, W, C like tfjs. What does change, exactly:
 * - BatchNorm epsilon: Keras uses 1.001e-5 (DenseNet, ResNet) or 1e-3 (MobileNetV2), ours torch's 1e-5;
 *   moving_variance + eps_keras - eps_ours gives the same var + eps.
 * - ResNet50's convs have biases, each followed by a BatchNorm: BN(x + b) with moving_mean - b is BN(x).
 * - ResNet50 (v1 stride placement) and MobileNetV2 (TensorFlow 'same' padding) are built as variant 'keras'.
 */

export interface KerasLoadOptions {
  imageSize: number;
  /** Load the file's 1000-class `predictions` layer; otherwise `numClasses` outputs with an initialised head. */
  includeTop: boolean;
  numClasses?: number;
  widthMultiplier?: number;
}

export interface KerasLoadedModel {
  model: tf.LayersModel;
  normalization: Normalization;
  /** Build options beyond classes and size that the weights fixed: rebuild with these to reload. */
  buildOptions: { widthMultiplier?: number; variant?: string };
}

interface KerasArch {
  normalization: Normalization;
  /** BatchNormalization epsilon of the Keras Applications model. */
  epsilon: number;
  variant?: 'keras';
  /** Our layer name for a Keras layer name, undefined when the name is not part of this architecture. */
  ourName(kerasName: string): string | undefined;
}

const TOP = 'predictions';

/** Keras 2 files name DenseNet's stem `conv1/conv`, `conv1/bn`; Keras 3 `conv1_conv`, `conv1_bn`. */
const flat = (name: string) => name.replace(/\//g, '_');

function denseNetName(keras: string): string | undefined {
  const n = flat(keras);
  const fixed: Record<string, string> = {
    conv1_conv: 'features.conv0', conv1_bn: 'features.norm0', bn: 'features.norm5', [TOP]: 'classifier',
  };
  if (fixed[n]) return fixed[n];
  const parts: Record<string, string> = { '0_bn': 'norm1', '1_conv': 'conv1', '1_bn': 'norm2', '2_conv': 'conv2' };
  let m = /^conv([2-5])_block(\d+)_(0_bn|1_conv|1_bn|2_conv)$/.exec(n);
  if (m) return `features.denseblock${Number(m[1]) - 1}.denselayer${m[2]}.${parts[m[3]]}`;
  m = /^pool([2-4])_(bn|conv)$/.exec(n);
  if (m) return `features.transition${Number(m[1]) - 1}.${m[2] === 'bn' ? 'norm' : 'conv'}`;
  return undefined;
}

function resNetName(keras: string): string | undefined {
  const fixed: Record<string, string> = { conv1_conv: 'conv1', conv1_bn: 'bn1', [TOP]: 'fc' };
  if (fixed[keras]) return fixed[keras];
  const m = /^conv([2-5])_block(\d+)_([0-3])_(conv|bn)$/.exec(keras);
  if (!m) return undefined;
  const block = `layer${Number(m[1]) - 1}.${Number(m[2]) - 1}`;
  if (m[3] === '0') return `${block}.downsample.${m[4] === 'conv' ? 0 : 1}`;
  return `${block}.${m[4]}${m[3]}`;
}

/** block1_conv1 → features.0 ...: torchvision's Sequential index (conv, ReLU pairs, a pool after each block). */
const VGG_NAMES: Record<string, string> = (() => {
  const names: Record<string, string> = { fc1: 'classifier.0', fc2: 'classifier.3', [TOP]: 'classifier.6' };
  let index = 0;
  [2, 2, 3, 3, 3].forEach((convs, b) => {
    for (let c = 1; c <= convs; c++, index += 2) names[`block${b + 1}_conv${c}`] = `features.${index}`;
    index += 1;
  });
  return names;
})();

function mobileNetV2Name(keras: string): string | undefined {
  const fixed: Record<string, string> = {
    Conv1: 'features.0.0', bn_Conv1: 'features.0.1', Conv_1: 'features.18.0', Conv_1_bn: 'features.18.1',
    [TOP]: 'classifier.1',
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

const ARCHS: Record<string, KerasArch> = {
  densenet121: { normalization: 'imagenet', epsilon: 1.001e-5, ourName: denseNetName },
  resnet50: { normalization: 'caffe', epsilon: 1.001e-5, variant: 'keras', ourName: resNetName },
  vgg16: { normalization: 'caffe', epsilon: 1e-3 /* unused: no BatchNorm */, ourName: (k) => VGG_NAMES[k] },
  mobilenetv2: { normalization: 'minus1to1', epsilon: 1e-3, variant: 'keras', ourName: mobileNetV2Name },
};

/** Keras weight names by the kind of our layer, in getWeights() order. */
const EXPECTED_WEIGHTS: Record<string, string[]> = {
  Conv2D: ['kernel', 'bias'],
  DepthwiseConv2D: ['depthwise_kernel'], // Keras 3 calls it 'kernel'
  Dense: ['kernel', 'bias'],
  BatchNormalization: ['gamma', 'beta', 'moving_mean', 'moving_variance'],
};

/** `conv1/conv/kernel:0` (Keras 2), `conv1_conv/kernel` (Keras 3) → `kernel`. */
function shortName(t: KerasTensor): string {
  return (t.name.split('/').pop() ?? t.name).replace(/:\d+$/, '');
}

function checkWeightNames(layer: tf.layers.Layer, keras: string, tensors: KerasTensor[]): void {
  const expected = EXPECTED_WEIGHTS[layer.getClassName()];
  if (!expected) throw new Error(`layer '${layer.name}' (${layer.getClassName()}) has no Keras mapping`);
  const got = tensors.map(shortName).map((n) => (n === 'kernel' && expected[0] === 'depthwise_kernel' ? expected[0] : n));
  if (got.length > expected.length || got.some((n, i) => n !== expected[i])) {
    throw new Error(`Keras layer '${keras}' has weights [${got.join(', ')}], expected [${expected.slice(0, Math.max(got.length, 1)).join(', ')}] for ${layer.getClassName()} '${layer.name}'`);
  }
}

/** BN(x + b) == BN'(x) with moving_mean' = moving_mean - b; var' = var + epsKeras - epsOurs keeps var + eps. */
function foldedBatchNorm(tensors: RawTensor[], bias: RawTensor | undefined, epsKeras: number, epsOurs: number): RawTensor[] {
  const [gamma, beta, mean, variance] = tensors;
  const newMean = bias ? mean.values.map((m, i) => m - bias.values[i]) : mean.values;
  const newVar = variance.values.map((v) => v + (epsKeras - epsOurs));
  return [gamma, beta, { shape: mean.shape, values: newMean }, { shape: variance.shape, values: newVar }];
}

/** The layer `layer` feeds, when it feeds exactly one. */
function onlyConsumer(layer: tf.layers.Layer): tf.layers.Layer | undefined {
  const nodes = layer.outboundNodes;
  return nodes.length === 1 ? nodes[0].outboundLayer : undefined;
}

/**
 * The plan for every layer of `model` from Keras weights: unknown Keras layers, a Keras layer whose
 * counterpart the model lacks, or a conv bias with no BatchNorm to fold into are errors here; missing
 * layers and wrong shapes are assignWeights' errors.
 */
export function kerasPlan(model: tf.LayersModel, arch: string, weights: KerasWeights, skipLayers: string[] = []): WeightPlan {
  const spec = ARCHS[arch];
  if (!spec) throw new Error(`No Keras mapping for '${arch}' (known: ${Object.keys(ARCHS).join(', ')}).`);
  const skip = new Set(skipLayers);
  const problems: string[] = [];
  const plan: WeightPlan = new Map();
  const biases = new Map<string, RawTensor>();
  const source = new Map<string, string>();
  for (const [keras, tensors] of weights) {
    const ours = spec.ourName(keras);
    if (ours === undefined) { problems.push(`unknown Keras layer '${keras}'`); continue; }
    if (source.has(ours)) { problems.push(`Keras layers '${source.get(ours)}' and '${keras}' both map to '${ours}'`); continue; }
    source.set(ours, keras);
    if (skip.has(ours)) continue;
    let layer: tf.layers.Layer;
    try { layer = model.getLayer(ours); } catch {
      problems.push(`Keras layer '${keras}' (our '${ours}') is not in this ${arch}`);
      continue;
    }
    checkWeightNames(layer, keras, tensors);
    const foldsBias = layer.getClassName() === 'Conv2D' && tensors.length === 2 && layer.weights.length === 1;
    if (foldsBias) {
      const next = onlyConsumer(layer);
      if (next?.getClassName() !== 'BatchNormalization') {
        problems.push(`Keras layer '${keras}' has a bias and our '${ours}' has none nor a BatchNorm after it to take it`);
        continue;
      }
      biases.set(next.name, tensors[1]);
    }
    plan.set(ours, (foldsBias ? tensors.slice(0, 1) : tensors).map(({ shape, values }) => ({ shape, values })));
  }
  if (problems.length > 0) {
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new Error(`Not Keras ${arch} weights: ${problems.slice(0, 5).join('; ')}${more}.`);
  }
  for (const [name, tensors] of plan) {
    const layer = model.getLayer(name);
    if (layer.getClassName() !== 'BatchNormalization' || tensors.length !== 4) continue;
    const bias = biases.get(name);
    if (bias && bias.values.length !== tensors[2].values.length) {
      throw new Error(`Keras ${arch} weights: the conv bias before '${source.get(name)}' has ${bias.values.length} values, its BatchNorm ${tensors[2].values.length}.`);
    }
    plan.set(name, foldedBatchNorm(tensors, bias, spec.epsilon, layer.getConfig().epsilon as number));
  }
  return plan;
}

/** Keras Applications' MobileNetV2 alphas; the stem and the last block's width tell them apart. */
const ALPHAS = [1, 0.35, 0.5, 0.75, 1.3, 1.4];

export function mobileNetV2Alpha(file: string, weights: KerasWeights): number {
  const stem = weights.get('Conv1')?.[0]?.shape[3];
  const last = weights.get('block_16_project')?.[0]?.shape[3];
  const alpha = ALPHAS.find((a) => makeDivisible(32 * a) === stem && makeDivisible(Math.floor(320 * a)) === last);
  if (alpha === undefined) {
    throw new Error(`${file}: cannot tell the MobileNetV2 alpha (Conv1 has ${stem} filters, block_16_project ${last}); pass the width multiplier.`);
  }
  return alpha;
}

/** Builds `arch` (variant 'keras' where needed) and loads a Keras Applications .h5 into it, all or nothing. */
export async function kerasModelFromH5(file: string, arch: string, opts: KerasLoadOptions): Promise<KerasLoadedModel> {
  if (!ARCHS[arch]) throw new Error(`${file}: Keras weights load into ${Object.keys(ARCHS).join(', ')}; not into ${arch}.`);
  return kerasModelFromWeights(await readKerasH5(file), arch, opts, file);
}

/** kerasModelFromH5 on weights already read; `source` (the file) prefixes errors. */
export function kerasModelFromWeights(weights: KerasWeights, arch: string, opts: KerasLoadOptions, source: string): KerasLoadedModel {
  const spec = getModelSpec(arch);
  const kerasArch = ARCHS[arch];
  if (!kerasArch) throw new Error(`${source}: Keras weights load into ${Object.keys(ARCHS).join(', ')}; not into ${arch}.`);
  const top = weights.get(TOP);
  if (opts.includeTop && !top) throw new Error(`${source} has no '${TOP}' layer to keep (a notop file?): load it without the top.`);
  if (arch === 'vgg16' && !weights.has('fc1')) {
    throw new Error(`${source} lacks VGG16's fc1/fc2 (a notop file); our vgg16 keeps them: use the file with top (its 1000-class layer can still be replaced).`);
  }
  const numClasses = opts.includeTop ? top![0].shape[1] : (opts.numClasses ?? 1000);
  const widthMultiplier = arch === 'mobilenetv2' ? (opts.widthMultiplier ?? mobileNetV2Alpha(source, weights)) : undefined;
  const buildOptions = {
    ...(widthMultiplier !== undefined ? { widthMultiplier } : {}),
    ...(kerasArch.variant ? { variant: kerasArch.variant } : {}),
  };
  const model = spec.build({ numClasses, imageSize: opts.imageSize, ...buildOptions });
  const skipLayers = opts.includeTop ? [] : spec.headLayers;
  try {
    assignWeights(model, kerasPlan(model, arch, weights, skipLayers), { skipLayers });
  } catch (err) {
    model.dispose();
    throw new Error(`${source}: ${(err as Error).message}`);
  }
  return { model, normalization: kerasArch.normalization, buildOptions };
}
