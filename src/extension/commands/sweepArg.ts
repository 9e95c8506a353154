/** Queue commands take a sweep node of the Runs tree, a sweep folder (from code), or ask for one with a quick pick. */
import * as vscode from 'vscode';
import type { SweepNode } from '../runs/runTreeModel';
import { readSweep, type SweepRecord } from '../runs/sweepReader';
import { sweepDescription } from '../runs/sweepTreeModel';
import type { Services } from '../services';

export function sweepDirOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (arg && typeof arg === 'object' && (arg as SweepNode).kind === 'sweep') return (arg as SweepNode).sweep.dir;
  return undefined;
}

export async function resolveSweep(s: Services, arg: unknown, o: { placeHolder: string; filter: (r: SweepRecord) => boolean; none: string }): Promise<SweepRecord | undefined> {
  const dir = sweepDirOf(arg);
  if (dir) {
    const sweep = await readSweep(dir);
    if (!sweep) void vscode.window.showErrorMessage(`CXR Lab: no readable training queue in ${dir}.`);
    return sweep;
  }
  const sweeps = (await s.runs.sweeps()).filter(o.filter);
  if (sweeps.length === 0) {
    void vscode.window.showInformationMessage(`CXR Lab: ${o.none}`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    sweeps.map((w) => ({ label: w.id, description: sweepDescription(w), detail: w.dir, sweep: w })), { placeHolder: o.placeHolder, matchOnDescription: true });
  return picked?.sweep;
}
