/**
 * Commands take a run from the tree (a RunNode), from code (a run directory or its Uri), or, from the palette,
 * ask for one with a quick pick.
 */
import * as vscode from 'vscode';
import type { RunRecord } from '../runs/runReader';
import { runDescription, type FailedNode, type RunNode } from '../runs/runTreeModel';
import type { Services } from '../services';

export type RunArg = RunNode | string | vscode.Uri | undefined;

export function runDirOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (arg && typeof arg === 'object' && 'run' in arg) return (arg as RunNode).run.dir;
  if (arg && typeof arg === 'object' && 'failed' in arg) return (arg as FailedNode).failed.runDir;
  return undefined;
}

export interface PickRunOptions { placeHolder: string; filter?: (r: RunRecord) => boolean; none: string }

export async function resolveRun(s: Services, arg: unknown, o: PickRunOptions): Promise<RunRecord | undefined> {
  const dir = runDirOf(arg);
  if (dir) {
    const run = await s.runs.get(dir);
    if (!run) void vscode.window.showErrorMessage(`CXR Lab: no readable run in ${dir}.`);
    return run;
  }
  const runs = (await s.runs.list()).filter(o.filter ?? (() => true));
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(`CXR Lab: ${o.none}`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: r.id, description: runDescription(r, s.trainings.progress(r.dir)), detail: r.dir, run: r })),
    { placeHolder: o.placeHolder, matchOnDescription: true },
  );
  return picked?.run;
}
