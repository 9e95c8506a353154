import * as tf from '@tensorflow/tfjs';
import type { RawTensor, WeightPlan } from './assign';

/**
 * torchvision state dict → WeightPlan for our architectures, which carry torchvision's module names.
 * Only layouts change: conv OIHW → HWIO, depthwise [C,1,kh,kw] → [kh,kw,C,1], linear [out,in] → [in,out]
 * (rows permuted from CHW to HWC order after a Flatten). BatchNorm epsilon is torch's 1e-5 on both sides.
 */

/** Keys torchvision itself ignores when loading. */
const IGNORED_SUFFIX = '.num_batches_tracked';

/**
 * torchvision's DenseNet checkpoints predate the `norm1`/`conv1` names (`denselayer1.norm.1.weight`);
 * torchvision renames them with this pattern in densenet._load_state_dict.
 */
const OLD_DENSENET_KEY = /^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$/;

export function normaliseTorchKeys(stateDict: Map<string, RawTensor>): Map<string, RawTensor> {
  const out = new Map<string, RawTensor>();
  for (const [key, value] of stateDict) {
    if (key.endsWith(IGNORED_SUFFIX)) continue;
    const m = OLD_DENSENET_KEY.exec(key);
    out.set(m ? m[1] + m[2] : key, value);
  }
  return out;
}

/**
 * `t` (optionally viewed as `reshape`) with its axes permuted. Plain loops rather than tf.transpose:
 * VGG's first linear layer has 102M weights, more than tfjs handles comfortably in one tensor.
 */
export function transposed(t: RawTensor, perm: number[], reshape?: number[]): RawTensor {
  const inShape = reshape ?? t.shape;
  const outShape = perm.map((p) => inShape[p]);
  const inStrides = inShape.map((_, i) => inShape.slice(i + 1).reduce((a, b) => a * b, 1));
  // stride in the input of each output axis, walked as an odometer over the output
  const strides = perm.map((p) => inStrides[p]);
  const out = new Float32Array(t.values.length);
  const rank = outShape.length;
  const index = new Array<number>(rank).fill(0);
  const last = rank - 1;
  let src = 0;
  for (let o = 0; o < out.length;) {
    for (let k = 0; k < outShape[last]; k++) out[o++] = t.values[src + k * strides[last]];
    let axis = last - 1;
    while (axis >= 0) {
      index[axis]++;
      src += strides[axis];
      if (index[axis] < outShape[axis]) break;
      src -= index[axis] * strides[axis];
      index[axis] = 0;
      axis--;
    }
  }
  return { shape: outShape, values: out };
}

/** [H, W, C] of the map a Flatten layer feeds to `layer`, or undefined when its input is not flattened. */
function flattenedFrom(layer: tf.layers.Layer): number[] | undefined {
  const inbound = layer.inboundNodes[0]?.inboundLayers[0];
  if (!inbound || inbound.getClassName() !== 'Flatten') return undefined;
  const shape = inbound.inboundNodes[0].inboundLayers[0].outputShape as (number | null)[];
  return shape.length === 4 ? (shape.slice(1) as number[]) : undefined;
}

/** Tensors for one of our layers, in getWeights() order; throws naming the missing key. */
function layerTensors(layer: tf.layers.Layer, take: (key: string) => RawTensor): RawTensor[] {
  const name = layer.name;
  const withBias = (kernel: RawTensor): RawTensor[] =>
    layer.weights.length === 2 ? [kernel, take(`${name}.bias`)] : [kernel];
  switch (layer.getClassName()) {
    case 'Conv2D':
      return withBias(transposed(take(`${name}.weight`), [2, 3, 1, 0]));
    case 'DepthwiseConv2D':
      return [transposed(take(`${name}.weight`), [2, 3, 0, 1])];
    case 'BatchNormalization':
      return ['weight', 'bias', 'running_mean', 'running_var'].map((k) => take(`${name}.${k}`));
    case 'Dense': {
      const weight = take(`${name}.weight`);
      const hwc = flattenedFrom(layer);
      if (!hwc) return withBias(transposed(weight, [1, 0]));
      // torch flattened C,H,W; tfjs flattens H,W,C: [O, C, H, W] → [H, W, C, O] → [H*W*C, O]
      const [h, w, c] = hwc;
      const t = transposed(weight, [2, 3, 1, 0], [weight.shape[0], c, h, w]);
      return withBias({ shape: [h * w * c, weight.shape[0]], values: t.values });
    }
    default:
      throw new Error(`layer '${name}' (${layer.getClassName()}) has weights but no torchvision mapping`);
  }
}

/**
 * The plan for every weighted layer of `model` (except `skipLayers`) from a torchvision state dict.
 * A key the model needs and the file lacks, or a key of the file the model never uses, is an error.
 */
export function torchvisionPlan(
  model: tf.LayersModel, stateDict: Map<string, RawTensor>, skipLayers: string[] = [],
): WeightPlan {
  const dict = normaliseTorchKeys(stateDict);
  const skip = new Set(skipLayers);
  const used = new Set<string>();
  const missing: string[] = [];
  const take = (key: string): RawTensor => {
    const t = dict.get(key);
    if (!t) throw new MissingKey(key);
    used.add(key);
    return t;
  };
  const plan: WeightPlan = new Map();
  for (const layer of model.layers) {
    if (layer.weights.length === 0 || skip.has(layer.name)) continue;
    try {
      plan.set(layer.name, layerTensors(layer, take));
    } catch (err) {
      if (!(err instanceof MissingKey)) throw err;
      missing.push(err.key);
    }
  }
  const unused = [...dict.keys()].filter((k) => !used.has(k) && !skip.has(k.slice(0, k.lastIndexOf('.'))));
  if (missing.length > 0 || unused.length > 0) {
    const parts = [];
    if (missing.length > 0) parts.push(`missing ${list(missing)}`);
    if (unused.length > 0) parts.push(`not used by the model: ${list(unused)}`);
    throw new Error(`The state dict does not match ${model.name}: ${parts.join('; ')}.`);
  }
  return plan;
}

class MissingKey extends Error {
  constructor(readonly key: string) { super(key); }
}

function list(keys: string[]): string {
  const shown = keys.slice(0, 5).map((k) => `'${k}'`).join(', ');
  return keys.length > 5 ? `${shown} and ${keys.length - 5} more` : shown;
}
