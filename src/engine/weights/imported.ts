import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Normalization } from '../dataset/preprocess';
import { fileIO } from '../io/fileIO';
import type { WeightPlan } from './assign';
import type { ConvertedModel, WeightFormat } from './convert';

/**
 * A tfjs layers directory written by `cxr-lab import-weights`: our architecture with converted ImageNet
 * weights, and in model.json's userDefinedMetadata what `--pretrained <dir>` needs to rebuild it.
 */
export interface ImportedWeightsInfo {
  arch: string;
  normalization: Normalization;
  format: WeightFormat;
  /** File name and SHA-256 of the file the weights came from. */
  source: { file: string; sha256: string };
  buildOptions: { widthMultiplier?: number; variant?: string };
  includeTop: boolean;
  imageSize: number;
}

const KEY = 'cxrLab';

export async function saveImportedModel(dir: string, converted: ConvertedModel, info: ImportedWeightsInfo): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  converted.model.setUserDefinedMetadata({ [KEY]: info } as unknown as Record<string, unknown>);
  await converted.model.save(fileIO(dir));
}

/** The import info of `dir`, or undefined for any other tfjs model directory (a foreign backbone). */
export async function readImportedInfo(dir: string): Promise<ImportedWeightsInfo | undefined> {
  const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')) as { userDefinedMetadata?: Record<string, unknown> };
  const info = json.userDefinedMetadata?.[KEY] as ImportedWeightsInfo | undefined;
  return info && typeof info.arch === 'string' ? info : undefined;
}

/** Weights of `model` by layer name, as a WeightPlan, to copy into a model of the same architecture. */
export function planFromModel(model: tf.LayersModel): WeightPlan {
  const plan: WeightPlan = new Map();
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    plan.set(layer.name, layer.getWeights().map((t) => ({ shape: t.shape.slice(), values: t.dataSync() as Float32Array })));
  }
  return plan;
}
