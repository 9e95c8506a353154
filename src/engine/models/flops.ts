/**
 * Operations of one forward pass of a tfjs layers model, counted from its layers' shapes — for the bench's GFLOP/s
 * column and its share of the machine's measured sgemm peak.
 *
 * `macs`: multiply-accumulates of Conv2D, DepthwiseConv2D and Dense, exactly what torchvision's `_ops` metadata calls
 * GFLOPS (torch.utils.flop_counter on convolutions and matrix products, halved: ResNet18 1.814 at 224 px);
 * test/unit/flops.test.ts checks every architecture against it. `otherFlops`: the elementwise work torchvision leaves
 * out — BatchNorm (2 per element), pooling (one per window element), ReLU and Add (one per element); padding, concatenation,
 * flatten and dropout only move data. `flops` = 2·macs +
 * otherFlops, the figure comparable to a matrix product's 2·m·n·k. A training step is counted as 3 forward passes
 * (forward, and the two backward products of each layer: input and weight gradients).
 */
import type * as tf from '@tensorflow/tfjs';

export interface FlopCount { macs: number; otherFlops: number; flops: number; byClass: Record<string, number> }

type Shape = (number | null)[];

const elements = (s: Shape) => s.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);

function firstShape(s: Shape | Shape[]): Shape {
  return Array.isArray(s[0]) || s[0] === undefined ? (s as Shape[])[0] ?? [] : s as Shape;
}

/** Per-image counts (batch dimension ignored) of a model built for a fixed input size. */
export function countFlops(model: tf.LayersModel): FlopCount {
  let macs = 0;
  let otherFlops = 0;
  const byClass: Record<string, number> = {};
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const out = firstShape(layer.outputShape as Shape | Shape[]);
    const inShape = firstShape((Array.isArray(layer.input) ? layer.input.map((t) => t.shape) : layer.input.shape) as Shape | Shape[]);
    const cfg = layer.getConfig() as { kernelSize?: number | number[]; poolSize?: number | number[]; units?: number; depthMultiplier?: number };
    const kernel = (k: number | number[] | undefined) => (Array.isArray(k) ? k.reduce((a, b) => a * b, 1) : (k ?? 1) ** 2);
    let m = 0;
    let o = 0;
    switch (cls) {
      case 'Conv2D':
        m = elements(out) * kernel(cfg.kernelSize) * (inShape.at(-1) ?? 0);
        break;
      case 'DepthwiseConv2D':
        m = elements(out) * kernel(cfg.kernelSize);
        break;
      case 'Dense':
        m = elements(out) * (inShape.at(-1) ?? 0);
        break;
      case 'BatchNormalization':
        o = 2 * elements(out);
        break;
      case 'MaxPooling2D': case 'AveragePooling2D':
        o = elements(out) * kernel(cfg.poolSize);
        break;
      case 'GlobalAveragePooling2D': case 'GlobalMaxPooling2D':
        o = elements(inShape);
        break;
      case 'ReLU': case 'Activation':
        o = elements(out);
        break;
      case 'Add':
        o = elements(out) * ((Array.isArray(layer.input) ? layer.input.length : 2) - 1);
        break;
      default:
        break; // InputLayer, ZeroPadding2D, Concatenate, Flatten, Dropout: data movement, no arithmetic
    }
    macs += m;
    otherFlops += o;
    if (m || o) byClass[cls] = (byClass[cls] ?? 0) + 2 * m + o;
  }
  return { macs, otherFlops, flops: 2 * macs + otherFlops, byClass };
}

/** FLOPs per image of a training step (forward + backward ≈ 3 forwards) or of inference. */
export function stepFlops(count: FlopCount, kind: 'train' | 'infer'): number {
  return count.flops * (kind === 'train' ? 3 : 1);
}
