/**
 * CXR Lab: Compare Runs — the compare view (table, paired tests, validation curves, CAM grid, Export Report) of a sweep
 * node or the runs selected in the Runs tree, of a folder passed by code, or from the palette of the newest sweep (or,
 * without one, of runs picked from a list).
 */
import * as vscode from 'vscode';
import { runDescription } from '../runs/runTreeModel';
import type { Services } from '../services';
import type { CompareTarget } from '../compare/compareController';
import { listSweeps, targetFromArgs, targetTitle } from '../compare/compareTarget';

/** The target of the command: its arguments, else the newest sweep, else runs picked (at least one). */
export async function resolveCompareTarget(s: Services, arg: unknown, selection: unknown, o: { placeHolder: string; preferSweep?: boolean }): Promise<CompareTarget | undefined> {
  const fromArgs = await targetFromArgs(arg, selection);
  if (fromArgs && (fromArgs.paths.length > 1 || fromArgs.sweep)) return fromArgs;
  if (!fromArgs && o.preferSweep !== false) {
    const [newest] = await listSweeps(s.runs.roots());
    if (newest) return { paths: [newest.dir], title: targetTitle([newest.dir], newest.id), sweep: newest.id };
  }
  // One run (or nothing): pick the runs to compare it with.
  const runs = (await s.runs.list()).filter((r) => r.checkpoints.some((c) => c.which === 'best'));
  if (runs.length === 0) {
    if (fromArgs) return fromArgs;
    void vscode.window.showInformationMessage('CXR Lab: no run has a checkpoint to compare yet; train a model first.');
    return undefined;
  }
  const chosen = new Set(fromArgs?.paths ?? []);
  const picked = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: r.id, description: runDescription(r, s.trainings.progress(r.dir)), detail: r.dir, picked: chosen.has(r.dir), dir: r.dir })),
    { placeHolder: o.placeHolder, canPickMany: true, matchOnDescription: true },
  );
  if (!picked || picked.length === 0) return undefined;
  const paths = picked.map((p) => p.dir);
  return { paths, title: targetTitle(paths) };
}

export function registerCompareRuns(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.compareRuns', async (arg?: unknown, selection?: unknown) => {
    const target = await resolveCompareTarget(s, arg, selection, { placeHolder: 'Runs to compare on their test split (pick two or more)' });
    if (target) await s.comparePanel.open(target);
  });
}
