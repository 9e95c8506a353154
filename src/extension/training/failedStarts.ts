/**
 * Trainings that failed before the engine wrote their run.json (a weights download that failed, a dataset refused):
 * no run folder holds them, so the extension keeps them (workspaceState) for the Runs tree and the training panel,
 * with the reason, until they are deleted from the tree. A run that failed after its run.json exists is read from it.
 */
export interface FailedStart { runDir: string; id: string; arch: string; dataset: string; epochs: number; error: string; at: string }

export const FAILED_STARTS_KEY = 'cxrLab.failedStarts';
const MAX_KEPT = 10;

/** The list with `entry` first (one per run folder), at most MAX_KEPT. */
export function withFailedStart(list: readonly FailedStart[], entry: FailedStart): FailedStart[] {
  return [entry, ...list.filter((f) => f.runDir !== entry.runDir)].slice(0, MAX_KEPT);
}

export function withoutFailedStart(list: readonly FailedStart[], runDir: string): FailedStart[] {
  return list.filter((f) => f.runDir !== runDir);
}

/** A list read back from workspaceState: only well-formed entries. */
export function asFailedStarts(x: unknown): FailedStart[] {
  if (!Array.isArray(x)) return [];
  const str = (v: unknown) => typeof v === 'string';
  return x.filter((f): f is FailedStart => !!f && typeof f === 'object'
    && str(f.runDir) && str(f.id) && str(f.arch) && str(f.dataset) && str(f.error) && str(f.at) && typeof f.epochs === 'number');
}
