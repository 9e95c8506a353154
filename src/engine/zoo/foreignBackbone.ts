import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileIO } from '../io/fileIO';
import { globalAvgPool, linear, type Sym } from '../models/blocks';

/** A pretrained tfjs layers backbone (no top) with a new N-class head `head.pool` + `head.fc`. */

export const PRETRAINED_HEAD = ['head.pool', 'head.fc'];

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Sets every 4-D batch_input_shape in a Keras topology to [null, size, size, channels]. Keras Applications
 * fix the input at 224; the convolutional layers themselves work at any size.
 */
export function patchInputSize(topology: unknown, imageSize: number): number {
  let patched = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) { node.forEach(visit); return; }
    if (!isObject(node)) return;
    const shape = node.batch_input_shape;
    if (Array.isArray(shape) && shape.length === 4) {
      node.batch_input_shape = [null, imageSize, imageSize, shape[3]];
      patched++;
    }
    Object.values(node).forEach(visit);
  };
  visit(topology);
  return patched;
}

/**
 * Keras saves BatchNormalization with momentum 0.99-0.999; fine-tuning then keeps ImageNet's running
 * statistics for hundreds of steps and validation (inference mode) sees the wrong ones. The recipe is
 * PyTorch's, whose BatchNorm momentum 0.1 is tfjs's 0.9.
 */
export function patchBatchNormMomentum(topology: unknown, momentum: number): number {
  let patched = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) { node.forEach(visit); return; }
    if (!isObject(node)) return;
    if (node.class_name === 'BatchNormalization' && isObject(node.config)) {
      node.config.momentum = momentum;
      patched++;
    }
    Object.values(node).forEach(visit);
  };
  visit(topology);
  return patched;
}

/** Loads model.json + weights from `dir` with its input resized to imageSize x imageSize. */
export async function loadBackbone(dir: string, imageSize: number): Promise<tf.LayersModel> {
  try {
    await fs.access(path.join(dir, 'model.json'));
  } catch {
    throw new Error(`No tfjs layers model in ${dir} (expected model.json and its weight files).`);
  }
  const handler: tf.io.IOHandler = {
    load: async () => {
      const artifacts = await fileIO(dir).load!();
      if (patchInputSize(artifacts.modelTopology, imageSize) === 0) {
        throw new Error(`${dir}: no 4-D input shape found in the model topology to resize to ${imageSize}.`);
      }
      patchBatchNormMomentum(artifacts.modelTopology, 0.9);
      return artifacts;
    },
  };
  return tf.loadLayersModel(handler);
}

function outputShapeOf(layer: tf.layers.Layer): (number | null)[] | null {
  const s = layer.outputShape;
  return Array.isArray(s) && !Array.isArray(s[0]) ? (s as (number | null)[]) : null;
}

/** Last layer with a single 4-D output: the deepest feature map, the natural Grad-CAM target. */
export function lastFeatureMapLayer(model: tf.LayersModel): string {
  for (let i = model.layers.length - 1; i >= 0; i--) {
    if (outputShapeOf(model.layers[i])?.length === 4) return model.layers[i].name;
  }
  throw new Error(`Model '${model.name}' has no layer with a 4-D (feature map) output.`);
}

export interface PretrainedModel {
  model: tf.LayersModel;
  camLayer: string;
  headLayers: string[];
}

export async function loadPretrainedWithHead(
  dir: string, opts: { numClasses: number; imageSize: number },
): Promise<PretrainedModel> {
  const backbone = await loadBackbone(dir, opts.imageSize);
  const out = backbone.outputs[0] as Sym;
  if (backbone.outputs.length !== 1 || out.shape.length !== 4) {
    backbone.dispose();
    throw new Error(`${dir}: expected a backbone without its top (one 4-D feature map output), ` +
      `got output shape [${out.shape.join(', ')}].`);
  }
  const camLayer = lastFeatureMapLayer(backbone);
  const pooled = globalAvgPool(out, PRETRAINED_HEAD[0]);
  const logits = linear(pooled, PRETRAINED_HEAD[1], opts.numClasses);
  const model = tf.model({ inputs: backbone.inputs, outputs: logits, name: `${backbone.name}_head` });
  return { model, camLayer, headLayers: [...PRETRAINED_HEAD] };
}
