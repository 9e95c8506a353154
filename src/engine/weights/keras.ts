import * as tf from '@tensorflow/tfjs';
import type { Normalization } from '../dataset/preprocess';
import type { KerasWeightsSpec, ModelSpec, ShapeOf } from '../models/spec';
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
 * What is per architecture (layer names, epsilon, variant, normalization, width) is the spec's `keras`.
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

const TOP = 'predictions';

/** `spec.keras`, or an error saying `spec` has no Keras mapping. */
function kerasOf(spec: ModelSpec, source?: string): KerasWeightsSpec {
  if (spec.keras) return spec.keras;
  throw new Error(`${source ? `${source}: ` : ''}Keras weights load only into architectures with a Keras Applications mapping; not into ${spec.name}.`);
}

/** First-tensor shapes of the Keras layers of `weights`, for the spec's width hook. */
function kerasShapeOf(weights: KerasWeights): ShapeOf {
  return (layer) => weights.get(layer)?.[0]?.shape;
}

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
export function kerasPlan(model: tf.LayersModel, spec: ModelSpec, weights: KerasWeights, skipLayers: string[] = []): WeightPlan {
  const arch = spec.name;
  const mapping = kerasOf(spec);
  const skip = new Set(skipLayers);
  const problems: string[] = [];
  const plan: WeightPlan = new Map();
  const biases = new Map<string, RawTensor>();
  const source = new Map<string, string>();
  for (const [keras, tensors] of weights) {
    const ours = mapping.kerasName(keras);
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
    plan.set(name, foldedBatchNorm(tensors, bias, mapping.epsilon, layer.getConfig().epsilon as number));
  }
  return plan;
}

/**
 * The width multiplier (Keras alpha) `weights` were made with, by `spec.keras.width`; undefined for
 * architectures without a width. `source` (the file) prefixes errors.
 */
export function kerasWidth(spec: ModelSpec, source: string, weights: KerasWeights): number | undefined {
  const width = kerasOf(spec, source).width;
  if (!width) return undefined;
  try {
    return width(kerasShapeOf(weights));
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`, { cause: err });
  }
}

/** Builds `spec` (its Keras variant where needed) and loads a Keras Applications .h5 into it, all or nothing. */
export async function kerasModelFromH5(file: string, spec: ModelSpec, opts: KerasLoadOptions): Promise<KerasLoadedModel> {
  kerasOf(spec, file);
  return kerasModelFromWeights(await readKerasH5(file), spec, opts, file);
}

/** kerasModelFromH5 on weights already read; `source` (the file) prefixes errors. */
export function kerasModelFromWeights(weights: KerasWeights, spec: ModelSpec, opts: KerasLoadOptions, source: string): KerasLoadedModel {
  const keras = kerasOf(spec, source);
  const top = weights.get(TOP);
  if (opts.includeTop && !top) throw new Error(`${source} has no '${TOP}' layer to keep (a notop file?): load it without the top.`);
  const problem = keras.checkFile?.((layer) => weights.has(layer));
  if (problem) throw new Error(`${source} ${problem}`);
  const numClasses = opts.includeTop ? top![0].shape[1] : (opts.numClasses ?? 1000);
  const widthMultiplier = keras.width ? (opts.widthMultiplier ?? kerasWidth(spec, source, weights)) : undefined;
  const buildOptions = {
    ...(widthMultiplier !== undefined ? { widthMultiplier } : {}),
    ...(keras.variant ? { variant: keras.variant } : {}),
  };
  const model = spec.build({ numClasses, imageSize: opts.imageSize, ...buildOptions });
  const skipLayers = opts.includeTop ? [] : spec.headLayers;
  try {
    assignWeights(model, kerasPlan(model, spec, weights, skipLayers), { skipLayers });
  } catch (err) {
    model.dispose();
    throw new Error(`${source}: ${(err as Error).message}`, { cause: err });
  }
  return { model, normalization: keras.normalization, buildOptions };
}
