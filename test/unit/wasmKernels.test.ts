/**
 * Our wasm training kernels against the cpu backend and against finite differences (the reference neither
 * backend can bias). Finite differences evaluate all perturbations of a tensor in one batched cpu forward
 * call: input perturbations are stacked along the batch, filter perturbations along the output channels.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels, wasmTrainingKernelsRegistered } from '../../src/engine/wasm';
import { backpropInputTuning } from '../../src/engine/wasm/conv2dGrads';
import { broadcastBatchNormGradConfig, stockBatchNormGradConfig } from '../../src/engine/wasm/batchNormGrad';
import { createRng } from '../../src/engine/random';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
type Shape4 = [number, number, number, number];
const ASYM: Pad = [[0, 0], [1, 2], [0, 1], [0, 0]];
const RTOL = 1e-4;

let stockMaxPoolGrad: tf.KernelConfig | undefined;

before(async () => {
  stockMaxPoolGrad = tf.getKernel('MaxPoolGrad', 'wasm');
  registerWasmTrainingKernels();
  assert.ok(await tf.setBackend('wasm'), 'wasm backend initialises');
  assert.ok(await tf.setBackend('cpu'));
});

// ---------- data and comparison helpers ----------

/** Seeded stream so the synthetic data are reproducible. */
function rng(seed: number): () => number {
  return createRng(seed).next;
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

function uniform(shape: number[], seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: size(shape) }, () => 2 * r() - 1);
}

/** Distinct values 0.1 apart (shuffled), so a 0.01 finite-difference step never changes a max-pool argmax. */
function distinct(shape: number[], seed: number, offset: number): Float32Array {
  const n = size(shape);
  const v = Float32Array.from({ length: n }, (_, i) => offset + 0.1 * i);
  const r = rng(seed);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [v[i], v[j]] = [v[j]!, v[i]!]; }
  return v;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= worst)) { worst = d; at = i; }
  }
  assert.ok(worst <= rtol * scale, `${label}: max |diff| ${worst.toExponential(2)} at ${at} > ${rtol} x ${scale.toExponential(2)}`);
}

/** Runs `f` on a backend and returns its tensors' values, disposing everything it made. */
async function valuesOn(backend: string, f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(f);
  const values = out.map((t) => t.dataSync() as Float32Array);
  tf.dispose(out);
  return values;
}

/** Values of one tensor computed on the current backend, disposing everything made. */
function valuesNow(f: () => tf.Tensor): Float32Array {
  const t = tf.tidy(f);
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

/**
 * Central differences of L(v) = sum(f(v) * c) for every coordinate of v. `losses` gets all perturbed copies of v
 * (plus, minus, plus, minus, ...) and returns L for each; the step is the float32 difference actually applied.
 */
function finiteDiff(v: Float32Array, eps: number, losses: (variants: Float32Array[]) => number[]): Float64Array {
  const variants: Float32Array[] = [];
  for (let i = 0; i < v.length; i++) {
    const plus = v.slice(); plus[i] = v[i]! + eps;
    const minus = v.slice(); minus[i] = v[i]! - eps;
    variants.push(plus, minus);
  }
  const l = losses(variants);
  return Float64Array.from({ length: v.length }, (_, i) =>
    (l[2 * i]! - l[2 * i + 1]!) / (variants[2 * i]![i]! - variants[2 * i + 1]![i]!));
}

/** Variants stacked along the batch axis; each variant's output is a contiguous block dotted with c (float64). */
function lossesStackedOnBatch(variants: Float32Array[], shape: Shape4, c: Float32Array, forward: (x: tf.Tensor4D) => tf.Tensor): number[] {
  const stacked = new Float32Array(variants.length * variants[0]!.length);
  variants.forEach((v, k) => stacked.set(v, k * v.length));
  const y = valuesNow(() => forward(tf.tensor4d(stacked, [variants.length * shape[0], shape[1], shape[2], shape[3]])));
  return variants.map((_, k) => { let s = 0; for (let j = 0; j < c.length; j++) s += y[k * c.length + j]! * c[j]!; return s; });
}

/**
 * Filter variants [R, M] stacked along the last axis as [R, K*M] (regular conv: M = Co, groups G = 1;
 * depthwise: M = multiplier, G = C). Output channel g*K*M + k*M + m belongs to variant k.
 */
function lossesStackedOnChannels(variants: Float32Array[], wShape: Shape4, groups: number, c: Float32Array, forward: (w: tf.Tensor4D) => tf.Tensor): number[] {
  const k = variants.length;
  const m = wShape[3];
  const rows = variants[0]!.length / m;
  const stacked = new Float32Array(rows * k * m);
  for (let r = 0; r < rows; r++) for (let v = 0; v < k; v++) for (let j = 0; j < m; j++) stacked[(r * k + v) * m + j] = variants[v]![r * m + j]!;
  const y = valuesNow(() => forward(tf.tensor4d(stacked, [wShape[0], wShape[1], wShape[2], k * m])));
  const pixels = c.length / (groups * m);
  const out = new Array<number>(k).fill(0);
  for (let p = 0; p < pixels; p++) {
    for (let g = 0; g < groups; g++) {
      for (let v = 0; v < k; v++) {
        for (let j = 0; j < m; j++) out[v]! += y[((p * groups + g) * k + v) * m + j]! * c[(p * groups + g) * m + j]!;
      }
    }
  }
  return out;
}

/** tf.memory() counts (tensors and backend buffers) must not grow when `f` runs again. */
async function assertNoLeak(backend: string, f: () => tf.Tensor[], label: string): Promise<void> {
  await tf.setBackend(backend);
  tf.dispose(tf.tidy(f));
  const before = tf.memory();
  for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(f));
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors, `${label}: numTensors`);
  assert.equal(after.numDataBuffers, before.numDataBuffers, `${label}: wasm buffers (intermediates freed)`);
}

