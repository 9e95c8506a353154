/**
 * What "Compare Runs" and "Export Report" act on: a sweep node or runs selected in the Runs tree, a folder passed by
 * code (a sweep or a run), or — from the palette — the newest sweep of the workspace. Plain Node (no vscode), tested.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LAB_DIR, SWEEPS_DIR, SWEEP_FILES, parseSweepFile } from '../../shared/runFiles';
import { readTextIfExists } from '../../shared/node/runFs';
import type { CompareTarget } from './compareController';

export interface SweepInfo { dir: string; id: string; createdAt: string; members: number }

/** Every readable sweep (`.cxr-lab/sweeps/<id>/sweep.json`) of the workspace folders, newest first. */
export async function listSweeps(roots: readonly string[]): Promise<SweepInfo[]> {
  const out: SweepInfo[] = [];
  for (const root of roots) {
    const parent = path.join(root, LAB_DIR, SWEEPS_DIR);
    const names = await fs.readdir(parent).catch(() => [] as string[]);
    for (const name of names) {
      const dir = path.join(parent, name), file = path.join(dir, SWEEP_FILES.sweep);
      const text = await readTextIfExists(file).catch(() => undefined);
      if (text === undefined) continue;
      try {
        const s = parseSweepFile(text, file);
        out.push({ dir, id: s.id, createdAt: s.createdAt, members: s.members.length });
      } catch { /* a broken sweep.json: not offered */ }
    }
  }
  return out.sort((a, b) => (Date.parse(b.createdAt) || 0) - (Date.parse(a.createdAt) || 0));
}

/**
 * The folder a tree node or argument stands for: a run node (`run.dir`), a sweep node (`sweep.dir`, or a `dir` beside
 * kind 'sweep'), a path, or a Uri-like `{ fsPath }`. Undefined for anything else.
 */
export function folderOf(arg: unknown): { dir: string; kind: 'run' | 'sweep' | 'path' } | undefined {
  if (typeof arg === 'string') return { dir: arg, kind: 'path' };
  if (!arg || typeof arg !== 'object') return undefined;
  const o = arg as { kind?: unknown; run?: { dir?: unknown }; sweep?: { dir?: unknown }; dir?: unknown; fsPath?: unknown };
  if (o.sweep && typeof o.sweep.dir === 'string') return { dir: o.sweep.dir, kind: 'sweep' };
  if (o.kind === 'sweep' && typeof o.dir === 'string') return { dir: o.dir, kind: 'sweep' };
  if (o.run && typeof o.run.dir === 'string') return { dir: o.run.dir, kind: 'run' };
  if (typeof o.fsPath === 'string') return { dir: o.fsPath, kind: 'path' };
  return undefined;
}

/** "sweep 20261130-…" for a sweep, "resnet18-… and 2 more" for runs. */
export function targetTitle(paths: readonly string[], sweepId?: string): string {
  if (sweepId) return `sweep ${sweepId}`;
  const names = paths.map((p) => path.basename(p));
  return names.length <= 2 ? names.join(' and ') : `${names.length} runs`;
}

/**
 * The target of a tree invocation: every selected node when several are (VS Code passes the clicked node and the
 * selection), else the clicked one; undefined when none names a folder.
 */
export async function targetFromArgs(arg: unknown, selection?: unknown): Promise<CompareTarget | undefined> {
  const picked = (Array.isArray(selection) && selection.length > 1 ? selection : [arg]).map(folderOf).filter((f) => f !== undefined);
  if (picked.length === 0) return undefined;
  const paths = [...new Set(picked.map((f) => path.resolve(f.dir)))];
  let sweep: string | undefined;
  if (paths.length === 1) {
    const text = await readTextIfExists(path.join(paths[0], SWEEP_FILES.sweep)).catch(() => undefined);
    if (text !== undefined) {
      try { sweep = parseSweepFile(text, path.join(paths[0], SWEEP_FILES.sweep)).id; } catch { sweep = path.basename(paths[0]); }
    }
  }
  return { paths, title: targetTitle(paths, sweep), ...(sweep ? { sweep } : {}) };
}
