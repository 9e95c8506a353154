/** Writes run directories as the engine does (run.json, history.jsonl, checkpoints/*\/meta.json, eval/*.json) for extension tests. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EpochRecord, RunStatus, TrainConfig } from '../../src/shared/engineProtocol';
import {
  LAB_DIR, RUN_FILES, RUN_LAYOUT_VERSION, RUNS_DIR, type CheckpointMeta, type CheckpointMetaFile, type CheckpointName, type EvalFile, type RunInfo,
} from '../../src/shared/runFiles';

export const tempWorkspace = (): string => mkdtempSync(path.join(tmpdir(), 'cxr-ext-'));

export const CLASSES = ['covid', 'normal', 'pneumonia'];

export function epoch(n: number, over: Partial<EpochRecord> = {}): EpochRecord {
  return { epoch: n, trainLoss: 1 / n, trainAcc: 0.5 + n / 100, valLoss: 1.2 / n, valAcc: 0.4 + n / 50, lr: 1e-4, seconds: 10 * n, best: true, ...over };
}

export function evalFile(name: string, accuracy: number): EvalFile {
  const perClass = CLASSES.map((className, i) => ({ className, tp: 5 + i, fp: i, fn: 2, tn: 20, accuracy: 0.9, precision: 0.5 + i / 10, recall: 0.6 + i / 10, f1: 0.55 + i / 10, support: 7 + i }));
  return {
    format: RUN_LAYOUT_VERSION, name, runId: 'x', checkpoint: { which: 'best', ...meta(1, 0.5) }, loss: 0.5, classes: CLASSES, confusion: [[5, 1, 1], [0, 6, 2], [1, 1, 7]], perClass, accuracy,
    macro: { precision: 0.6, recall: 0.7, f1: 0.65 }, weighted: { precision: 0.61, recall: 0.71, f1: 0.66 }, total: 24,
    createdAt: new Date().toISOString(),
    predictions: [{ file: '/data/covid/a.png', rel: 'covid/a.png', label: 0, predicted: 1, probabilities: [0.2, 0.7, 0.1] }],
    skipped: [],
  };
}

export interface RunSpec {
  id: string; status: RunStatus; pid?: number; createdAt: string; epochs?: number; arch?: string;
  history?: EpochRecord[]; checkpoints?: Partial<Record<CheckpointName, CheckpointMeta>>; evals?: EvalFile[];
}

export function writeRun(workspace: string, s: RunSpec): string {
  const dir = path.join(workspace, LAB_DIR, RUNS_DIR, s.id);
  mkdirSync(dir, { recursive: true });
  const history = s.history ?? [];
  const config: TrainConfig = {
    arch: s.arch ?? 'resnet18', epochs: s.epochs ?? 5, batchSize: 4, microBatch: 0, imageSize: 32, lr: 1e-3, valPerClass: 2, testPerClass: 2,
    sampler: 'weighted', scheduler: 'step', stepSize: 3, gamma: 0.1, seed: 1, freezeBackbone: false,
  };
  const info: RunInfo = {
    format: RUN_LAYOUT_VERSION, id: s.id, createdAt: s.createdAt, updatedAt: s.createdAt, status: s.status, pid: s.pid ?? process.pid, config,
    dataset: { root: path.join(workspace, 'data'), hash: 'h', layout: 'class-folders', classes: CLASSES, perClass: { covid: 10, normal: 10, pneumonia: 10 }, excluded: 0 },
    split: { groupedBy: 'file', counts: { train: 18, val: 6, test: 6 }, warnings: [] },
    model: { arch: config.arch, camLayer: 'layer4', normalization: 'imagenet', trainableParams: 1, microBatch: 4 },
    backend: { name: 'cpu', threads: 1, simd: false }, versions: {}, epochsDone: history.length,
    ...(s.checkpoints?.best ? { best: s.checkpoints.best } : {}),
  };
  writeFileSync(path.join(dir, RUN_FILES.run), JSON.stringify(info));
  writeFileSync(path.join(dir, RUN_FILES.history), history.map((h) => JSON.stringify(h) + '\n').join(''));
  for (const [which, meta] of Object.entries(s.checkpoints ?? {}) as [CheckpointName, CheckpointMeta][]) {
    mkdirSync(path.join(dir, RUN_FILES[which]), { recursive: true });
    const file: CheckpointMetaFile = { format: RUN_LAYOUT_VERSION, ...meta };
    writeFileSync(path.join(dir, RUN_FILES[which], RUN_FILES.meta), JSON.stringify(file));
  }
  for (const e of s.evals ?? []) {
    mkdirSync(path.join(dir, RUN_FILES.eval), { recursive: true });
    writeFileSync(path.join(dir, RUN_FILES.eval, `${e.name}.json`), JSON.stringify(e));
  }
  return dir;
}

export const meta = (epochN: number, valLoss: number): CheckpointMeta => ({ epoch: epochN, valLoss, valAcc: 0.8, savedAt: '2026-11-01T00:00:00Z' });
