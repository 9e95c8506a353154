/**
 * What the CLI checks before it starts any job (exit 2, no backend, scan or model work): the training options by the
 * engine's own rules (src/engine/train/config.ts), worded with the flag as the user typed it, and the files and
 * folders the command names. Also the one wording of a missing file: "not found: <path>".
 */
import { statSync } from 'node:fs';
import type { TrainConfig } from '../shared/engineProtocol';
import { ConfigError, resolveTrainConfig } from '../engine/train/config';
import { patientPatternProblem } from '../engine/dataset/metadata';

/** A usage error: exit 2 with its message. */
export class UsageError extends Error {}

/** The flag of `cxr-lab train` that sets each TrainConfig key. */
export const CONFIG_FLAGS: { readonly [K in keyof TrainConfig]-?: string } = {
  arch: '--arch', epochs: '--epochs', batchSize: '--batch', microBatch: '--micro-batch', lr: '--lr', imageSize: '--image-size',
  valPerClass: '--val-per-class', testPerClass: '--test-per-class', valFraction: '--val-fraction', testFraction: '--test-fraction',
  sampler: '--sampler', scheduler: '--scheduler', stepSize: '--step-size', gamma: '--gamma', seed: '--seed', splitSeed: '--split-seed', pretrained: '--pretrained',
  freezeBackbone: '--freeze-backbone', widthMultiplier: '--width-multiplier', patientPattern: '--patient-pattern', earlyStop: '--early-stop',
  preset: '--preset', folds: '--folds', fold: '--fold', labelSmoothing: '--label-smoothing', weightDecay: '--weight-decay', emaDecay: '--ema-decay',
};

/** The engine's config rules, applied now; a bad value is a UsageError naming its flag ("--image-size must be at least 32"). */
export function checkTrainConfig(partial: Partial<TrainConfig>): TrainConfig {
  let config: TrainConfig;
  try {
    config = resolveTrainConfig(partial);
  } catch (err) {
    if (err instanceof ConfigError && err.detail) {
      const flag = (CONFIG_FLAGS as Record<string, string>)[err.detail.option] ?? err.detail.option;
      throw new UsageError(`${flag} ${err.detail.rule}`);
    }
    throw err;
  }
  if (config.pretrained !== undefined && config.pretrained !== 'imagenet' && !statSync(config.pretrained, { throwIfNoEntry: false })) {
    throw new UsageError(`${notFound(config.pretrained)} (${CONFIG_FLAGS.pretrained} takes 'imagenet', a .pth/.h5 file or a weights folder)`);
  }
  return config;
}

/** `scan --patient-pattern`: the rule training uses. */
export function checkPatientPattern(pattern: string | undefined): void {
  const problem = pattern === undefined ? undefined : patientPatternProblem(pattern);
  if (problem) throw new UsageError(`${CONFIG_FLAGS.patientPattern} ${JSON.stringify(pattern)} ${problem}`);
}

/** A file or folder the command names must be there ("not found: <path>"); `folder`: and be a folder. */
export function mustExist(file: string, kind?: 'folder'): void {
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) throw new UsageError(notFound(file));
  if (kind === 'folder' && !st.isDirectory()) throw new UsageError(`not a folder: ${file}`);
}

export function notFound(file: string): string {
  return `not found: ${file}`;
}

/** A missing file reported by deeper code (a Node error with code ENOENT and its path) in the CLI's words; else undefined. */
export function notFoundMessage(err: unknown): string | undefined {
  const e = err as { code?: unknown; path?: unknown } | null;
  return e && typeof e === 'object' && e.code === 'ENOENT' && typeof e.path === 'string' ? notFound(e.path) : undefined;
}
