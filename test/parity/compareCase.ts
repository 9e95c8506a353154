import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GradCam } from '../../src/engine/cam/gradCam';
import { modelFromWeightsFile } from '../../src/engine/zoo/weightsFile';

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
}

export interface CaseResult {
  name: string;
  arch: string;
  peer: string;
  /** max |ours - peer| / max |peer| over all logits. */
  logitsRelErr: number;
  activationRelErr?: number;
  /** Pearson correlation of the two Grad-CAM maps at input resolution. */
  camCorrelation?: number;
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

export async function compareCase(dir: string): Promise<CaseResult> {
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
    } finally {
      input.dispose();
    }
    result.seconds = (Date.now() - started) / 1000;
    return result;
  } finally {
    model.dispose();
  }
}
