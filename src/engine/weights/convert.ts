import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import type { Normalization } from '../dataset/preprocess';
import { makeDivisible } from '../models/mobilenetv2';
import { getModelSpec } from '../models/registry';
import { assignWeights, type RawTensor } from './assign';
import { hasHdf5Signature } from './h5';
import { kerasModelFromH5 } from './keras';
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

/** Builds `arch` and loads a torchvision .pth or Keras Applications .h5 into it, all or nothing. */
export async function modelFromWeightsFile(file: string, arch: string, opts: ConvertOptions): Promise<ConvertedModel> {
  const format = await detectWeightFormat(file);
  if (format === 'h5') {
    const { model, normalization, buildOptions } = await kerasModelFromH5(file, arch, opts);
    return { model, normalization, format, buildOptions };
  }
  return torchModelFromPth(file, arch, opts);
}

async function torchModelFromPth(file: string, arch: string, opts: ConvertOptions): Promise<ConvertedModel> {
  const spec = getModelSpec(arch);
  const dict = await readTorchStateDict(file);
  const head = dict.get(`${spec.headLayers[0]}.weight`);
  if (opts.includeTop && !head) throw new Error(`${file} has no '${spec.headLayers[0]}' classifier to keep (a backbone without top?).`);
  const numClasses = opts.includeTop ? head!.shape[0] : (opts.numClasses ?? 1000);
  const widthMultiplier = arch === 'mobilenetv2' ? (opts.widthMultiplier ?? mobilenetWidth(file, dict)) : undefined;
  const model = spec.build({ numClasses, imageSize: opts.imageSize, widthMultiplier });
  const skipLayers = opts.includeTop ? [] : spec.headLayers;
  try {
    assignWeights(model, torchvisionPlan(model, dict, skipLayers), { skipLayers });
  } catch (err) {
    model.dispose();
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  return { model, normalization: 'imagenet', format: 'pth', buildOptions: widthMultiplier ? { widthMultiplier } : {} };
}

const WIDTHS = [1, 0.35, 0.5, 0.75, 1.3, 1.4, 0.25, 0.1];

/** The width multiplier whose channel counts match the stem and the last block (torchvision ships 1.0). */
function mobilenetWidth(file: string, dict: Map<string, RawTensor>): number {
  const stem = dict.get('features.0.0.weight')?.shape[0];
  const last = dict.get('features.17.conv.2.weight')?.shape[0];
  const w = WIDTHS.find((m) => makeDivisible(32 * m) === stem && makeDivisible(320 * m) === last);
  if (w === undefined) {
    throw new Error(`${file}: cannot tell the MobileNetV2 width multiplier (stem ${stem}, last block ${last} channels); pass it explicitly.`);
  }
  return w;
}
