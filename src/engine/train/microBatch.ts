import * as os from 'node:os';
import type { ModelSpec } from '../models/spec';

/**
 * Micro-batch sizes from each spec's `memory` figures (src/engine/models/*.ts):
 * - wasm: images per forward/backward pass that fit the wasm backend's 4 GB heap at 224 px (measured here,
 *   see engine-notes: DenseNet121 runs out of memory above 2, MobileNetV2 above 4; ResNet18 ran batch 8).
 * - tfjs-node: peak process memory per image of a training pass at 224 px (GB; measured here as the slope of
 *   peak RSS between two micro-batch sizes, with the fused BatchNorm of src/engine/native). tfjs's tape keeps
 *   every op's inputs: with the stock BatchNorm, DenseNet121 at batch 20 in one pass needed over 24 GB.
 * Scaled by pixel count for other sizes; the requested batch is reached by gradient accumulation.
 */

/** Without figures (test models): images per pass on wasm, GB per image on tfjs-node. */
const DEFAULT_WASM_IMAGES_AT_224 = 2;
const DEFAULT_NATIVE_GB_PER_IMAGE_AT_224 = 0.9;
const NATIVE_BASE_GB = 1;
/** Leave most of the machine to the rest of the user's work. */
const NATIVE_BUDGET_GB = Math.min(6, 0.3 * os.totalmem() / 2 ** 30);

export function pickMicroBatch(spec: Pick<ModelSpec, 'memory'>, imageSize: number, batchSize: number, backend: string): number {
  const scale = (224 / imageSize) ** 2;
  const fit = backend === 'wasm'
    ? Math.floor((spec.memory?.wasmImagesAt224 ?? DEFAULT_WASM_IMAGES_AT_224) * scale)
    : Math.floor(Math.max(0, NATIVE_BUDGET_GB - NATIVE_BASE_GB) / (spec.memory?.nativeGbPerImageAt224 ?? DEFAULT_NATIVE_GB_PER_IMAGE_AT_224) * scale);
  return Math.max(1, Math.min(batchSize, fit));
}
