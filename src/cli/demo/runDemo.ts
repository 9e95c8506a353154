import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import type { EngineRequest, ResultByRequest } from '../../shared/engineProtocol';
import { RUN_FILES, RUNS_DIR } from '../../shared/runFiles';
import { generatePhantomDataset } from './phantom';
import { readEvalFile } from '../../engine/run/runFiles';
import { formatEval } from '../printResult';

type Run = <R extends Exclude<EngineRequest, { type: 'cancel' | 'info' }>>(req: R) => Promise<ResultByRequest[R['type']]>;

/**
 * The main job on a default it makes itself: a phantom X-ray dataset, a small model trained for a few epochs,
 * its test-set evaluation and Grad-CAMs of a few test images. No network; about two minutes on 2 cores.
 */
export async function runDemo(outDir: string, run: Run, say: (text: string) => void): Promise<void> {
  const root = path.resolve(outDir);
  const data = path.join(root, 'phantom-cxr');
  const runDir = path.join(root, RUNS_DIR, `demo-${Date.now()}`);
  say(`Generating a phantom chest X-ray dataset in ${data} …`);
  await fs.rm(data, { recursive: true, force: true });
  const phantom = await generatePhantomDataset(data, { perClass: 50, size: 96, seed: 1, classes: 4 });
  say(`  ${phantom.files} images, classes: ${phantom.classes.join(', ')}`);

  say('Training resnet18 (64 px, 8 epochs, Adam, weighted sampler) …');
  const trained = await run({
    type: 'train', id: 0, dataset: data, runDir,
    config: { arch: 'resnet18', imageSize: 64, epochs: 8, batchSize: 16, lr: 1e-3, scheduler: 'step', stepSize: 6, valPerClass: 8, testPerClass: 8, seed: 1 },
  });
  if (trained.status !== 'completed') throw new Error(`Training ${trained.status}; the run is in ${trained.runDir}.`);

  const evaluation = await run({ type: 'evaluate', id: 0, runDir });
  say(formatEval(evaluation));

  const predictions = (await readEvalFile(evaluation.jsonPath))?.predictions ?? [];
  const onePerClass = phantom.classes.map((_, c) => predictions.find((p) => p.label === c)?.file).filter((f): f is string => !!f);
  const explained = await run({ type: 'explain', id: 0, runDir, images: onePerClass });
  say('Grad-CAM overlays:');
  for (const item of explained.items) say(`  ${path.relative(root, item.image)} → ${item.className} (${(100 * item.probabilities[item.classIndex]).toFixed(0)}%): ${item.overlay}`);

  say('');
  say(`Everything is in ${root}:`);
  say(`  dataset        ${data}`);
  say(`  run            ${runDir}  (${[RUN_FILES.run, RUN_FILES.history, RUN_FILES.split, RUN_FILES.best, RUN_FILES.last].join(', ')})`);
  say(`  evaluation     ${evaluation.jsonPath}, ${evaluation.pngPath}`);
  say(`  Grad-CAMs      ${path.join(runDir, RUN_FILES.cams)}`);
}
