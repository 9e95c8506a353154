/**
 * Reads ensemble folders (`.cxr-lab/ensembles/<id>/`: ensemble.json + eval/, written by `cxr-lab evaluate --runs`)
 * into plain records, as runReader.ts does for runs. No vscode import.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ENSEMBLES_DIR, LAB_DIR, type EnsembleFile } from '../../shared/runFiles';
import type { EvalSummary } from '../evaluation/evalFile';
import { readEvals } from './runReader';
import { readEnsembleFile } from './runFiles';

/** ensemble.json of a folder: undefined when absent (a run folder); a bad one throws one sentence naming it and the field. */
export { readEnsembleFile };

export interface EnsembleRecord {
  dir: string;
  id: string;
  info: EnsembleFile;
  evals: EvalSummary[];
}

export const ENSEMBLES_FOLDER = path.join(LAB_DIR, ENSEMBLES_DIR);

/** One ensemble folder, or undefined when it holds no readable ensemble.json. */
export async function readEnsemble(dir: string): Promise<EnsembleRecord | undefined> {
  const info = await readEnsembleFile(dir).catch(() => undefined);
  if (!info) return undefined;
  return { dir, id: info.id, info, evals: await readEvals(dir) };
}

/** Every ensemble under each root's .cxr-lab/ensembles, most recently evaluated first. */
export async function listEnsembles(workspaceRoots: string[]): Promise<EnsembleRecord[]> {
  const out: EnsembleRecord[] = [];
  for (const root of workspaceRoots) {
    const base = path.join(root, ENSEMBLES_FOLDER);
    const entries = await fs.readdir(base, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const ens = await readEnsemble(path.join(base, e.name));
      if (ens) out.push(ens);
    }
  }
  return out.sort((a, b) => (Date.parse(b.info.updatedAt) || 0) - (Date.parse(a.info.updatedAt) || 0) || a.id.localeCompare(b.id));
}
