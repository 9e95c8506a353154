/**
 * Where a soft-voting ensemble's results go: `<workspace>/.cxr-lab/ensembles/<id>/` with ensemble.json (its members)
 * and eval/ (the shape: src/shared/runFiles/ensemble.ts). Plain Node, no tfjs.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import {
  ENSEMBLE_FILES, ENSEMBLE_ID_PREFIX, ENSEMBLES_DIR, LAB_DIR, RUN_LAYOUT_VERSION, RUNS_DIR, parseEnsembleFile, type CheckpointName, type EnsembleFile,
} from '../../shared/runFiles';
import { readTextIfExists } from '../../shared/node/runFs';
import { writeJsonAtomic } from '../io/atomic';
import type { RunStore } from './runStore';

/** The `.cxr-lab` an ensemble of runs belongs to: the one holding the first run in `.cxr-lab/runs/`, else `<its parent>/.cxr-lab`. */
export function ensembleLabDir(firstRunDir: string): string {
  const runs = path.dirname(path.resolve(firstRunDir));
  const lab = path.dirname(runs);
  return path.basename(runs) === RUNS_DIR && path.basename(lab) === LAB_DIR ? lab : path.join(runs, LAB_DIR);
}

/** `ensemble-<8 hex>` from the member folders in order, so the same members always share one folder. */
export function ensembleId(memberDirs: readonly string[]): string {
  return ENSEMBLE_ID_PREFIX + createHash('sha256').update(memberDirs.map((d) => path.resolve(d)).join('\n')).digest('hex').slice(0, 8);
}

/** `<lab>/ensembles/<id>` of these members (the first one decides `<lab>`). */
export function ensembleDir(memberDirs: readonly string[]): string {
  return path.join(ensembleLabDir(memberDirs[0]), ENSEMBLES_DIR, ensembleId(memberDirs));
}

/** Writes (or rewrites) ensemble.json: the members with the checkpoint epochs of this evaluation; createdAt kept. */
export async function writeEnsembleFile(dir: string, members: { run: RunStore; epoch: number }[], checkpoint: CheckpointName): Promise<EnsembleFile> {
  const file = path.join(dir, ENSEMBLE_FILES.ensemble);
  const text = await readTextIfExists(file);
  let createdAt: string | undefined;
  try { createdAt = text === undefined ? undefined : parseEnsembleFile(text, file).createdAt; } catch { createdAt = undefined; }
  const now = new Date().toISOString();
  const first = members[0].run.info;
  const value: EnsembleFile = {
    format: RUN_LAYOUT_VERSION, id: path.basename(dir), createdAt: createdAt ?? now, updatedAt: now, voting: 'soft',
    classes: first.dataset.classes, dataset: { root: first.dataset.root, hash: first.dataset.hash },
    members: members.map(({ run, epoch }) => ({ runId: run.info.id, runDir: run.dir, arch: run.info.config.arch, checkpoint, epoch })),
  };
  await writeJsonAtomic(file, value);
  return value;
}
