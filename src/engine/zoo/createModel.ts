import type * as tf from '@tensorflow/tfjs';
import { getModelSpec } from '../models/index';
import type { ModelBuildOptions, ModelSpec, Normalization } from '../models/spec';
import { loadPretrainedWithHead } from './foreignBackbone';
import { modelWithPretrainedWeights } from './pretrainedWeights';

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
