/**
 * Images per forward/backward pass that fit the wasm backend's 4 GB heap at 224 px (measured here, see
 * engine-notes: DenseNet121 runs out of memory above 2, MobileNetV2 above 4; ResNet18 ran batch 8).
 * Scaled by pixel count for other sizes; the requested batch is reached by gradient accumulation.
 */
const WASM_IMAGES_AT_224: Record<string, number> = {
  densenet121: 2, resnet18: 8, resnet50: 2, squeezenet1_1: 8, vgg16: 2, mobilenetv2: 4,
};

export function pickMicroBatch(arch: string, imageSize: number, batchSize: number, backend: string): number {
  if (backend !== 'wasm') return batchSize;
  const at224 = WASM_IMAGES_AT_224[arch] ?? 2;
  const fit = Math.floor(at224 * (224 / imageSize) ** 2);
  return Math.max(1, Math.min(batchSize, fit));
}
