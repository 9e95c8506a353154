import { getModelSpec, listModels } from '../models/index';
import { detectWeightFormat, torchModelFromPth, type ConvertedModel, type ConvertOptions } from '../weights/convert';
import { kerasModelFromH5 } from '../weights/keras';

/**
 * Builds `arch` and loads a torchvision .pth or Keras Applications .h5 into it (the format by content),
 * all or nothing. Keras weights build the spec's Keras variant (resnet50, mobilenetv2).
 */
export async function modelFromWeightsFile(file: string, arch: string, opts: ConvertOptions): Promise<ConvertedModel> {
  const format = await detectWeightFormat(file);
  if (format === 'h5') {
    const spec = listModels().find((m) => m.name === arch && m.keras);
    if (!spec) {
      const known = listModels().filter((m) => m.keras).map((m) => m.name);
      throw new Error(`${file}: Keras weights load into ${known.join(', ')}; not into ${arch}.`);
    }
    const { model, normalization, buildOptions } = await kerasModelFromH5(file, spec, opts);
    return { model, normalization, format, buildOptions };
  }
  return torchModelFromPth(file, getModelSpec(arch), opts);
}
