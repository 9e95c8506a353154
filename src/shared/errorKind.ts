/**
 * Error kinds at run time, for both sides of the engine protocol (ErrorEvent.kind): the engine's error classes
 * (src/engine/errors.ts) carry one, and so does the parent's EngineError (src/extension/engine/engineClient.ts).
 */
import type { ErrorKind } from './engineProtocol';

export type { ErrorKind };

/** Every kind once; a Record so that a kind added to ErrorKind must be added here too. */
const KINDS: Record<ErrorKind, true> = { dataset: true, config: true, weights: true, run: true, cancelled: true, io: true, internal: true };

export const ERROR_KINDS = Object.keys(KINDS) as readonly ErrorKind[];

export function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === 'string' && Object.hasOwn(KINDS, value);
}

/** The kind an error object carries in its `kind` field (an engine error class, an EngineError), if it is one of ours. */
export function carriedKind(err: unknown): ErrorKind | undefined {
  const kind = err && typeof err === 'object' ? (err as { kind?: unknown }).kind : undefined;
  return isErrorKind(kind) ? kind : undefined;
}
