import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Normalization } from '../dataset/preprocess';
import { fileIO } from '../io/fileIO';
import { getModelSpec, listModels } from '../models/index';
import { assignWeights } from '../weights/assign';
import { downloadToCache } from '../weights/download';
import { planFromModel, readImportedInfo } from '../weights/imported';
import { imagenetSource } from '../weights/sources';
import { modelFromWeightsFile } from './weightsFile';
import { asWeightsError } from '../errors';

export interface PretrainedWeightsOptions {
  numClasses: number;
  imageSize: number;
  widthMultiplier?: number;
  onDownloadProgress?: (received: number, total: number | undefined) => void;
  signal?: AbortSignal;
}

/** torchvision's ImageNet file for `arch`, from the cache or downloaded into it (checksum verified). */
export async function downloadImagenetWeights(
  arch: string, opts: Pick<PretrainedWeightsOptions, 'onDownloadProgress' | 'signal'>,
): Promise<{ file: string; fileName: string }> {
  const source = imagenetSource(listModels(), arch, 'pth');
  const file = await downloadToCache(source, { onProgress: opts.onDownloadProgress, signal: opts.signal });
  return { file, fileName: source.fileName };
}

export interface PretrainedWeightsModel {
  model: tf.LayersModel;
  normalization: Normalization;
  /** What the weights were, for the run's record: "torchvision ImageNet (resnet18-f37072fd.pth)". */
  description: string;
}

/**
 * `--pretrained` values that carry weights for our own architecture: `imagenet` (torchvision's file,
 * downloaded once into the cache), a .pth / .h5 file, or a directory written by import-weights. Returns
 * undefined for any other tfjs directory, which the caller loads as a foreign backbone. The model has
 * `numClasses` outputs and a freshly initialised head.
 */
export async function modelWithPretrainedWeights(
  arch: string, pretrained: string, opts: PretrainedWeightsOptions,
): Promise<PretrainedWeightsModel | undefined> {
  // Any failure of a file or folder the user gave (not a download or cancellation: those keep their kind) is a WeightsError.
  return loadPretrained(arch, pretrained, opts).catch((err) => { throw asWeightsError(err); });
}

async function loadPretrained(
  arch: string, pretrained: string, opts: PretrainedWeightsOptions,
): Promise<PretrainedWeightsModel | undefined> {
  if (pretrained === 'imagenet') {
    const { file, fileName } = await downloadImagenetWeights(arch, opts);
    return fromFile(arch, file, opts, `torchvision ImageNet (${fileName})`);
  }
  const stat = await fs.stat(pretrained).catch(() => {
    throw new Error(`--pretrained ${pretrained}: no such file or directory (expected 'imagenet', a .pth/.h5 file or a tfjs model folder).`);
  });
  if (stat.isFile()) return fromFile(arch, pretrained, opts, path.basename(pretrained));
  const info = await readImportedInfo(pretrained).catch(() => undefined);
  if (!info) return undefined;
  if (info.arch !== arch) {
    throw new Error(`${pretrained} holds ${info.arch} weights; they cannot initialise ${arch}. Choose --arch ${info.arch}.`);
  }
  const source = await tf.loadLayersModel(fileIO(pretrained));
  const spec = getModelSpec(arch);
  const model = spec.build({ numClasses: opts.numClasses, imageSize: opts.imageSize, ...info.buildOptions });
  try {
    assignWeights(model, planFromModel(source), { skipLayers: spec.headLayers });
  } catch (err) {
    model.dispose();
    throw new Error(`${pretrained}: ${(err as Error).message}`, { cause: err });
  } finally {
    source.dispose();
  }
  return { model, normalization: info.normalization, description: `${info.source.file} (imported)` };
}

async function fromFile(arch: string, file: string, opts: PretrainedWeightsOptions, description: string): Promise<PretrainedWeightsModel> {
  const converted = await modelFromWeightsFile(file, arch, {
    imageSize: opts.imageSize, includeTop: false, numClasses: opts.numClasses, widthMultiplier: opts.widthMultiplier,
  });
  return { model: converted.model, normalization: converted.normalization, description };
}