// ---------- convolution gradients ----------

interface ConvCase { xShape: Shape4; k: number; s: number; pad: Pad; m?: number }

function convCases(depthwise: boolean): ConvCase[] {
  const cases: ConvCase[] = [];
  for (const hw of [[5, 5], [6, 7]] as const) {
    for (const k of depthwise ? [1, 3] : [1, 2, 3]) {
      for (const s of [1, 2]) {
        for (const pad of ['same', 'valid', ASYM] as Pad[]) {
          for (const m of depthwise ? [1, 2] : [undefined]) cases.push({ xShape: [2, hw[0], hw[1], 3], k, s, pad, m });
        }
      }
    }
  }
  return cases;
}

const describeCase = (c: ConvCase) => `x ${c.xShape.join('x')} k${c.k} s${c.s} pad ${JSON.stringify(c.pad)}${c.m ? ` m${c.m}` : ''}`;

function convSetup(c: ConvCase, depthwise: boolean, seed: number) {
  const wShape: Shape4 = [c.k, c.k, c.xShape[3], depthwise ? c.m! : 4];
  const info = tf.backend_util.computeConv2DInfo(c.xShape, wShape, c.s, 1, c.pad, undefined, depthwise);
  const forward = (x: tf.Tensor4D, w: tf.Tensor4D) =>
    depthwise ? tf.depthwiseConv2d(x, w, c.s, c.pad) : tf.conv2d(x, w, c.s, c.pad);
  return {
    wShape, forward,
    x: uniform(c.xShape, seed), w: uniform(wShape, seed + 1), dy: uniform(info.outShape, seed + 2),
  };
}

/** dL/dx and dL/dw of L = sum(conv(x, w) * dy): exercises the backprop-input and backprop-filter kernels. */
function convGrads(c: ConvCase, d: ReturnType<typeof convSetup>): () => tf.Tensor[] {
  return () => {
    const dy = tf.tensor(d.dy, tf.backend_util.computeConv2DInfo(c.xShape, d.wShape, c.s, 1, c.pad, undefined, c.m != null).outShape);
    return tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(d.forward(x as tf.Tensor4D, w as tf.Tensor4D), dy)))(
      [tf.tensor4d(d.x, c.xShape), tf.tensor4d(d.w, d.wShape)]);
  };
}

