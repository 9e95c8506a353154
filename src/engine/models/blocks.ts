import * as tf from '@tensorflow/tfjs';

/**
 * Small layer helpers shared by the architectures. Each takes the torchvision module path as `name`;
 * helper layers that torchvision does not have (explicit padding) get the name plus a suffix (`.pad`).
 */

export type Sym = tf.SymbolicTensor;
export type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** Smallest image side every architecture accepts (DenseNet's last transition needs a 2x2 map). */
export const MIN_IMAGE_SIZE = 32;

export function apply(layer: tf.layers.Layer, x: Sym | Sym[]): Sym {
  return layer.apply(x) as Sym;
}

export function checkBuildOptions(arch: string, numClasses: number, imageSize: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`${arch}: numClasses must be a positive integer, got ${numClasses}.`);
  }
  if (!Number.isInteger(imageSize) || imageSize < MIN_IMAGE_SIZE) {
    throw new Error(`${arch}: imageSize must be an integer >= ${MIN_IMAGE_SIZE}, got ${imageSize}.`);
  }
}

/**
 * Structural variants (ModelBuildOptions.variant) an architecture knows; any other value is an error,
 * never silently the default structure. `undefined` is the torchvision structure.
 */
export function checkVariant(arch: string, variant: string | undefined, known: string[] = []): void {
  if (variant === undefined || known.includes(variant)) return;
  const options = known.length > 0 ? known.map((k) => `'${k}'`).join(', ') : 'none';
  throw new Error(`${arch}: unknown variant '${variant}' (variants: ${options}).`);
}

export function imageInput(imageSize: number): Sym {
  return tf.input({ shape: [imageSize, imageSize, 3], name: 'input' });
}

/** Spatial size [height, width] of an NHWC symbolic tensor (always known: inputs have a fixed size). */
export function spatial(x: Sym): [number, number] {
  const [, h, w] = x.shape;
  if (h == null || w == null) throw new Error('Spatial size must be known when building the model.');
  return [h, w];
}

// torchvision initialises convolutions with kaiming_normal_(mode='fan_out', nonlinearity='relu').
const convInit = () => tf.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal' });
// torch.nn.Linear's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), i.e. variance 1/(3 fan_in).
const linearInit = () => tf.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform' });

/** Explicit symmetric zero padding, as torch pads; skipped when there is nothing to pad. */
export function zeroPad(x: Sym, name: string, pad: number | [[number, number], [number, number]]): Sym {
  if (pad === 0) return x;
  const padding: [[number, number], [number, number]] = typeof pad === 'number' ? [[pad, pad], [pad, pad]] : pad;
  return apply(tf.layers.zeroPadding2d({ padding, name }), x);
}

export interface ConvOptions {
  filters: number;
  kernelSize: number;
  strides?: number;
  /**
   * torch's symmetric `padding`, or 'same': TensorFlow's rule (Keras), which puts the odd extra row and
   * column at the bottom/right, e.g. (0, 1) for a 3x3 stride-2 conv on an even size.
   */
  padding?: number | 'same';
  useBias?: boolean;
  kernelInitializer?: Initializer;
}

/**
 * torch Conv2d. Stride-1 convs with padding (k-1)/2 use 'same' (identical); anything else pads
 * explicitly, because tfjs 'same' with stride 2 pads bottom/right only while torch pads both sides.
 */
export function conv(x: Sym, name: string, o: ConvOptions): Sym {
  const strides = o.strides ?? 1;
  const pad = o.padding ?? 0;
  const same = pad === 'same' || (strides === 1 && pad > 0 && 2 * pad === o.kernelSize - 1);
  const input = same ? x : zeroPad(x, `${name}.pad`, pad as number);
  return apply(tf.layers.conv2d({
    name,
    filters: o.filters,
    kernelSize: o.kernelSize,
    strides,
    padding: same ? 'same' : 'valid',
    useBias: o.useBias ?? false,
    kernelInitializer: o.kernelInitializer ?? convInit(),
  }), input);
}

