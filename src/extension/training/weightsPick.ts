/**
 * The pretrained-weights pick (Train Model's step, and the preflight's "Choose Weights…"): ImageNet and None, then the
 * weights already here — the download cache, tfjs model folders and .pth/.h5 files of the workspace — those for the
 * chosen architecture first, then Browse… for a file or a folder elsewhere.
 */
import * as path from 'node:path';
import type { StepItem } from './quickPickStep';
import { rankForArch, type FoundWeights } from './weightsDiscovery';

export const BROWSE_FILE = '\u0000file';
export const BROWSE_FOLDER = '\u0000folder';

const KIND_TEXT: Record<FoundWeights['kind'], string> = {
  cache: 'in the ImageNet download cache',
  file: 'weights file in the workspace',
  'tfjs-folder': 'tfjs model folder in the workspace',
};

export function foundWeightsItem(w: FoundWeights, arch: string, workspaceRoot: string): StepItem<string> {
  const where = w.path.startsWith(workspaceRoot + path.sep) ? path.relative(workspaceRoot, w.path) : w.path;
  const forArch = w.arch === undefined ? '' : w.arch === arch ? ` · ${arch}` : ` · for ${w.arch}, not ${arch}`;
  return {
    label: `${w.kind === 'tfjs-folder' ? '$(package)' : '$(file-binary)'} ${path.basename(w.path)}`,
    description: `${KIND_TEXT[w.kind]}${forArch}`, detail: where, value: w.path,
  };
}

/** Items of the weights step; `imagenet`: offer the download (and None) first. */
export function weightsItems(found: readonly FoundWeights[], arch: string, workspaceRoot: string, o: { imagenet: boolean }): StepItem<string | null>[] {
  return [
    ...(o.imagenet ? [{ label: 'ImageNet', description: 'torchvision weights, downloaded once into the cache', value: 'imagenet' }] : []),
    { label: 'None', description: 'train from scratch', value: null },
    ...rankForArch(found, arch).map((w) => foundWeightsItem(w, arch, workspaceRoot)),
    { label: '$(file) Browse for a weights file…', description: 'torchvision .pth or Keras .h5 you already have', value: BROWSE_FILE },
    { label: '$(folder-opened) Browse for a tfjs model folder…', description: 'from "cxr-lab import-weights", or a backbone (model.json + weights)', value: BROWSE_FOLDER },
  ];
}
