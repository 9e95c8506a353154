/** CXR Lab: Delete Run — after a modal confirmation, the whole run directory (not while it trains). */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { showError } from '../engine/errorNotice';
import type { Services } from '../services';
import { isTraining } from '../runs/runReader';
import { resolveRun, runDirOf } from './runArg';

export function registerDeleteRun(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.deleteRun', async (arg?: unknown) => {
    // A training that failed before writing its run.json: only its entry in the Runs tree to remove.
    const failed = s.trainings.failedStart(runDirOf(arg) ?? '');
    if (failed) { await s.trainings.dismissFailedStart(failed.runDir); return; }
    const run = await resolveRun(s, arg, { placeHolder: 'Run to delete', filter: (r) => !isTraining(r.status), none: 'no run to delete.' });
    if (!run) return;
    if (isTraining(run.status) || s.trainings.isLive(run.dir)) {
      void vscode.window.showWarningMessage(`CXR Lab: ${run.id} is training${run.status === 'running' ? '' : ` (${run.status})`}; cancel it first.`);
      return;
    }
    const ok = await vscode.window.showWarningMessage(`Delete run ${run.id}?`, { modal: true, detail: `${run.dir}\nIts checkpoints, history, evaluations and Grad-CAMs are removed.` }, 'Delete');
    if (ok !== 'Delete') return;
    try {
      await fs.rm(run.dir, { recursive: true, force: true });
      s.runs.invalidate();
    } catch (err) {
      await showError(`cannot delete ${run.id}`, err);
    }
  });
}