/**
 * torch depthwise 3x3 Conv2d (groups = channels), no bias, as in MobileNetV2; padding 'same' pads the
 * stride-2 case TensorFlow's way (Keras), 'torch' symmetrically.
 */
export function depthwiseConv(x: Sym, name: string, strides: number, padding: 'torch' | 'same' = 'torch'): Sym {
  const same = strides === 1 || padding === 'same';
  const input = same ? x : zeroPad(x, `${name}.pad`, 1);
  return apply(tf.layers.depthwiseConv2d({
    name,
    kernelSize: 3,
    strides,
    padding: same ? 'same' : 'valid',
    depthMultiplier: 1,
    useBias: false,
    depthwiseInitializer: convInit(),
  }), input);
}

/** torch BatchNorm2d: eps 1e-5, momentum 0.1 (tfjs counts momentum the other way round: 0.9). */
export function batchNorm(x: Sym, name: string): Sym {
  return apply(tf.layers.batchNormalization({ name, axis: -1, epsilon: 1e-5, momentum: 0.9 }), x);
}

export function relu(x: Sym, name: string): Sym {
  return apply(tf.layers.reLU({ name }), x);
}

export function relu6(x: Sym, name: string): Sym {
  return apply(tf.layers.reLU({ name, maxValue: 6 }), x);
}

export interface MaxPoolOptions {
  poolSize: number;
  strides: number;
  padding?: number;
  ceilMode?: boolean;
}

/**
 * torch MaxPool2d on a post-ReLU input: padding with zeros is exact there (torch pads with -inf, but
 * every window holds at least one real value >= 0). ceil_mode adds one zero row/column on the
 * bottom/right whenever ceil and floor output sizes differ.
 */
export function maxPool(x: Sym, name: string, o: MaxPoolOptions): Sym {
  const pad = o.padding ?? 0;
  const [h, w] = spatial(x);
  const extra = (n: number) => {
    if (!o.ceilMode) return 0;
    const span = n + 2 * pad - o.poolSize;
    let ceilOut = Math.ceil(span / o.strides) + 1;
    // torch drops a last window that would start inside the right padding only
    if ((ceilOut - 1) * o.strides >= n + pad) ceilOut -= 1;
    return Math.max(0, (ceilOut - 1) * o.strides + o.poolSize - (n + 2 * pad));
  };
  const [eh, ew] = [extra(h), extra(w)];
  const padded = pad === 0 && eh === 0 && ew === 0
    ? x
    : zeroPad(x, `${name}.pad`, [[pad, pad + eh], [pad, pad + ew]]);
  return apply(tf.layers.maxPooling2d({ name, poolSize: o.poolSize, strides: o.strides, padding: 'valid' }), padded);
}

/** The ImageNet stem shared by ResNet and DenseNet: conv 7x7/2 (64) → BN → ReLU → max-pool 3x3/2, torchvision names. */
export function imagenetStem(input: Sym, names: { conv: string; norm: string; relu: string; pool: string }): Sym {
  const x = conv(input, names.conv, { filters: 64, kernelSize: 7, strides: 2, padding: 3 });
  return maxPool(relu(batchNorm(x, names.norm), names.relu), names.pool, { poolSize: 3, strides: 2, padding: 1 });
}

export function globalAvgPool(x: Sym, name: string): Sym {
  return apply(tf.layers.globalAveragePooling2d({ name }), x);
}

/** torch Linear (bias included). */
export function linear(x: Sym, name: string, units: number,
  kernelInitializer: Initializer = linearInit()): Sym {
  return apply(tf.layers.dense({ name, units, kernelInitializer }), x);
}

export function dropout(x: Sym, name: string, rate: number): Sym {
  return apply(tf.layers.dropout({ name, rate }), x);
}

export function add(xs: Sym[], name: string): Sym {
  return apply(tf.layers.add({ name }), xs);
}

export function concat(xs: Sym[], name: string): Sym {
  return apply(tf.layers.concatenate({ name, axis: -1 }), xs);
}
