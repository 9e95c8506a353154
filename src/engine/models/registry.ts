import * as tf from '@tensorflow/tfjs';
import { densenet121 } from './densenet';
import { mobilenetv2 } from './mobilenetv2';
import { loadPretrainedWithHead } from './pretrained';
import { resnet18, resnet50 } from './resnet';
import { squeezenet1_1 } from './squeezenet';
import { vgg16 } from './vgg';
import { modelWithPretrainedWeights } from '../weights/pretrainedWeights';
import type { Normalization } from '../dataset/preprocess';

/** Input scaling a model expects (ImageNet mean/std, [-1, 1], Caffe BGR): preprocess's type. */
export type { Normalization };

export interface ModelBuildOptions {
  numClasses: number;
  imageSize: number;
  widthMultiplier?: number;
  /**
   * Structure other than torchvision's, to hold another framework's weights exactly: 'keras' for
   * resnet50 (stride on the first 1x1 conv, ResNet v1) and mobilenetv2 (TensorFlow 'same' padding on
   * stride-2 convs, Keras channel rounding). Saved models keep it: their tfjs topology is the built graph.
   */
  variant?: string;
}

export interface ModelSpec {
  name: string;
  description: string;
  normalization: Normalization;
  /** Default Grad-CAM target: the last convolutional feature map. */
  defaultCamLayer: string;
  /** Layers of the new N-class head; freezing the backbone freezes everything else. */
  headLayers: string[];
  /** Builds a freshly initialised model whose output is LOGITS (no softmax). */
  build(opts: ModelBuildOptions): tf.LayersModel;
}

export interface CreateModelOptions extends ModelBuildOptions {
  /**
   * Weights to start from: 'imagenet' (downloaded once), a torchvision .pth / Keras .h5 file, a folder
   * written by import-weights, or any tfjs layers backbone folder (without top; a new head is added).
   */
  pretrained?: string;
  freezeBackbone?: boolean;
  onDownloadProgress?: (received: number, total: number | undefined) => void;
  signal?: AbortSignal;
}

export interface CreatedModel {
  model: tf.LayersModel;
  spec: ModelSpec;
  camLayer: string;
  normalization: Normalization;
  /** The head actually built (spec.headLayers, or `head.pool`/`head.fc` on a pretrained backbone). */
  headLayers: string[];
  pretrained?: string;
}

const registry = new Map<string, ModelSpec>();

export function registerModel(spec: ModelSpec): void {
  if (registry.has(spec.name)) throw new Error(`Model '${spec.name}' is already registered.`);
  registry.set(spec.name, spec);
}

export function listModels(): ModelSpec[] {
  return [...registry.values()];
}

export function getModelSpec(name: string): ModelSpec {
  const spec = registry.get(name);
  if (!spec) {
    throw new Error(`Unknown model '${name}'. Known models: ${[...registry.keys()].join(', ')}.`);
  }
  return spec;
}

/** Trainable parameters (torch's parameter count; BatchNorm running stats are non-trainable here). */
export function countTrainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
}

/** Marks every layer outside `headLayers` as not trainable. */
export function freezeAllBut(model: tf.LayersModel, headLayers: string[]): void {
  const head = new Set(headLayers);
  for (const layer of model.layers) {
    if (!head.has(layer.name)) layer.trainable = false;
  }
}

export async function createModel(name: string, opts: CreateModelOptions): Promise<CreatedModel> {
  const spec = getModelSpec(name);
  let created: CreatedModel;
  const withWeights = opts.pretrained ? await modelWithPretrainedWeights(name, opts.pretrained, opts) : undefined;
  if (withWeights) {
    created = {
      model: withWeights.model, spec, camLayer: spec.defaultCamLayer, headLayers: spec.headLayers,
      normalization: withWeights.normalization, pretrained: withWeights.description,
    };
  } else if (opts.pretrained) {
    const { model, camLayer, headLayers } = await loadPretrainedWithHead(opts.pretrained, opts);
    created = { model, spec, camLayer, headLayers, normalization: spec.normalization, pretrained: opts.pretrained };
  } else {
    const model = spec.build(opts);
    created = { model, spec, camLayer: spec.defaultCamLayer, headLayers: spec.headLayers, normalization: spec.normalization };
  }
  if (opts.freezeBackbone) freezeAllBut(created.model, created.headLayers);
  return created;
}

for (const spec of [densenet121, resnet18, resnet50, squeezenet1_1, vgg16, mobilenetv2]) registerModel(spec);
