import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { ExplainItem, ExplainRequest, ExplainResult, JobEventSink } from '../../shared/engineProtocol';
import { camFileStem, RUN_FILES, RUN_LAYOUT_VERSION, type CamFile, type CamRaw, type CamScale } from '../../shared/runFiles';
import { COLORMAPS, isColormap, scaleCam, unionRange } from '../../shared/camDisplay';
import { argMax } from '../../shared/format';
import { writeJsonAtomic } from '../io/atomic';
import { loadDisplayImage, loadImageTensorData, type Normalization } from '../dataset/preprocess';
import { BaseCam, type CamResult } from '../cam/baseCam';
import { getCamMethod, listCamMethods } from '../cam/methods';
import { writeCamImages } from '../cam/camImages';
import { openRunCheckpoint } from '../run/checkpoint';
import { RunStore } from '../run/runStore';
import { ConfigError } from '../errors';

/** The explain request's fields, plus the overlay's heatmap opacity (alpha: show_cam_on_image's 1 − image_weight). */
export type ExplainOptions = Omit<ExplainRequest, 'type' | 'id'> & { alpha?: number; signal?: AbortSignal; emit: JobEventSink };

/** Largest side of the overlay written beside the image: enough to read, small enough to send to a webview. */
const DISPLAY_SIZE = 512;

/**
 * CAM (Grad-CAM unless `method` says otherwise, with aug-smooth / eigen-smooth when asked) heatmap, overlay and class
 * probabilities for each image, with a run's checkpoint. Files are named by image, class, method, options and layer.
 */
export async function explainImages(o: ExplainOptions): Promise<ExplainResult> {
  const method = getCamMethod(o.method);
  const run = await RunStore.open(o.runDir);
  const { classes } = run.info.dataset;
  if (o.classIndex !== undefined && !(o.classIndex >= 0 && o.classIndex < classes.length)) {
    throw new Error(`Class ${o.classIndex} does not exist; this run's classes are ${classes.map((c, i) => `${i}=${c}`).join(', ')}.`);
  }
  const { model } = await openRunCheckpoint(run, o.checkpoint, (message) => o.emit({ type: 'log', level: 'warn', message }));
  const layer = o.layer ?? run.info.model.camLayer;
  if (!model.layers.some((l) => l.name === layer)) {
    const last = model.layers.slice(-8).map((l) => l.name).join(', ');
    model.dispose();
    throw new Error(`Layer "${layer}" is not in this model; its last layers are: ${last}.`);
  }
  const candidateLayers = model.layers.filter(hasSpatialOutput).map((l) => l.name).reverse();
  if (!isFeatureMap(model.getLayer(layer))) {
    model.dispose();
    throw new ConfigError(`Layer "${layer}" has no spatial (4-D) output to explain; layers that do, deepest first: ${candidateLayers.slice(0, 12).join(', ')}${candidateLayers.length > 12 ? ', …' : ''}.`);
  }
  const augSmooth = o.augSmooth === true;
  const eigenSmooth = o.eigenSmooth === true;
  const scaleMode = o.scale ?? 'per-map';
  const colormap = o.colormap ?? 'jet';
  const refuse = (message: string) => { model.dispose(); return new ConfigError(message); };
  if (!isColormap(colormap)) throw refuse(`Unknown colormap "${colormap}"; use one of ${COLORMAPS.join(', ')}.`);
  if (scaleMode !== 'per-map' && scaleMode !== 'shared') throw refuse(`Unknown CAM scale "${String(scaleMode)}"; use per-map or shared.`);
  if (scaleMode === 'shared' && augSmooth) {
    throw refuse('The scale shared across classes needs each class\'s unscaled map, but aug-smooth scales each augmented map before averaging (as pytorch-grad-cam does): use one of them.');
  }
  const cam = new BaseCam(model, layer, method, { augSmooth, eigenSmooth });
  const outDir = path.resolve(o.outDir ?? path.join(run.dir, RUN_FILES.cams));
  const norm = { imageSize: run.info.config.imageSize, normalization: run.info.model.normalization as Normalization };
  const items: ExplainItem[] = [];
  try {
    for (const [i, image] of o.images.entries()) {
      if (o.signal?.aborted) break;
      o.emit({ type: 'progress', phase: 'explain', done: i, total: o.images.length, message: path.basename(image) });
      const file = path.resolve(image);
      const data = await loadImageTensorData(file, norm).catch((e: Error) => {
        throw new Error(`Cannot read ${file}: ${e.message}`);
      });
      const input = tf.tensor4d(data, [1, norm.imageSize, norm.imageSize, 3]);
      const { result, scale } = (() => { try { return computeScaled(cam, input, classes.length, o.classIndex, scaleMode); } finally { input.dispose(); } })();
      const display = await loadDisplayImage(file, DISPLAY_SIZE);
      const className = classes[result.classIndex];
      const stem = camFileStem({ imageKey: await imageKey(file), className, method: method.id, augSmooth, eigenSmooth, layer, defaultLayer: run.info.model.camLayer, scale: scaleMode });
      const prefix = path.join(outDir, stem);
      await fs.mkdir(outDir, { recursive: true });
      const scaled = { cam: scaleCam(result.unscaled, scale), width: result.width, height: result.height };
      const { heatmap, overlay } = await writeCamImages(scaled, display, prefix, { alpha: o.alpha, colormap });
      const json = `${prefix}.json`;
      const item: ExplainItem = {
        image: file, classIndex: result.classIndex, className, probabilities: result.probabilities, layer, heatmap, overlay, json,
        raw: rawValues(result), scale, colormap,
      };
      const camFile: CamFile = { format: RUN_LAYOUT_VERSION, ...item, classes, method: method.id, augSmooth, eigenSmooth, runId: run.info.id, checkpoint: o.checkpoint ?? 'best' };
      await writeJsonAtomic(json, camFile);
      items.push(item);
    }
    o.emit({ type: 'progress', phase: 'explain', done: items.length, total: o.images.length });
  } finally {
    cam.dispose();
    model.dispose();
  }
  const methods = listCamMethods().map((m) => ({ id: m.id, label: m.label, usesGradients: m.usesGradients }));
  return { items, candidateLayers, methods };
}

