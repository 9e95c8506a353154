import * as os from 'node:os';

/**
 * Images per forward/backward pass that fit the wasm backend's 4 GB heap at 224 px (measured here, see
 * engine-notes: DenseNet121 runs out of memory above 2, MobileNetV2 above 4; ResNet18 ran batch 8).
 * Scaled by pixel count for other sizes; the requested batch is reached by gradient accumulation.
 */
const WASM_IMAGES_AT_224: Record<string, number> = {
  densenet121: 2, resnet18: 8, resnet50: 2, squeezenet1_1: 8, vgg16: 2, mobilenetv2: 4,
};

/**
 * Peak process memory per image of a training pass at 224 px on tfjs-node (GB; measured here as the slope of
 * peak RSS between two micro-batch sizes, with the fused BatchNorm of src/engine/native). tfjs's tape keeps
 * every op's inputs: with the stock BatchNorm, DenseNet121 at batch 20 in one pass needed over 24 GB.
 */
const NATIVE_GB_PER_IMAGE_AT_224: Record<string, number> = {
  densenet121: 0.47, resnet18: 0.1, resnet50: 0.45, squeezenet1_1: 0.15, vgg16: 0.6, mobilenetv2: 0.25,
};
const NATIVE_BASE_GB = 1;
/** Leave most of the machine to the rest of the user's work. */
const NATIVE_BUDGET_GB = Math.min(6, 0.3 * os.totalmem() / 2 ** 30);

export function pickMicroBatch(arch: string, imageSize: number, batchSize: number, backend: string): number {
  const scale = (224 / imageSize) ** 2;
  const fit = backend === 'wasm'
    ? Math.floor((WASM_IMAGES_AT_224[arch] ?? 2) * scale)
    : Math.floor(Math.max(0, NATIVE_BUDGET_GB - NATIVE_BASE_GB) / (NATIVE_GB_PER_IMAGE_AT_224[arch] ?? 0.9) * scale);
  return Math.max(1, Math.min(batchSize, fit));
}