async function checkConvCase(c: ConvCase, depthwise: boolean, seed: number): Promise<void> {
  const d = convSetup(c, depthwise, seed);
  const label = `${depthwise ? 'depthwise' : 'conv2d'} ${describeCase(c)}`;
  const [wx, ww] = await valuesOn('wasm', convGrads(c, d));
  const [cx, cw] = await valuesOn('cpu', convGrads(c, d));
  assertClose(wx!, cx!, RTOL, `${label} dx wasm vs cpu`);
  assertClose(ww!, cw!, RTOL, `${label} dw wasm vs cpu`);
  // Convolution is linear, so a large step is exact up to float32 rounding of the outputs.
  const numX = finiteDiff(d.x, 0.5, (vs) => lossesStackedOnBatch(vs, c.xShape, d.dy, (x) => d.forward(x, tf.tensor4d(d.w, d.wShape))));
  const numW = finiteDiff(d.w, 0.5, (vs) => lossesStackedOnChannels(vs, d.wShape, depthwise ? c.xShape[3] : 1, d.dy,
    (w) => d.forward(tf.tensor4d(d.x, c.xShape), w)));
  assertClose(wx!, numX, RTOL, `${label} dx wasm vs finite differences`);
  assertClose(ww!, numW, RTOL, `${label} dw wasm vs finite differences`);
}

describe('Conv2DBackpropInput / Conv2DBackpropFilter on wasm', () => {
  test('match cpu and finite differences over strides, paddings, odd and even sizes (convolution path)', async () => {
    backpropInputTuning.minDyPixelsForConvPath = 0;
    try {
      let seed = 10;
      for (const c of convCases(false)) await checkConvCase(c, false, seed += 3);
    } finally {
      backpropInputTuning.minDyPixelsForConvPath = 64;
    }
  });

  test('the stock-loop fallback for tiny problems gives the same dx as the convolution path', async () => {
    for (const c of convCases(false).filter((_, i) => i % 5 === 0)) {
      const d = convSetup(c, false, 99);
      backpropInputTuning.minDyPixelsForConvPath = 0;
      const [viaConv] = await valuesOn('wasm', convGrads(c, d));
      backpropInputTuning.minDyPixelsForConvPath = Number.MAX_SAFE_INTEGER;
      const [viaStock] = await valuesOn('wasm', convGrads(c, d));
      backpropInputTuning.minDyPixelsForConvPath = 64;
      assertClose(viaConv!, viaStock!, RTOL, `fallback ${describeCase(c)}`);
    }
  });

  test('a larger batch-4 case (default dispatch) matches cpu', async () => {
    const c: ConvCase = { xShape: [4, 9, 10, 5], k: 3, s: 2, pad: 'same' };
    const d = convSetup(c, false, 7);
    const [wx, ww] = await valuesOn('wasm', convGrads(c, d));
    const [cx, cw] = await valuesOn('cpu', convGrads(c, d));
    assertClose(wx!, cx!, RTOL, 'batch 4 dx');
    assertClose(ww!, cw!, RTOL, 'batch 4 dw');
  });

  test('repeated calls leave no tensors or wasm buffers behind', async () => {
    const c: ConvCase = { xShape: [2, 6, 7, 3], k: 3, s: 2, pad: ASYM };
    backpropInputTuning.minDyPixelsForConvPath = 0;
    try {
      await assertNoLeak('wasm', convGrads(c, convSetup(c, false, 5)), 'conv2d grads');
    } finally {
      backpropInputTuning.minDyPixelsForConvPath = 64;
    }
  });
});

describe('DepthwiseConv2dNativeBackpropInput / BackpropFilter on wasm', () => {
  test('match cpu and finite differences (multiplier 1 and 2)', async () => {
    let seed = 500;
    for (const c of convCases(true)) await checkConvCase(c, true, seed += 3);
  });

  test('repeated calls leave no tensors or wasm buffers behind', async () => {
    const c: ConvCase = { xShape: [2, 6, 7, 3], k: 3, s: 2, pad: 'same', m: 2 };
    await assertNoLeak('wasm', convGrads(c, convSetup(c, true, 5)), 'depthwise grads');
  });
});

// ---------- pooling gradients ----------

interface PoolCase { xShape: Shape4; k: number; s: number; pad: 'same' | 'valid' }

