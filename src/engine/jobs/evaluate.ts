import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import type { EvalResult, EvaluateRequest, JobEventSink } from '../../shared/engineProtocol';
import { RUN_FILES, RUN_LAYOUT_VERSION, type EvalFile } from '../../shared/runFiles';
import { writeJsonAtomic } from '../io/atomic';
import { scanDataset, DatasetError, type SplitName as Split } from '../dataset/scan';
import { splitFromRecord } from '../dataset/split';
import { scorePredictions } from '../metrics/scorePredictions';
import { renderConfusionPng } from '../metrics/confusionPng';
import { RunStore } from '../run/runStore';
import { readRunSplit } from '../run/runFiles';
import { ensembleDir, writeEnsembleFile } from '../run/ensembleStore';
import { averagePredictions, predictMembers } from '../predict/ensemble';
import { evalTiming } from '../predict/timing';
import type { DatasetScan, ImageItem } from '../dataset/types';
import { metadataFindings } from './evaluateMetadata';
import { knownPatients, predictCalibrationSet } from './calibrationSet';
import { CancelledError, RunError } from '../errors';
import { DEFAULT_PRESET, presetOf } from '../dataset/augment/presets';

export type EvaluateOptions = Omit<EvaluateRequest, 'type' | 'id'> & { signal?: AbortSignal; emit: JobEventSink };

/**
 * Confusion matrix and per-class metrics of a run's checkpoint on one of its splits or on another dataset;
 * with `runs`, of the soft-voting ensemble of that run and those runs on the same images, written with its member
 * list under `.cxr-lab/ensembles/<id>/` (src/engine/run/ensembleStore.ts) instead of the run's eval/.
 */
