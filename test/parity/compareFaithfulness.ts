import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { BaseCam } from '../../src/engine/cam/baseCam';
import { getCamMethod } from '../../src/engine/cam/methods';
import { scoreFaithfulness, type FaithfulnessSettings, type FaithfulnessTarget } from '../../src/engine/cam/faithfulness';
import { roadLeastRelevantFirst, roadMostRelevantFirst } from '../../src/engine/cam/faithfulness/road';

/**
 * faithfulness.json, written by make_torch.py: for image 0 of a case and each map listed, the map pytorch-grad-cam
 * made (float32, input size, base64) and the faithfulness scores of pytorch-grad-cam 1.5.x (ROAD with the imputer's
 * noise set to 0, for the softmax-probability target and, when present, the logit target; DropInConfidence /
 * IncreaseInConfidence) and of torch-cam's ClassificationMetric (Average Drop, Increase in Confidence) on that map.
 */
export interface FaithfulnessFile {
  peer: string;
  maps: FaithfulnessMap[];
}

export interface FaithfulnessMap {
  method: string;
  layer: string;
  classIndex: number;
  noise: number;
  percentiles: number[];
  size: [number, number];
  /** base64 float32 [H, W]. */
  cam: string;
  values: {
    probability: RoadValues;
    logit?: RoadValues;
    'grad-cam-drop': number;
    'grad-cam-increase': number;
    'avg-drop': number;
    increase: number;
  };
}

interface RoadValues {
  'road-morf': number;
  'road-lerf': number;
  road: number;
  'road-morf-percentiles'?: number[];
  'road-lerf-percentiles'?: number[];
  'road-combined'?: number;
}

/** One number compared: ours on the peer's map (`ours`), and ours on our own map of the same method (`endToEnd`). */
export interface FaithfulnessCheck { method: string; what: string; peer: number; ours: number; endToEnd?: number }

export const FAITHFULNESS_FILE = 'faithfulness.json';

function decodeF32(b64: string): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

const noNoise = () => 0;

/**
 * Our faithfulness metrics on the peer's maps of `file` for `input` ([1,H,W,C]) with `model`, value by value against
 * pytorch-grad-cam's and torch-cam's; `endToEnd`: also on our own map of each method (thresholds then fall on slightly
 * different pixels, so those differ more).
 */
export function compareFaithfulness(model: tf.LayersModel, input: tf.Tensor4D, file: FaithfulnessFile, opts: { endToEnd?: boolean; batchSize?: number } = {}): FaithfulnessCheck[] {
  const [, height, width, channels] = input.shape;
  const image = input.dataSync() as Float32Array;
  const scoreFn = (batch: tf.Tensor4D) => model.predict(batch, { batchSize: batch.shape[0] }) as tf.Tensor;
  const checks: FaithfulnessCheck[] = [];
  for (const map of file.maps) {
    const peerCam = decodeF32(map.cam);
    let ownCam: Float32Array | undefined;
    if (opts.endToEnd) {
      const cam = new BaseCam(model, map.layer, getCamMethod(map.method));
      try { ownCam = cam.compute(input, map.classIndex).cam; } finally { cam.dispose(); }
    }
    const run = (cam: Float32Array, target: FaithfulnessTarget) => {
      const settings: FaithfulnessSettings = { percentiles: map.percentiles, noise: map.noise, normalFor: () => noNoise, target, tolerance: 1e-8 };
      const values = scoreFaithfulness(scoreFn, { image, height, width, channels, cam, targetClass: map.classIndex }, settings, { batchSize: opts.batchSize }).values;
      // Per percentile: each percentile as its own one-element average.
      const per = (metric: typeof roadMostRelevantFirst) => map.percentiles.map((p) =>
        scoreFaithfulness(scoreFn, { image, height, width, channels, cam, targetClass: map.classIndex }, { ...settings, percentiles: [p] }, { metrics: [metric] }).values[metric.id]);
      return { values, per };
    };
    for (const target of ['probability', 'logit'] as const) {
      const peer = map.values[target];
      if (!peer) continue;
      const ours = run(peerCam, target);
      const own = ownCam ? run(ownCam, target) : undefined;
      for (const id of ['road-morf', 'road-lerf', 'road'] as const) {
        checks.push({ method: map.method, what: `${id} (${target})`, peer: peer[id], ours: ours.values[id], endToEnd: own?.values[id] });
      }
      if (peer['road-combined'] !== undefined) checks.push({ method: map.method, what: `ROADCombined (${target})`, peer: peer['road-combined'], ours: ours.values.road });
      for (const [key, metric] of [['road-morf-percentiles', roadMostRelevantFirst], ['road-lerf-percentiles', roadLeastRelevantFirst]] as const) {
        const values = peer[key];
        if (!values) continue;
        const mine = ours.per(metric);
        values.forEach((v, i) => checks.push({ method: map.method, what: `${metric.id} p${map.percentiles[i]} (${target})`, peer: v, ours: mine[i] }));
      }
      if (target === 'probability') {
        for (const id of ['avg-drop', 'increase'] as const) {
          checks.push({ method: map.method, what: `${id} (torch-cam)`, peer: map.values[id], ours: ours.values[id], endToEnd: own?.values[id] });
        }
        // pytorch-grad-cam's DropInConfidence is torch-cam's drop without the division by p: compare through it.
        checks.push({ method: map.method, what: 'increase (pytorch-grad-cam)', peer: map.values['grad-cam-increase'], ours: ours.values.increase });
      }
    }
  }
  return checks;
}

export async function readFaithfulnessFile(dir: string): Promise<FaithfulnessFile | undefined> {
  const text = await fs.readFile(path.join(dir, FAITHFULNESS_FILE), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : JSON.parse(text) as FaithfulnessFile;
}