function poolCases(): PoolCase[] {
  const cases: PoolCase[] = [];
  for (const hw of [[5, 5], [6, 7]] as const) {
    for (const k of [2, 3]) for (const s of [1, 2]) for (const pad of ['same', 'valid'] as const) cases.push({ xShape: [2, hw[0], hw[1], 3], k, s, pad });
  }
  return cases;
}

function poolGrad(kind: 'max' | 'avg', c: PoolCase, x: Float32Array, dy: Float32Array): () => tf.Tensor[] {
  return () => {
    const pool = (t: tf.Tensor4D) => (kind === 'max' ? tf.maxPool(t, c.k, c.s, c.pad) : tf.avgPool(t, c.k, c.s, c.pad));
    const outShape = tf.backend_util.computePool2DInfo(c.xShape, c.k, c.s, 1, c.pad).outShape;
    return [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t as tf.Tensor4D), tf.tensor(dy, outShape))))(tf.tensor4d(x, c.xShape))];
  };
}

function poolFiniteDiff(kind: 'max' | 'avg', c: PoolCase, x: Float32Array, dy: Float32Array): Float64Array {
  const forward = (t: tf.Tensor4D) => (kind === 'max' ? tf.maxPool(t, c.k, c.s, c.pad) : tf.avgPool(t, c.k, c.s, c.pad));
  return finiteDiff(x, kind === 'max' ? 0.01 : 0.5, (vs) => lossesStackedOnBatch(vs, c.xShape, dy, forward));
}

describe('MaxPoolGrad on wasm (replaces the stock kernel)', () => {
  test('matches cpu and finite differences, including windows with no positive value', async () => {
    let seed = 900;
    for (const c of poolCases()) {
      for (const offset of [-10, -3]) { // all negative, and mixed sign
        const x = distinct(c.xShape, seed++, offset);
        const dy = uniform(tf.backend_util.computePool2DInfo(c.xShape, c.k, c.s, 1, c.pad).outShape, seed++);
        const label = `maxPool x ${c.xShape.join('x')} k${c.k} s${c.s} ${c.pad} offset ${offset}`;
        const [w] = await valuesOn('wasm', poolGrad('max', c, x, dy));
        const [cpu] = await valuesOn('cpu', poolGrad('max', c, x, dy));
        assertClose(w!, cpu!, RTOL, `${label} wasm vs cpu`);
        assertClose(w!, poolFiniteDiff('max', c, x, dy), RTOL, `${label} wasm vs finite differences`);
      }
    }
  });

  test('the stock wasm kernel it replaces is wrong on all-negative windows (why it is replaced)', async () => {
    assert.ok(stockMaxPoolGrad, 'stock MaxPoolGrad was registered before ours');
    await tf.setBackend('wasm');
    const x = tf.tensor4d([-3, -2, -1, -4], [1, 2, 2, 1]);
    const dy = tf.tensor4d([1], [1, 1, 1, 1]);
    const attrs = { filterSize: 2, strides: 2, pad: 'valid' } as unknown as tf.NamedAttrMap;
    const info = stockMaxPoolGrad.kernelFunc({ inputs: { dy, input: x, output: x }, backend: tf.backend(), attrs }) as tf.TensorInfo;
    const stock = tf.engine().makeTensorFromTensorInfo(info);
    const ours = tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid').sum())(x);
    assert.deepEqual(Array.from(ours.dataSync()), [0, 0, 1, 0], 'gradient goes to the maximum (-1)');
    assert.notDeepEqual(Array.from(stock.dataSync()), [0, 0, 1, 0], 'stock kernel misroutes it');
    tf.dispose([x, dy, stock, ours]);
  });

  test('repeated calls leave no tensors behind', async () => {
    const c: PoolCase = { xShape: [2, 6, 7, 3], k: 3, s: 2, pad: 'same' };
    await assertNoLeak('wasm', poolGrad('max', c, distinct(c.xShape, 1, -5), uniform([2, 3, 4, 3], 2)), 'maxPoolGrad');
  });
});

