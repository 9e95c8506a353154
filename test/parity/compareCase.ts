import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GradCam } from '../../src/engine/cam/gradCam';
import { BaseCam } from '../../src/engine/cam/baseCam';
import { getCamMethod } from '../../src/engine/cam/methods';
import { modelFromWeightsFile } from '../../src/engine/zoo/weightsFile';
import { compareFaithfulness, readFaithfulnessFile, type FaithfulnessCheck } from './compareFaithfulness';

/**
 * One parity case written by make_torch.py / make_keras.py: the peer's weights file, an input batch,
 * the peer's logits and, optionally, an intermediate activation and a Grad-CAM map for image 0.
 */
export interface CaseMeta {
  arch: string;
  format: 'pth' | 'h5';
  weights: string;
  imageSize: number;
  inputShape: [number, number, number, number];
  numClasses: number;
  widthMultiplier?: number | null;
  peer: string;
  activation?: { layer: string; shape: number[] };
  cam?: { layer: string; classIndex: number; peer: string };
  /** File (cams.json) with pytorch-grad-cam's map of every CAM method variant for image 0. */
  cams?: string;
}

/**
 * cams.json: pytorch-grad-cam's maps for image 0 at `layer`, one per variant key '<method>[+aug][+eigen]'; each map
 * is base64 of every `stride`-th row and column of the [H,W] map, as float32 ('f32') or uint16 × 65535 ('u16').
 */
export interface CamsFile {
  layer: string;
  classIndex: number;
  peer: string;
  size: [number, number];
  stride: number;
  encoding: 'f32' | 'u16';
  maps: Record<string, string>;
}

/** One variant's comparison: our map against pytorch-grad-cam's. */
export interface MethodResult { key: string; method: string; augSmooth: boolean; eigenSmooth: boolean; correlation: number; seconds: number }

export interface CaseResult {
  name: string;
  arch: string;
  peer: string;
  /** max |ours - peer| / max |peer| over all logits. */
  logitsRelErr: number;
  activationRelErr?: number;
  /** Pearson correlation of the two Grad-CAM maps at input resolution. */
  camCorrelation?: number;
  /** Every method variant of cams.json. */
  methods?: MethodResult[];
  methodsLayer?: string;
  /** faithfulness.json: our ROAD / confidence-change scores against pytorch-grad-cam's and torch-cam's. */
  faithfulness?: FaithfulnessCheck[];
  seconds: number;
}

async function readF32(file: string): Promise<Float32Array> {
  const buf = await fs.readFile(file);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

export function maxRelErr(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (ours.length !== ref.length) throw new Error(`length ${ours.length} vs ${ref.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return diff / (scale || 1);
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n; mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db; saa += da * da; sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Decode one map of a cams.json. */
export function decodeCamMap(file: CamsFile, key: string): Float32Array {
  const buf = Buffer.from(file.maps[key], 'base64');
  if (file.encoding === 'u16') {
    const u = new Uint16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    return Float32Array.from(u, (v) => v / 65535);
  }
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Every `stride`-th row and column of an [height,width] map (as make_torch.py's encode_map). */
export function subsample(map: ArrayLike<number>, height: number, width: number, stride: number): Float32Array {
  const out: number[] = [];
  for (let y = 0; y < height; y += stride) for (let x = 0; x < width; x += stride) out.push(map[y * width + x]);
  return Float32Array.from(out);
}

export function parseVariantKey(key: string): { method: string; augSmooth: boolean; eigenSmooth: boolean } {
  const [method, ...flags] = key.split('+');
  return { method, augSmooth: flags.includes('aug'), eigenSmooth: flags.includes('eigen') };
}

/**
 * Our map of every variant in `file` for `input` ([1,H,W,3]) with `model`, against the peer's.
 * `only` (method ids) limits the variants compared.
 */
export function compareMethods(model: tf.LayersModel, input: tf.Tensor4D, file: CamsFile, opts: { only?: string[]; batchSize?: number } = {}): MethodResult[] {
  const results: MethodResult[] = [];
  for (const key of Object.keys(file.maps)) {
    const v = parseVariantKey(key);
    if (opts.only && !opts.only.includes(v.method)) continue;
    const started = Date.now();
    const cam = new BaseCam(model, file.layer, getCamMethod(v.method), { augSmooth: v.augSmooth, eigenSmooth: v.eigenSmooth, batchSize: opts.batchSize });
    try {
      const ours = cam.compute(input, file.classIndex);
      const seconds = (Date.now() - started) / 1000;
      const peer = decodeCamMap(file, key);
      const mine = subsample(ours.cam, ours.height, ours.width, file.stride);
      results.push({ key, ...v, correlation: pearson(mine, peer), seconds });
    } finally {
      cam.dispose();
    }
  }
  return results;
}

export async function compareCase(dir: string, opts: { methods?: string[]; faithfulness?: boolean } = {}): Promise<CaseResult> {
  const started = Date.now();
  const meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as CaseMeta;
  const { model } = await modelFromWeightsFile(path.join(dir, meta.weights), meta.arch, {
    imageSize: meta.imageSize, includeTop: true, widthMultiplier: meta.widthMultiplier ?? undefined,
  });
  try {
    const input = tf.tensor4d(await readF32(path.join(dir, 'input.f32')), meta.inputShape);
    const result: CaseResult = { name: path.basename(dir), arch: meta.arch, peer: meta.peer, logitsRelErr: NaN, seconds: 0 };
    try {
      const logits = tf.tidy(() => model.predict(input) as tf.Tensor);
      result.logitsRelErr = maxRelErr(await logits.data(), await readF32(path.join(dir, 'logits.f32')));
      logits.dispose();
      if (meta.activation) {
        const layer = model.getLayer(meta.activation.layer);
        const probe = tf.model({ inputs: model.inputs, outputs: layer.getOutputAt(0) as tf.SymbolicTensor });
        const act = tf.tidy(() => probe.predict(input) as tf.Tensor);
        result.activationRelErr = maxRelErr(await act.data(), await readF32(path.join(dir, 'activation.f32')));
        act.dispose();
      }
      if (meta.cam) {
        const cam = new GradCam(model, meta.cam.layer);
        const first = tf.slice(input, [0, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
        const ours = cam.compute(first, meta.cam.classIndex);
        first.dispose();
        cam.dispose();
        result.camCorrelation = pearson(ours.cam, await readF32(path.join(dir, 'cam.f32')));
      }
      if (meta.cams) {
        const file = JSON.parse(await fs.readFile(path.join(dir, meta.cams), 'utf8')) as CamsFile;
        const first = tf.slice(input, [0, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
        try {
          result.methods = compareMethods(model, first, file, { only: opts.methods });
          result.methodsLayer = file.layer;
        } finally {
          first.dispose();
        }
      }
      const faithfulness = opts.faithfulness === false ? undefined : await readFaithfulnessFile(dir);
      if (faithfulness) {
        const first = tf.slice(input, [0, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
        try {
          result.faithfulness = compareFaithfulness(model, first, faithfulness, { endToEnd: true });
        } finally {
          first.dispose();
        }
      }
    } finally {
      input.dispose();
    }
    result.seconds = (Date.now() - started) / 1000;
    return result;
  } finally {
    model.dispose();
  }
}
