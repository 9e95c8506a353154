/**
 * The engine's error classes, each with the kind it reports across the process boundary
 * (ErrorEvent.kind), and `errorKind()` mapping any thrown value to a kind.
 * The parent side reads kinds with src/shared/errorKind.ts (the extension does not import src/engine).
 */
import type { ErrorKind } from '../shared/engineProtocol';

export type { ErrorKind };
export { ERROR_KINDS, isErrorKind } from '../shared/errorKind';

/** An error that knows its kind. */
export class KindedError extends Error {
  constructor(message: string, readonly kind: ErrorKind, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KindedError';
  }
}

/** A dataset cannot be used at all (missing folder, no classes, no readable image); the message is one clear sentence. */
export class DatasetError extends KindedError {
  constructor(message: string) {
    super(message, 'dataset');
    this.name = 'DatasetError';
  }
}

/**
 * An invalid option or argument (a training config value, an unknown CAM method). `option` (a TrainConfig key) and
 * `rule` ("must be at least 32") let each caller word it: the CLI names its flag, the engine's message the key.
 */
export class ConfigError extends KindedError {
  constructor(message: string, readonly detail?: { option: string; rule: string }) {
    super(message, 'config');
    this.name = 'ConfigError';
  }
}

/** A weights file (or imported weights folder) that is unreadable, unsupported or does not fit the architecture. */
export class WeightsError extends KindedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'weights', options);
    this.name = 'WeightsError';
  }
}

/** A run directory that cannot serve the request: not a run, already a run, no checkpoint yet. */
export class RunError extends KindedError {
  constructor(message: string) {
    super(message, 'run');
    this.name = 'RunError';
  }
}

/** The job was cancelled (the trainer's own signal check). */
export class CancelledError extends KindedError {
  constructor(message = 'Cancelled.') {
    super(message, 'cancelled');
    this.name = 'CancelledError';
  }
}

/** Node system error codes that mean the file system, not the engine, failed. */
const IO_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'ENOSPC', 'EDQUOT', 'EROFS', 'EMFILE', 'ENFILE', 'EBUSY', 'EEXIST', 'EIO', 'EXDEV', 'ENAMETOOLONG']);

/** The kind of any thrown value; what is not recognised is 'internal' (a bug, or a failure we did not foresee). */
export function errorKind(err: unknown): ErrorKind {
  if (err instanceof KindedError) return err.kind;
  if (!err || typeof err !== 'object') return 'internal';
  const e = err as { name?: unknown; code?: unknown };
  // An AbortSignal's default reason (a job aborted mid-download or mid-batch).
  if (e.name === 'AbortError') return 'cancelled';
  // weights/download.ts: offline, HTTP, interrupted or checksum failure of an ImageNet weights download.
  if (e.name === 'WeightsDownloadError') return 'weights';
  if (typeof e.code === 'string' && IO_CODES.has(e.code)) return 'io';
  return 'internal';
}

/**
 * For the weights entry points: an error of no particular kind becomes a WeightsError with the same
 * message (and stack); one that already has a kind (cancelled, io, a download failure) is kept.
 */
export function asWeightsError(err: unknown): Error {
  if (errorKind(err) !== 'internal') return err as Error;
  const original = err instanceof Error ? err : new Error(String(err));
  const wrapped = new WeightsError(original.message, { cause: original });
  if (original.stack) wrapped.stack = original.stack;
  return wrapped;
}
