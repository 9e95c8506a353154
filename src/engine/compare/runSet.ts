/**
 * The runs a comparison or a report is about, from what the user named: run folders (run.json), sweep folders
 * (sweep.json: its members, in queue order), or a folder whose sub-folders are runs (a sweep written before sweep.json,
 * or any folder of runs). Members that have no run to compare (queued, failed before training) are listed with why.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES, SWEEP_FILES, runFileReaders } from '../../shared/runFiles';
import type { ExcludedRun } from '../../shared/compare';
import { readTextIfExists } from '../../shared/node/runFs';
import { RunError } from '../errors';

const readers = runFileReaders({ readText: readTextIfExists, join: path.join, toError: (e) => new RunError(e.message) });

export interface RunSet {
  /** Absolute run folders, each once, in the order named (a sweep's in queue order). */
  runs: string[];
  /** The sweep, when exactly one was named. */
  sweep?: { dir: string; id: string };
  /** Sweep members without a run to compare, and why. */
  excluded: ExcludedRun[];
}

const exists = (file: string) => fs.access(file).then(() => true, () => false);

/** Sub-folders of `dir` that hold a run.json, by name. */
async function runSubfolders(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name)).sort();
  const runs: string[] = [];
  for (const d of dirs) if (await exists(path.join(d, RUN_FILES.run))) runs.push(d);
  return runs;
}

export async function resolveRunSet(paths: readonly string[]): Promise<RunSet> {
  if (paths.length === 0) throw new RunError('Name at least one run folder or a sweep folder.');
  const runs: string[] = [];
  const excluded: ExcludedRun[] = [];
  const sweeps: { dir: string; id: string }[] = [];
  for (const given of paths) {
    const dir = path.resolve(given);
    if (await exists(path.join(dir, RUN_FILES.run))) { runs.push(dir); continue; }
    const sweep = await readers.readSweepFile(dir);
    if (sweep) {
      sweeps.push({ dir, id: sweep.id });
      for (const m of sweep.members) {
        const runDir = path.resolve(dir, m.runDir);
        if (await exists(path.join(runDir, RUN_FILES.run))) runs.push(runDir);
        else excluded.push({ runDir, runId: m.name, reason: m.status === 'queued' ? `${m.name} is still queued: not trained yet.` : `${m.name} ${m.status}${m.reason ? `: ${m.reason}` : ''}; it has no run to compare.` });
      }
      continue;
    }
    const sub = await runSubfolders(dir);
    if (sub.length > 0) { runs.push(...sub); continue; }
    if (!await exists(dir)) throw new RunError(`not found: ${given}`);
    throw new RunError(`${given} is neither a run folder (no ${RUN_FILES.run}) nor a sweep (no ${SWEEP_FILES.sweep}, no run folders inside).`);
  }
  const unique = [...new Set(runs)];
  return { runs: unique, ...(sweeps.length === 1 ? { sweep: sweeps[0] } : {}), excluded };
}
