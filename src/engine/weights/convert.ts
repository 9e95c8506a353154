import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import type { Normalization } from '../dataset/preprocess';
import type { ModelSpec, ShapeOf } from '../models/spec';
import { assignWeights } from './assign';
import { hasHdf5Signature } from './h5';
import { readTorchStateDict } from './pth';
import { torchvisionPlan } from './torchvision';

export type WeightFormat = 'pth' | 'h5';

export interface ConvertOptions {
  imageSize: number;
  /** Keep the file's 1000-class classifier; otherwise build `numClasses` outputs and leave the head initialised. */
  includeTop: boolean;
  numClasses?: number;
  widthMultiplier?: number;
}

export interface ConvertedModel {
  model: tf.LayersModel;
  normalization: Normalization;
  format: WeightFormat;
  /** Build options beyond classes and size that the weights fixed (width, structural variant). */
  buildOptions: { widthMultiplier?: number; variant?: string };
}

const ZIP_MAGIC = Buffer.from('PK\x03\x04', 'latin1');
const PICKLE_PROTO = 0x80;

/** By content, not extension: users rename files (`resnet18-f37072fd.pth`, `*.weights.h5`). */
export async function detectWeightFormat(file: string): Promise<WeightFormat> {
  if (await hasHdf5Signature(file)) return 'h5';
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead === 4 && head.equals(ZIP_MAGIC)) return 'pth';
    if (bytesRead >= 2 && head[0] === PICKLE_PROTO) return 'pth';
    throw new Error(`${file} is neither a PyTorch .pth (zip or pickle) nor a Keras .h5 (HDF5) weights file.`);
  } finally {
    await handle.close();
  }
}

/**
 * Builds `spec` and loads a torchvision .pth into it, all or nothing. (A file of either format by name:
 * zoo/weightsFile.ts's modelFromWeightsFile; Keras .h5: keras.ts.)
 */
export async function torchModelFromPth(file: string, spec: ModelSpec, opts: ConvertOptions): Promise<ConvertedModel> {
  const dict = await readTorchStateDict(file);
  const head = dict.get(`${spec.headLayers[0]}.weight`);
  if (opts.includeTop && !head) throw new Error(`${file} has no '${spec.headLayers[0]}' classifier to keep (a backbone without top?).`);
  const numClasses = opts.includeTop ? head!.shape[0] : (opts.numClasses ?? 1000);
  const width = spec.torchvision?.width;
  const widthMultiplier = width ? (opts.widthMultiplier ?? torchvisionWidth(file, width, (key) => dict.get(key)?.shape)) : undefined;
  const model = spec.build({ numClasses, imageSize: opts.imageSize, widthMultiplier });
  const skipLayers = opts.includeTop ? [] : spec.headLayers;
  try {
    assignWeights(model, torchvisionPlan(model, dict, skipLayers), { skipLayers });
  } catch (err) {
    model.dispose();
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
  return { model, normalization: 'imagenet', format: 'pth', buildOptions: widthMultiplier ? { widthMultiplier } : {} };
}

/** The spec's width hook on a state dict; its error prefixed with the file. */
function torchvisionWidth(file: string, width: (shapeOf: ShapeOf) => number, shapeOf: ShapeOf): number {
  try {
    return width(shapeOf);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
}