describe('AvgPoolGrad on wasm (replaces the stock kernel)', () => {
  test('matches finite differences everywhere and cpu where cpu is right (valid padding)', async () => {
    let seed = 1300;
    for (const c of poolCases()) {
      const x = uniform(c.xShape, seed++);
      const dy = uniform(tf.backend_util.computePool2DInfo(c.xShape, c.k, c.s, 1, c.pad).outShape, seed++);
      const label = `avgPool x ${c.xShape.join('x')} k${c.k} s${c.s} ${c.pad}`;
      const [w] = await valuesOn('wasm', poolGrad('avg', c, x, dy));
      assertClose(w!, poolFiniteDiff('avg', c, x, dy), RTOL, `${label} wasm vs finite differences`);
      const [cpu] = await valuesOn('cpu', poolGrad('avg', c, x, dy));
      // cpu (like stock wasm) divides by kH*kW even where a 'same' window overlaps the padding.
      if (c.pad === 'valid') assertClose(w!, cpu!, RTOL, `${label} wasm vs cpu`);
    }
  });

  test('cpu avgPool gradient is wrong for same padding (documents why cpu is not the reference there)', async () => {
    const c: PoolCase = { xShape: [1, 5, 5, 2], k: 3, s: 2, pad: 'same' };
    const x = uniform(c.xShape, 3);
    const dy = uniform([1, 3, 3, 2], 4);
    const [cpu] = await valuesOn('cpu', poolGrad('avg', c, x, dy));
    assert.throws(() => assertClose(cpu!, poolFiniteDiff('avg', c, x, dy), 1e-2, 'cpu'));
  });
});

// ---------- batch normalisation gradient ----------

describe('FusedBatchNorm gradient (broadcast instead of tile)', () => {
  const xShape: Shape4 = [2, 3, 3, 2];
  const x = uniform(xShape, 21);
  const gamma = Float32Array.from([1.5, -0.7]);
  const beta = Float32Array.from([0.2, -0.1]);
  const dy = uniform(xShape, 22);
  /** The layers training path: batch statistics from tf.moments, then tf.batchNorm. */
  const loss = (xt: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(xt, [0, 1, 2]);
    return tf.sum(tf.mul(tf.batchNorm(xt as tf.Tensor4D, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, 1e-3), tf.tensor(dy, xShape)));
  };
  const grads = () => tf.grads(loss)([tf.tensor4d(x, xShape), tf.tensor1d(gamma), tf.tensor1d(beta)]);

  test('is the registered gradient and matches tfjs-core\'s own on cpu and wasm', async () => {
    assert.equal(tf.getGradient('FusedBatchNorm'), broadcastBatchNormGradConfig);
    const stock = stockBatchNormGradConfig();
    assert.ok(stock && stock !== broadcastBatchNormGradConfig);
    const oursCpu = await valuesOn('cpu', grads);
    const oursWasm = await valuesOn('wasm', grads);
    tf.registerGradient(stock);
    try {
      const stockCpu = await valuesOn('cpu', grads);
      oursCpu.forEach((g, i) => assertClose(g, stockCpu[i]!, 1e-5, `input ${i} ours vs stock (cpu)`));
      oursWasm.forEach((g, i) => assertClose(g, stockCpu[i]!, 1e-5, `input ${i} ours (wasm) vs stock (cpu)`));
    } finally {
      tf.registerGradient(broadcastBatchNormGradConfig);
    }
  });

  test('matches finite differences (nonlinear: eps 1e-2, tolerance 5e-4)', async () => {
    const ours = await valuesOn('wasm', grads);
    await tf.setBackend('cpu');
    const evalLoss = (xv: Float32Array, gv: Float32Array, bv: Float32Array) => {
      const yv = valuesNow(() => {
        const xt = tf.tensor4d(xv, xShape);
        const { mean, variance } = tf.moments(xt, [0, 1, 2]);
        return tf.batchNorm(xt, mean, variance, tf.tensor1d(bv), tf.tensor1d(gv), 1e-3);
      });
      let s = 0;
      for (let i = 0; i < yv.length; i++) s += yv[i]! * dy[i]!;
      return s;
    };
    const numX = finiteDiff(x, 1e-2, (vs) => vs.map((v) => evalLoss(v, gamma, beta)));
    const numG = finiteDiff(gamma, 1e-2, (vs) => vs.map((v) => evalLoss(x, v, beta)));
    const numB = finiteDiff(beta, 1e-2, (vs) => vs.map((v) => evalLoss(x, gamma, v)));
    assertClose(ours[0]!, numX, 5e-4, 'dx');
    assertClose(ours[1]!, numG, 5e-4, 'dgamma');
    assertClose(ours[2]!, numB, 5e-4, 'dbeta');
  });

  test('repeated calls leave no tensors behind', async () => {
    await assertNoLeak('wasm', grads, 'batchNorm grads');
  });
});