export async function evaluateRun(o: EvaluateOptions): Promise<EvalResult> {
  const run = await RunStore.open(o.runDir);
  const members = [run, ...await Promise.all((o.runs ?? []).map((dir) => RunStore.open(dir)))];
  const { classes } = run.info.dataset;
  await checkSameSplit(members);
  const progress = (phase: string) => (done: number, total: number) => o.emit({ type: 'progress', phase, done, total });
  let items: ImageItem[], name: string, scan: DatasetScan;
  if (o.data) {
    scan = await scanDataset(path.resolve(o.data), { classes, signal: o.signal, onProgress: progress('scan') });
    items = scan.items;
    name = `data-${path.basename(path.resolve(o.data))}`;
  } else {
    const split: Split = o.split ?? 'test';
    scan = await scanDataset(run.info.dataset.root, { classes, signal: o.signal, onProgress: progress('scan') });
    const record = await readRunSplit(run.dir);
    items = splitFromRecord(scan, record, run.info.config.seed)[split];
    name = split;
  }
  if (items.length === 0) throw new DatasetError(`Nothing to evaluate: the ${name} set of run ${run.info.id} has no readable image.`);
  // One file per way of evaluating: the last checkpoint's or a calibrated evaluation never overwrites the best one's.
  name += `${o.checkpoint === 'last' ? '-last' : ''}${o.tta ? '-tta' : ''}${o.calibrate ? '-calibrated' : ''}`;

  const predicted = await predictMembers(members, items, {
    checkpoint: o.checkpoint, signal: o.signal, log: (message) => o.emit({ type: 'log', level: 'warn', message }), tta: o.tta,
    onBatch: (member, done, total) => o.emit({ type: 'progress', phase: 'evaluate', done, total, ...(members.length > 1 ? { message: `model ${member + 1}/${members.length}` } : {}) }),
  });
  if (o.signal?.aborted) throw new CancelledError();
  const preds = averagePredictions(predicted.map((m) => m.predictions));
  for (const f of preds.failed) o.emit({ type: 'log', level: 'warn', message: `Skipped ${f.item.rel}: ${f.error}` });
  // --calibrate: temperature fitted on the validation split; every probability-based number then uses the calibrated rows.
  const calibrateOn = o.calibrate ? await predictCalibrationSet(members, { checkpoint: o.checkpoint, tta: o.tta, signal: o.signal, emit: o.emit, runScan: o.data ? undefined : scan }) : undefined;
  if (calibrateOn && name.startsWith('val')) o.emit({ type: 'log', level: 'warn', message: 'The temperature is fitted on the split being evaluated (val): its ECE after calibration is optimistic.' });
  const scored = scorePredictions({ labels: preds.labels, probabilities: preds.probabilities, classes, seed: run.info.config.seed, patients: knownPatients(preds.items), calibrateOn });
  const { predicted: yPred, report, metrics } = scored;
  const uncertainty = { intervals: scored.intervals, bootstrap: scored.bootstrap, ...(scored.temperatureScaling ? { temperatureScaling: scored.temperatureScaling } : {}) };
  const findings = metadataFindings(scan, preds.items, preds.labels, yPred, classes);
  const patients = knownPatients(preds.items);
  const timing = evalTiming(predicted.map((m) => m.predictions), run.info.config.batchSize);
  const outDir = members.length > 1 ? ensembleDir(members.map((m) => m.dir)) : run.dir;
  const ensemble = members.length > 1
    ? await writeEnsembleFile(outDir, predicted.map((m) => ({ run: m.run, epoch: m.meta.epoch })), o.checkpoint ?? 'best')
    : undefined;
  const tta = o.tta ? { tta: { preset: run.info.config.preset ?? DEFAULT_PRESET, views: presetOf(run.info.config.preset).tta } } : {};
  const evalDir = path.join(outDir, RUN_FILES.eval);
  const jsonPath = path.join(evalDir, `${name}.json`);
  const pngPath = path.join(evalDir, `${name}.png`);
  await fs.mkdir(evalDir, { recursive: true });
  const evalFile: EvalFile = {
    format: RUN_LAYOUT_VERSION, name, runId: ensemble?.id ?? run.info.id, checkpoint: { which: o.checkpoint ?? 'best', ...predicted[0].meta }, createdAt: new Date().toISOString(),
    loss: preds.loss, ...report, metrics, ...uncertainty,
    predictions: preds.items.map((it, i) => ({ file: it.path, rel: it.rel, label: preds.labels[i], predicted: yPred[i], probabilities: scored.probabilities[i], ...(patients ? { patient: it.patient } : {}) })),
    skipped: preds.failed.map((f) => ({ file: f.item.path, error: f.error })),
    ...tta,
    ...(members.length > 1 ? { ensemble: predicted.map((m) => ({ runId: m.run.info.id, runDir: m.run.dir, arch: m.run.info.config.arch, epoch: m.meta.epoch })) } : {}),
    ...findings,
    ...(timing ? { timing } : {}),
  };
  await writeJsonAtomic(jsonPath, evalFile);
  const title = members.length > 1 ? `ensemble of ${members.length}` : run.info.config.arch;
  await renderConfusionPng(report, pngPath, { title: `${title} · ${name} · ${report.total} images` });
  return { name, jsonPath, pngPath, accuracy: report.accuracy, macroF1: report.macro.f1, classes, confusion: report.confusion, perClass: report.perClass, metrics, ...uncertainty, ...findings, ...tta };
}

/**
 * An ensemble averages probability rows class by class, and is scored on images none of its members trained or
 * validated on: every member must have the same classes, the same dataset (hash) and the same split.
 */
async function checkSameSplit(members: RunStore[]): Promise<void> {
  const [first, ...rest] = members;
  const firstSplit = rest.length ? JSON.stringify(await readRunSplit(first.dir)) : '';
  for (const m of rest) {
    const why = m.info.dataset.classes.join('\0') !== first.info.dataset.classes.join('\0')
      ? `has classes ${m.info.dataset.classes.join(', ')}, run ${first.info.id} ${first.info.dataset.classes.join(', ')}`
      : m.info.dataset.hash !== first.info.dataset.hash ? `was trained on other data (dataset hash ${m.info.dataset.hash.slice(0, 12)}, run ${first.info.id} ${first.info.dataset.hash.slice(0, 12)})`
        : JSON.stringify(await readRunSplit(m.dir)) !== firstSplit ? `split the data differently from run ${first.info.id} (another --seed or split settings), so its training images may be in the other's test set`
          : undefined;
    if (why) throw new RunError(`Run ${m.info.id} ${why}: they cannot form an ensemble. Members must share the classes, the dataset and the split (train them with the same --seed).`);
  }
}
