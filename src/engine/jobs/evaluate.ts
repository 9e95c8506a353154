import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import type { EvalResult, JobEventSink, SplitName } from '../../shared/engineProtocol';
import { RUN_FILES } from '../../shared/runFiles';
import { readJson, writeJsonAtomic } from '../io/atomic';
import { scanDataset, DatasetError, type SplitName as Split } from '../dataset/scan';
import { splitFromRecord } from '../dataset/split';
import { computeMetrics } from '../metrics/metrics';
import { renderConfusionPng } from '../metrics/confusionPng';
import { openRunCheckpoint } from '../run/checkpoint';
import { RunStore } from '../run/runStore';
import { argMax, predictItems } from '../train/predict';
import type { Normalization } from '../dataset/preprocess';

export interface EvaluateOptions { runDir: string; split?: SplitName; data?: string; checkpoint?: 'best' | 'last'; signal?: AbortSignal; emit: JobEventSink }

/** Confusion matrix and per-class metrics of a run's checkpoint on one of its splits or on another dataset. */
export async function evaluateRun(o: EvaluateOptions): Promise<EvalResult> {
  const run = await RunStore.open(o.runDir);
  const { classes } = run.info.dataset;
  const progress = (phase: string) => (done: number, total: number) => o.emit({ type: 'progress', phase, done, total });
  let items, name: string;
  if (o.data) {
    const scan = await scanDataset(path.resolve(o.data), { classes, signal: o.signal, onProgress: progress('scan') });
    items = scan.items;
    name = `data-${path.basename(path.resolve(o.data))}`;
  } else {
    const split: Split = o.split ?? 'test';
    const scan = await scanDataset(run.info.dataset.root, { classes, signal: o.signal, onProgress: progress('scan') });
    const record = await readJson<Record<string, Split>>(path.join(run.dir, RUN_FILES.split));
    items = splitFromRecord(scan, record, run.info.config.seed)[split];
    name = split;
  }
  if (items.length === 0) throw new DatasetError(`Nothing to evaluate: the ${name} set of run ${run.info.id} has no readable image.`);

  const { model, meta } = await openRunCheckpoint(run, o.checkpoint);
  try {
    const preds = await predictItems(model, items, {
      imageSize: run.info.config.imageSize, normalization: run.info.model.normalization as Normalization,
      batchSize: run.info.config.batchSize, numClasses: classes.length, signal: o.signal, onBatch: progress('evaluate'),
    });
    for (const f of preds.failed) o.emit({ type: 'log', level: 'warn', message: `Skipped ${f.item.rel}: ${f.error}` });
    const yPred = preds.probabilities.map(argMax);
    const report = computeMetrics(preds.labels, yPred, classes);
    const evalDir = path.join(run.dir, RUN_FILES.eval);
    const jsonPath = path.join(evalDir, `${name}.json`);
    const pngPath = path.join(evalDir, `${name}.png`);
    await fs.mkdir(evalDir, { recursive: true });
    await writeJsonAtomic(jsonPath, {
      name, runId: run.info.id, checkpoint: { which: o.checkpoint ?? 'best', ...meta }, createdAt: new Date().toISOString(),
      loss: preds.loss, ...report,
      predictions: preds.items.map((it, i) => ({ file: it.path, rel: it.rel, label: preds.labels[i], predicted: yPred[i], probabilities: preds.probabilities[i] })),
      skipped: preds.failed.map((f) => ({ file: f.item.path, error: f.error })),
    });
    await renderConfusionPng(report, pngPath, { title: `${run.info.config.arch} · ${name} · ${report.total} images` });
    return { name, jsonPath, pngPath, accuracy: report.accuracy, macroF1: report.macro.f1, classes, confusion: report.confusion, perClass: report.perClass };
  } finally {
    model.dispose();
  }
}
