import type { ModelSpec } from '../models/spec';

/**
 * Official locations and checksums of the ImageNet weights for our architectures. Each ModelSpec carries
 * its file names and checksums, copied from the frameworks' own source (torchvision/models/*.py
 * `IMAGENET1K_V1`, keras/src/applications/*.py), so a download is checked against what the framework
 * itself would accept.
 */

export interface Checksum {
  algorithm: 'sha256' | 'md5';
  hex: string;
  /**
   * torchvision's rule (torch.hub check_hash): the hex digits after the last '-' of the file name are a
   * prefix of the file's SHA-256, not the whole digest.
   */
  prefixOnly?: boolean;
}

export interface WeightSource {
  url: string;
  fileName: string;
  /**
   * Undefined only where the framework publishes none (Keras MobileNetV2): the download is then checked
   * for completeness (Content-Length) only.
   */
  checksum?: Checksum;
  /** For messages: "resnet18 ImageNet weights". */
  arch: string;
  format: 'pth' | 'h5';
}

export type WeightFormatName = WeightSource['format'];

export interface SourceOptions {
  /** Keras only: with the 1000-class classifier (default) or the `_notop` file. */
  includeTop?: boolean;
  /** Keras MobileNetV2 only: width multiplier, 1.0 (default) or 0.35. */
  alpha?: number;
}

const TORCHVISION = 'https://download.pytorch.org/models/';
const KERAS = 'https://storage.googleapis.com/tensorflow/keras-applications/';

/** The hex digits torchvision checks: after the last '-' of the name, before the extension. */
export function torchvisionHashPrefix(fileName: string): string | undefined {
  const m = /-([a-f0-9]{8,})\.[^.]+$/.exec(fileName);
  return m?.[1];
}

/** torchvision IMAGENET1K_V1 file of `spec`; the checksum is the hash prefix in the name. */
function torchvisionSource(spec: ModelSpec | undefined): WeightSource | undefined {
  const fileName = spec?.torchvision?.file;
  if (!spec || !fileName) return undefined;
  const hex = torchvisionHashPrefix(fileName)!;
  return { url: TORCHVISION + fileName, fileName, checksum: { algorithm: 'sha256', hex, prefixOnly: true }, arch: spec.name, format: 'pth' };
}

function kerasSource(spec: ModelSpec | undefined, opts: SourceOptions): WeightSource | undefined {
  const keras = spec?.keras;
  if (!spec || !keras) return undefined;
  const file = keras.file(opts.includeTop ?? true, opts.alpha);
  const checksum: Checksum | undefined = file.md5 ? { algorithm: 'md5', hex: file.md5 } : undefined;
  return { url: `${KERAS}${keras.dir}/${file.name}`, fileName: file.name, checksum, arch: spec.name, format: 'h5' };
}

/**
 * Where the ImageNet weights of `arch` in `format` come from, or an error listing which of `models`
 * (listModels()) have them.
 */
export function imagenetSource(
  models: readonly ModelSpec[], arch: string, format: WeightFormatName, opts: SourceOptions = {},
): WeightSource {
  if (format === 'pth' && opts.alpha !== undefined && opts.alpha !== 1) {
    throw new Error(`torchvision has ImageNet weights for ${arch} at width 1.0 only, not alpha ${opts.alpha}; use format 'h5' (Keras) for mobilenetv2 0.35.`);
  }
  const spec = models.find((m) => m.name === arch);
  const source = format === 'pth' ? torchvisionSource(spec) : format === 'h5' ? kerasSource(spec, opts) : undefined;
  if (source) return source;
  const known = models.filter((m) => (format === 'pth' ? m.torchvision : m.keras) !== undefined).map((m) => m.name);
  const where = format === 'pth' ? 'torchvision (.pth)' : format === 'h5' ? 'Keras Applications (.h5)' : `format '${String(format)}'`;
  throw new Error(`No ImageNet weights for '${arch}' from ${where}; available: ${known.join(', ')}.`);
}
