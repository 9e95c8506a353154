/**
 * Official locations and checksums of the ImageNet weights for our architectures, copied from the
 * frameworks' own source (torchvision/models/*.py `IMAGENET1K_V1`, keras/src/applications/*.py), so a
 * download is checked against what the framework itself would accept.
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

/** torchvision IMAGENET1K_V1 files; the checksum is the hash prefix in the name. */
const TORCHVISION_FILES: Record<string, string> = {
  resnet18: 'resnet18-f37072fd.pth',
  resnet50: 'resnet50-0676ba61.pth',
  densenet121: 'densenet121-a639ec97.pth',
  squeezenet1_1: 'squeezenet1_1-b8a52dc0.pth',
  vgg16: 'vgg16-397923af.pth',
  mobilenetv2: 'mobilenet_v2-b0353104.pth',
};

const KERAS = 'https://storage.googleapis.com/tensorflow/keras-applications/';

interface KerasFile { dir: string; name: string; md5?: string }

/** Keras Applications files by arch, [with top, without top]; `file_hash` values are 32 hex = md5. */
const KERAS_FILES: Record<string, [KerasFile, KerasFile]> = {
  densenet121: [
    { dir: 'densenet', name: 'densenet121_weights_tf_dim_ordering_tf_kernels.h5', md5: '9d60b8095a5708f2dcce2bca79d332c7' },
    { dir: 'densenet', name: 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5', md5: '30ee3e1110167f948a6b9946edeeb738' },
  ],
  resnet50: [
    { dir: 'resnet', name: 'resnet50_weights_tf_dim_ordering_tf_kernels.h5', md5: '2cb95161c43110f7111970584f804107' },
    { dir: 'resnet', name: 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5', md5: '4d473c1dd8becc155b73f8504c6f6626' },
  ],
  vgg16: [
    { dir: 'vgg16', name: 'vgg16_weights_tf_dim_ordering_tf_kernels.h5', md5: '64373286793e3c8b2b4e3219cbf3544b' },
    { dir: 'vgg16', name: 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5', md5: '6d6bbae143d832006294945121d1f1fc' },
  ],
};

/** Keras MobileNetV2 widths we offer; keras names the files with Python's float(alpha) ("1.0", "0.35"). */
const KERAS_MOBILENET_ALPHAS: Record<number, string> = { 1: '1.0', 0.35: '0.35' };

/** The hex digits torchvision checks: after the last '-' of the name, before the extension. */
export function torchvisionHashPrefix(fileName: string): string | undefined {
  const m = /-([a-f0-9]{8,})\.[^.]+$/.exec(fileName);
  return m?.[1];
}

function torchvisionSource(arch: string): WeightSource | undefined {
  const fileName = TORCHVISION_FILES[arch];
  if (!fileName) return undefined;
  const hex = torchvisionHashPrefix(fileName)!;
  return { url: TORCHVISION + fileName, fileName, checksum: { algorithm: 'sha256', hex, prefixOnly: true }, arch, format: 'pth' };
}

function kerasSource(arch: string, opts: SourceOptions): WeightSource | undefined {
  const top = opts.includeTop ?? true;
  if (arch === 'mobilenetv2') {
    const alpha = KERAS_MOBILENET_ALPHAS[opts.alpha ?? 1];
    if (!alpha) {
      throw new Error(`No Keras ImageNet weights for mobilenetv2 alpha ${opts.alpha}: choose alpha 1.0 or 0.35.`);
    }
    // keras/src/applications/mobilenet_v2.py passes no file_hash for these files.
    const fileName = `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${alpha}_224${top ? '' : '_no_top'}.h5`;
    return { url: `${KERAS}mobilenet_v2/${fileName}`, fileName, arch, format: 'h5' };
  }
  const files = KERAS_FILES[arch];
  if (!files) return undefined;
  const file = files[top ? 0 : 1];
  const checksum: Checksum | undefined = file.md5 ? { algorithm: 'md5', hex: file.md5 } : undefined;
  return { url: `${KERAS}${file.dir}/${file.name}`, fileName: file.name, checksum, arch, format: 'h5' };
}

/** Where the ImageNet weights of `arch` in `format` come from, or an error listing what exists. */
export function imagenetSource(arch: string, format: WeightFormatName, opts: SourceOptions = {}): WeightSource {
  if (format === 'pth' && opts.alpha !== undefined && opts.alpha !== 1) {
    throw new Error(`torchvision has ImageNet weights for ${arch} at width 1.0 only, not alpha ${opts.alpha}; use format 'h5' (Keras) for mobilenetv2 0.35.`);
  }
  const source = format === 'pth' ? torchvisionSource(arch) : format === 'h5' ? kerasSource(arch, opts) : undefined;
  if (source) return source;
  const known = format === 'pth' ? Object.keys(TORCHVISION_FILES) : [...Object.keys(KERAS_FILES), 'mobilenetv2'];
  const where = format === 'pth' ? 'torchvision (.pth)' : format === 'h5' ? 'Keras Applications (.h5)' : `format '${String(format)}'`;
  throw new Error(`No ImageNet weights for '${arch}' from ${where}; available: ${known.join(', ')}.`);
}
