/**
 * Child process for one measurement of our engine (run.ts starts one per row, so memory, wasm heap and backend
 * state never leak between rows and maxRSS is this row's own). Usage: node --import tsx bench/ours.ts '<OurTask json>'.
 * Prints the Measured result as the last stdout line.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendInfo } from '../src/engine/backend';
import { createModel } from '../src/engine/zoo/createModel';
import { countFlops } from '../src/engine/models/flops';
import { GradCam } from '../src/engine/cam/gradCam';
import { loadImageTensorData } from '../src/engine/dataset/preprocess';
import { pickMicroBatch } from '../src/engine/train/microBatch';
import { trainStep, trainableVariables } from '../src/engine/train/step';
import { measurePipeline } from './pipeline';
import { measureTrainingRss } from './rss';
import { median, NUM_CLASSES, type CamBatchTask, type CamTask, type Measured, type ModelTask, type OurTask, type PeakTask } from './tasks';

/** Seconds of each of `steps` calls after `warmup` untimed ones. */
function timeSteps(warmup: number, steps: number, fn: () => void): number[] {
  for (let i = 0; i < warmup; i++) fn();
  return Array.from({ length: steps }, () => {
    const t0 = performance.now();
    fn();
    return (performance.now() - t0) / 1000;
  });
}

function randomInput(n: number, size: number): { x: Float32Array; labels: Int32Array } {
  const x = Float32Array.from({ length: n * size * size * 3 }, () => Math.random() * 4 - 2);
  return { x, labels: Int32Array.from({ length: n }, () => Math.floor(Math.random() * NUM_CLASSES)) };
}

/** The trainer's step: Adam (torch defaults), cross-entropy, micro-batches from the spec's memory figures. */
async function measureModel(t: ModelTask, backend: BackendInfo): Promise<Omit<Measured, 'maxRssMB'>> {
  const { model, spec } = await createModel(t.arch, { numClasses: NUM_CLASSES, imageSize: t.size });
  const { x, labels } = randomInput(t.batch, t.size);
  let step: () => void;
  let microBatch: number | undefined;
  if (t.kind === 'train') {
    const optimizer = tf.train.adam(1e-4, 0.9, 0.999, 1e-8);
    const vars = trainableVariables(model);
    const mb = (microBatch = pickMicroBatch(spec, t.size, t.batch, backend.name));
    // Reading a weight back makes sure the Adam update has run before the clock stops.
    step = () => { trainStep(model, optimizer, vars, x, labels, t.size, NUM_CLASSES, mb); vars[0].dataSync(); };
  } else {
    // As predictItems does it: one batch through the model in inference mode, softmax read back.
    step = () => tf.tidy(() => {
      const logits = model.apply(tf.tensor4d(x, [t.batch, t.size, t.size, 3]), { training: false }) as tf.Tensor;
      tf.softmax(logits).dataSync();
    });
  }
  const samples = timeSteps(t.warmup, t.steps, step);
  // Forward FLOPs per image counted from the layers (src/engine/models/flops.ts): the bench's GFLOP/s column.
  return { value: t.batch / median(samples), samples, info: { microBatch, forwardFlops: countFlops(model).flops } };
}

/** tf.matMul of two n×n float32 matrices on the backend, read back: 2·n³ FLOPs a call. */
function measurePeak(t: PeakTask): Omit<Measured, 'maxRssMB'> {
  const [a, b] = [tf.randomNormal([t.n, t.n]), tf.randomNormal([t.n, t.n])];
  // The callback returns nothing: tf.tidy walks a returned TypedArray element by element looking for tensors (1 M of
  // them here took ~2 s a call, and made the probe report 1 GFLOP/s).
  const samples = timeSteps(1, t.reps, () => { tf.tidy(() => { tf.matMul(a, b).dataSync(); }); });
  tf.dispose([a, b]);
  // A peak: the fastest call (the others lost time to the rest of the machine).
  return { value: (2 * t.n ** 3) / Math.min(...samples) / 1e9, samples, info: { n: t.n } };
}

async function measureGradCam(t: CamTask): Promise<Omit<Measured, 'maxRssMB'>> {
  const { model, camLayer, normalization } = await createModel(t.arch, { numClasses: NUM_CLASSES, imageSize: t.size });
  const data = t.image
    ? await loadImageTensorData(t.image, { imageSize: t.size, normalization })
    : randomInput(1, t.size).x;
  const input = tf.tensor4d(data, [1, t.size, t.size, 3]);
  const cam = new GradCam(model, camLayer);
  const samples = timeSteps(t.warmup, t.steps, () => cam.compute(input)).map((s) => s * 1000);
  return { value: median(samples), samples, info: { layer: camLayer } };
}

/** Grad-CAM of `images` inputs, `chunk` at a time through BaseCam.computeBatch; images decoded before the clock starts. */
async function measureGradCamBatch(t: CamBatchTask): Promise<Omit<Measured, 'maxRssMB'>> {
  const { model, camLayer, normalization } = await createModel(t.arch, { numClasses: NUM_CLASSES, imageSize: t.size });
  const per = t.size * t.size * 3;
  const data = new Float32Array(t.images * per);
  if (t.files) {
    if (t.files.length !== t.images) throw new Error(`gradcam-batch: ${t.files.length} files for ${t.images} images`);
    for (let i = 0; i < t.images; i++) data.set(await loadImageTensorData(t.files[i], { imageSize: t.size, normalization }), i * per);
  } else {
    data.set(randomInput(t.images, t.size).x);
  }
  const cam = new GradCam(model, camLayer);
  const chunkAt = (start: number): void => {
    const n = Math.min(t.chunk, t.images - start);
    const x = tf.tensor4d(data.subarray(start * per, (start + n) * per), [n, t.size, t.size, 3]);
    const maps = cam.computeBatch(x);
    x.dispose();
    if (maps.length !== n) throw new Error(`gradcam-batch: ${maps.length} maps for ${n} images`);
  };
  for (let w = 0; w < t.warmup; w++) chunkAt(0);
  const samples: number[] = [];
  for (let start = 0; start < t.images; start += t.chunk) {
    const t0 = performance.now();
    chunkAt(start);
    samples.push((performance.now() - t0) / 1000);
  }
  return { value: t.images / samples.reduce((a, b) => a + b, 0), samples, info: { layer: camLayer, numTensors: tf.memory().numTensors } };
}

function measure(task: OurTask, backend: BackendInfo | undefined): Promise<Omit<Measured, 'maxRssMB'>> {
  switch (task.kind) {
    case 'train': case 'infer': return measureModel(task, backend!);
    case 'gradcam': return measureGradCam(task);
    case 'gradcam-batch': return measureGradCamBatch(task);
    case 'pipeline': return measurePipeline(task);
    case 'rss': return measureTrainingRss(task);
    case 'backend': return Promise.resolve({ value: 0, samples: [], info: {} });
    case 'peak': return Promise.resolve(measurePeak(task));
  }
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2] ?? '') as OurTask;
  const backend = task.kind === 'pipeline' ? undefined : await initBackend(task.backend);
  const r = await measure(task, backend);
  const out: Measured = { ...r, maxRssMB: process.resourceUsage().maxRSS / 1024, info: { ...r.info, backend } };
  process.stdout.write(`\n${JSON.stringify(out)}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`bench child: ${e.message}\n`);
  process.exit(1);
});
