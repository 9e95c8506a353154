import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import type { ImportWeightsRequest, ImportWeightsResult, JobEventSink } from '../../shared/engineProtocol';
import { getModelSpec } from '../models/index';
import { saveImportedModel } from '../weights/imported';
import { countTrainableParams } from '../zoo/createModel';
import { downloadImagenetWeights } from '../zoo/pretrainedWeights';
import { modelFromWeightsFile } from '../zoo/weightsFile';
import { asWeightsError } from '../errors';

/** ImageNet weights are defined at 224 px; the saved model works at any size (see --image-size). */
const IMPORT_SIZE = 224;

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * `cxr-lab import-weights`: a torchvision .pth or Keras .h5 (or 'imagenet', downloaded first) converted
 * into a tfjs layers folder of our architecture, for air-gapped machines and for reuse across runs.
 */
export async function importWeights(
  o: Omit<ImportWeightsRequest, 'type' | 'id'> & { signal?: AbortSignal; emit: JobEventSink },
): Promise<ImportWeightsResult> {
  const started = Date.now();
  let file = o.file;
  if (file === 'imagenet') {
    ({ file } = await downloadImagenetWeights(o.arch, {
      signal: o.signal,
      onDownloadProgress: (done, total) => o.emit({ type: 'progress', phase: 'download', done, total: total ?? 0, message: 'ImageNet weights' }),
    }));
  }
  o.emit({ type: 'log', level: 'info', message: `Converting ${file} to ${o.arch}…` });
  const includeTop = o.includeTop ?? true;
  const converted = await modelFromWeightsFile(file, o.arch, { imageSize: IMPORT_SIZE, includeTop, widthMultiplier: o.widthMultiplier })
    .catch((err) => { throw asWeightsError(err); });
  try {
    const digest = await sha256(file);
    const outDir = path.resolve(o.outDir);
    await saveImportedModel(outDir, converted, {
      arch: o.arch, normalization: converted.normalization, format: converted.format,
      source: { file: path.basename(file), sha256: digest }, buildOptions: converted.buildOptions,
      includeTop, imageSize: IMPORT_SIZE,
    });
    // without the top, the head in the saved model is a placeholder that --pretrained never reads
    const head = includeTop ? 0 : getModelSpec(o.arch).headLayers
      .reduce((n, name) => n + converted.model.getLayer(name).countParams(), 0);
    return {
      outDir, arch: o.arch, format: converted.format, normalization: converted.normalization, sourceFile: file,
      sha256: digest, includeTop, params: countTrainableParams(converted.model) - head, seconds: (Date.now() - started) / 1000,
    };
  } finally {
    converted.model.dispose();
  }
}
