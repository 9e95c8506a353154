/** Writes run directories as the engine does (run.json, history.jsonl, checkpoints/*\/meta.json, eval/*.json) for extension tests. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EpochRecord, RunStatus, TrainConfig } from '../../src/shared/engineProtocol';
import {
  ENSEMBLE_FILES, ENSEMBLES_DIR, LAB_DIR, RUN_FILES, RUN_LAYOUT_VERSION, RUNS_DIR, SWEEP_FILES, SWEEPS_DIR, sweepMemberName, type CheckpointMeta, type CheckpointMetaFile,
  type CheckpointName, type EnsembleFile, type EvalFile, type RunInfo, type SweepFile, type SweepMember,
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

/**
 * An eval file as issue 11's engine writes it: ROC AUC per class (pneumonia n/a: no image of it), average precision,
 * calibration, bootstrap intervals (patients), a confounder warning and one subgroup column.
 */
export function evalFileWithMetrics(name: string, accuracy: number): EvalFile {
  const base = evalFile(name, accuracy);
  const curve = { fpr: [0, 0, 0.5, 1], tpr: [0, 0.5, 1, 1], thresholds: [Infinity, 0.9, 0.4, 0.1], points: 4 };
  const pr = { precision: [0.5, 1, 1], recall: [1, 0.5, 0], thresholds: [0.1, 0.9], points: 3 };
  const iv = (low: number, high: number) => ({ low, high });
  return {
    ...base,
    metrics: [
      { id: 'cohenKappa', label: "Cohen's kappa", value: 0.61 },
      { id: 'rocAuc', label: 'ROC AUC', value: {
        perClass: [
          { className: 'covid', positives: 7, negatives: 17, auc: 0.93, curve },
          { className: 'normal', positives: 8, negatives: 16, auc: 0.89, curve },
          { className: 'pneumonia', positives: 0, negatives: 24, auc: null, reason: 'no image of pneumonia in the evaluated set', curve: null },
        ], macro: 0.91, weighted: 0.907, micro: 0.92 } },
      { id: 'averagePrecision', label: 'average precision', value: {
        perClass: [
          { className: 'covid', positives: 7, ap: 0.88, curve: pr }, { className: 'normal', positives: 8, ap: 0.84, curve: pr },
          { className: 'pneumonia', positives: 0, ap: null, reason: 'no image of pneumonia in the evaluated set', curve: null },
        ], macro: 0.86, weighted: 0.858, micro: 0.87 } },
      { id: 'calibration', label: 'ECE', value: { ece: 0.08, bins: [{ low: 0, high: 0.5, count: 10, confidence: 0.45, accuracy: 0.4 }, { low: 0.5, high: 1, count: 14, confidence: 0.8, accuracy: 0.86 }] } },
    ],
    intervals: {
      accuracy: iv(0.7, 0.95), macroF1: iv(0.52, 0.78),
      perClass: CLASSES.map((className) => ({ className, precision: iv(0.4, 0.8), recall: iv(0.5, 0.9), f1: iv(0.45, 0.85) })),
      metrics: { rocAuc: { covid: iv(0.85, 0.99), normal: iv(0.8, 0.97), pneumonia: null, macro: iv(0.84, 0.97) }, cohenKappa: { value: iv(0.4, 0.8) } },
    },
    bootstrap: { unit: 'patient', clusters: 12, images: 24, resamples: 2000, confidence: 0.95, method: 'percentile', seed: 7 },
    confounders: [{ column: 'source', equivalents: [], cramersV: 0.6, images: 24, shared: [{ className: 'pneumonia', value: 'kermany', count: 9 }], message: "pneumonia: all 9 images come from source 'kermany' — a model can learn the source instead of the finding." }],
    subgroups: [{ column: 'source', equivalents: [], missing: 0, groups: [{ value: 'kermany', count: 24, accuracy, macroF1: 0.65, perClass: CLASSES.map((className) => ({ className, support: 8, recall: 0.7 })) }] }],
  };
}