/**
 * The map of the asked (else the predicted) class and the scale of its colours: its own range (per-map), or — 'shared' —
 * the range of every class's map of the image, computed as one batch of the image repeated once per class.
 */
function computeScaled(cam: BaseCam, input: tf.Tensor4D, numClasses: number, classIndex: number | undefined, mode: 'per-map' | 'shared'): { result: CamResult; scale: CamScale } {
  if (mode === 'per-map') {
    const result = cam.compute(input, classIndex);
    return { result, scale: { mode, ...result.range } };
  }
  const batch = tf.tile(input, [numClasses, 1, 1, 1]) as tf.Tensor4D;
  const all = (() => { try { return cam.computeBatch(batch, Array.from({ length: numClasses }, (_, c) => c)); } finally { batch.dispose(); } })();
  const result = all[classIndex ?? argMax(all[0].probabilities)];
  const classes = all.map((r) => r.range);
  return { result, scale: { mode, ...unionRange(classes), classes } };
}

/** The CAM's values for the JSON: at the layer's grid (else, with aug-smooth, at the input's size), in float32's 9 digits. */
function rawValues(result: CamResult): CamRaw {
  const grid = result.layerMap ?? { width: result.width, height: result.height, values: result.unscaled };
  return {
    width: grid.width, height: grid.height, values: Array.from(grid.values, (v) => Number(v.toPrecision(9))),
    inputWidth: result.width, inputHeight: result.height,
  };
}

/** A layer BaseCam can split at: one 4-D [batch, h, w, c] output. */
function isFeatureMap(layer: tf.layers.Layer): boolean {
  const shape = layer.outputShape;
  return Array.isArray(shape) && !Array.isArray(shape[0]) && shape.length === 4;
}

/** A feature map larger than 1 × 1: the layers worth offering as targets. */
function hasSpatialOutput(layer: tf.layers.Layer): boolean {
  return isFeatureMap(layer) && (((layer.outputShape as (number | null)[])[1] ?? 0) > 1);
}

/** Stable short key of an image's content, so a CAM is found again for the same file wherever it moves. */
async function imageKey(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex').slice(0, 12);
}
