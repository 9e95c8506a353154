/**
 * The run directory is the source of truth that the engine writes and the CLI, tree view and webviews read.
 * Layout (relative to the run directory) and the shapes of its JSON files. Types only.
 */
import type { EpochRecord, RunStatus, TrainConfig } from './engineProtocol';

export const RUN_FILES = {
  run: 'run.json',
  split: 'split.json',
  history: 'history.jsonl',
  best: 'checkpoints/best',
  last: 'checkpoints/last',
  eval: 'eval',
  cams: 'cams',
  log: 'train.log',
} as const;

export interface CheckpointMeta { epoch: number; valLoss: number; valAcc: number; savedAt: string }

export interface RunInfo {
  format: 1;
  id: string;
  createdAt: string;
  updatedAt: string;
  status: RunStatus;
  /** Process that writes the run; a 'running' run whose process is gone was killed (readers show it as interrupted). */
  pid: number;
  config: TrainConfig;
  dataset: { root: string; hash: string; layout: string; classes: string[]; perClass: Record<string, number>; excluded: number };
  split: { groupedBy: 'patient' | 'file'; counts: Record<'train' | 'val' | 'test', number>; warnings: string[] };
  model: { arch: string; camLayer: string; normalization: string; trainableParams: number; microBatch: number };
  backend: { name: string; threads: number; simd: boolean };
  versions: Record<string, string>;
  epochsDone: number;
  best?: CheckpointMeta;
  error?: string;
}

export type { EpochRecord };