// ---------- one training step of a small net using every layer type ----------

function smallNet(): tf.LayersModel {
  const L = tf.layers;
  const init = (seed: number) => tf.initializers.glorotNormal({ seed });
  const inp = tf.input({ shape: [24, 24, 3] });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;
  let x = apply(L.zeroPadding2d({ padding: [[1, 2], [2, 1]] }), inp);
  x = apply(L.conv2d({ filters: 8, kernelSize: 3, strides: 2, useBias: false, kernelInitializer: init(1) }), x);
  x = apply(L.batchNormalization({ epsilon: 1e-3 }), x);
  x = apply(L.reLU({ maxValue: 6 }), x);
  const a = apply(L.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(2) }), x);
  const r = apply(L.add(), [a, x]);
  let d = apply(L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthwiseInitializer: init(3) }), r);
  d = apply(L.activation({ activation: 'relu6' }), d);
  const p = apply(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), r);
  let c = apply(L.concatenate(), [d, p]);
  c = apply(L.conv2d({ filters: 6, kernelSize: 1, activation: 'relu', kernelInitializer: init(4) }), c);
  c = apply(L.averagePooling2d({ poolSize: 2, strides: 2 }), c);
  const dm = apply(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, depthwiseInitializer: init(5) }), c);
  const g = apply(L.concatenate(), [apply(L.globalAveragePooling2d({}), c), apply(L.flatten(), dm)]);
  const out = apply(L.dense({ units: 3, activation: 'softmax', kernelInitializer: init(6) }), apply(L.dropout({ rate: 0.2, seed: 1 }), g));
  return tf.model({ inputs: inp, outputs: out });
}

async function oneStep(backend: string): Promise<{ before: Float32Array[]; after: Float32Array[]; tensorsGrew: number }> {
  await tf.setBackend(backend);
  const model = smallNet();
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  const xs = tf.tensor4d(uniform([4, 24, 24, 3], 77), [4, 24, 24, 3]);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3));
  const before = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  await model.trainOnBatch(xs, ys);
  const mid = tf.memory().numTensors;
  await model.trainOnBatch(xs, ys);
  const tensorsGrew = tf.memory().numTensors - mid;
  const after = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  tf.dispose([xs, ys]);
  model.optimizer.dispose();
  model.dispose();
  return { before, after, tensorsGrew };
}

describe('training step on wasm', () => {
  test('kernels are registered, and registering again changes nothing', () => {
    assert.ok(wasmTrainingKernelsRegistered());
    const before = tf.getKernel('Conv2DBackpropInput', 'wasm');
    registerWasmTrainingKernels();
    assert.equal(tf.getKernel('Conv2DBackpropInput', 'wasm'), before);
    assert.ok(wasmTrainingKernelsRegistered());
  });

  test('a small net with every layer type changes its weights as on cpu', async () => {
    const wasm = await oneStep('wasm');
    const cpu = await oneStep('cpu');
    assert.equal(wasm.tensorsGrew, 0, 'no tensors leak per wasm step');
    assert.equal(wasm.after.length, cpu.after.length);
    wasm.after.forEach((w, i) => {
      assertClose(wasm.before[i]!, cpu.before[i]!, 0, `weight ${i} initial`);
      const dW = w.map((v, j) => v - wasm.before[i]![j]!);
      const dC = cpu.after[i]!.map((v, j) => v - cpu.before[i]![j]!);
      assertClose(dW, dC, 1e-4, `weight ${i} change`);
    });
    assert.ok(wasm.after.some((w, i) => w.some((v, j) => v !== wasm.before[i]![j])), 'the step changed weights');
  });
});