/** `.cxr-lab/ensembles/<id>/` as `cxr-lab evaluate --runs` writes it: ensemble.json with the members, and its eval files. */
export function writeEnsemble(workspace: string, s: { id: string; members: { runId: string; runDir: string; arch: string; epoch: number }[]; updatedAt?: string; evals?: EvalFile[] }): string {
  const dir = path.join(workspace, LAB_DIR, ENSEMBLES_DIR, s.id);
  mkdirSync(path.join(dir, ENSEMBLE_FILES.eval), { recursive: true });
  const at = s.updatedAt ?? '2026-11-05T00:00:00Z';
  const file: EnsembleFile = {
    format: RUN_LAYOUT_VERSION, id: s.id, createdAt: at, updatedAt: at, voting: 'soft', classes: CLASSES,
    dataset: { root: path.join(workspace, 'data'), hash: 'h' }, members: s.members.map((m) => ({ ...m, checkpoint: 'best' as const })),
  };
  writeFileSync(path.join(dir, ENSEMBLE_FILES.ensemble), JSON.stringify(file));
  for (const e of s.evals ?? []) {
    const members = s.members.map(({ runId, runDir, arch, epoch }) => ({ runId, runDir, arch, epoch }));
    writeFileSync(path.join(dir, ENSEMBLE_FILES.eval, `${e.name}.json`), JSON.stringify({ ...e, runId: s.id, ensemble: members, createdAt: at }));
  }
  return dir;
}

export interface RunSpec {
  id: string; status: RunStatus; pid?: number; createdAt: string; epochs?: number; arch?: string;
  history?: EpochRecord[]; checkpoints?: Partial<Record<CheckpointName, CheckpointMeta>>; evals?: EvalFile[];
  /** The run folder (default `<workspace>/.cxr-lab/runs/<id>`), e.g. a sweep member's. */
  dir?: string; seed?: number; splitSeed?: number;
}

export function writeRun(workspace: string, s: RunSpec): string {
  const dir = s.dir ?? path.join(workspace, LAB_DIR, RUNS_DIR, s.id);
  mkdirSync(dir, { recursive: true });
  const history = s.history ?? [];
  const config: TrainConfig = {
    arch: s.arch ?? 'resnet18', epochs: s.epochs ?? 5, batchSize: 4, microBatch: 0, imageSize: 32, lr: 1e-3, valPerClass: 2, testPerClass: 2,
    sampler: 'weighted', scheduler: 'step', stepSize: 3, gamma: 0.1, seed: s.seed ?? 1, freezeBackbone: false,
    ...(s.splitSeed !== undefined ? { splitSeed: s.splitSeed } : {}),
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

export interface SweepSpec {
  id: string; createdAt: string; status: SweepFile['status']; runnerPid?: number;
  members: { arch: string; seed?: number; status: SweepMember['status']; reason?: string; run?: Omit<RunSpec, 'id' | 'dir' | 'arch' | 'createdAt'> }[];
}

/** `.cxr-lab/sweeps/<id>/` as the training queue writes it: sweep.json, and a run folder for each member given a `run`. */
export function writeSweep(workspace: string, s: SweepSpec): string {
  const dir = path.join(workspace, LAB_DIR, SWEEPS_DIR, s.id);
  mkdirSync(dir, { recursive: true });
  const severalSeeds = new Set(s.members.map((m) => m.seed ?? 1)).size > 1;
  const members: SweepMember[] = s.members.map((m) => {
    const name = sweepMemberName(m.arch, m.seed ?? 1, severalSeeds);
    if (m.run) writeRun(workspace, { ...m.run, id: name, arch: m.arch, seed: m.seed ?? 1, splitSeed: 1, createdAt: s.createdAt, dir: path.join(dir, name) });
    return { name, arch: m.arch, seed: m.seed ?? 1, runDir: name, status: m.status, ...(m.reason ? { reason: m.reason } : {}) };
  });
  const file: SweepFile = {
    format: RUN_LAYOUT_VERSION, id: s.id, createdAt: s.createdAt, updatedAt: s.createdAt, status: s.status, dataset: path.join(workspace, 'data'),
    config: { epochs: 5 }, splitSeed: 1, archs: [...new Set(s.members.map((m) => m.arch))], seeds: [...new Set(s.members.map((m) => m.seed ?? 1))], members,
    runner: { pid: s.runnerPid ?? process.pid, host: hostname(), startedAt: s.createdAt },
  };
  writeFileSync(path.join(dir, SWEEP_FILES.sweep), JSON.stringify(file));
  return dir;
}
