/** CXR Lab: Resume Run — continue a cancelled, failed or interrupted run from checkpoints/last. */
import * as vscode from 'vscode';
import { showError } from '../engine/errorNotice';
import type { Services } from '../services';
import { isTraining } from '../runs/runReader';
import { hasResumePoint } from '../runs/runTreeModel';
import { resolveRun } from './runArg';

export function registerResumeRun(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.resumeRun', async (arg?: unknown) => {
    const run = await resolveRun(s, arg, {
      placeHolder: 'Run to resume', none: 'no cancelled or interrupted run to resume.',
      filter: (r) => !isTraining(r.status) && r.status !== 'completed' && hasResumePoint(r),
    });
    if (!run) return;
    if (isTraining(run.status)) {
      void vscode.window.showInformationMessage(`CXR Lab: ${run.id} is still training${run.status === 'running' ? '' : ` (${run.status})`}.`);
      return;
    }
    try {
      await s.trainings.resume(run.dir, run.info.config.arch, run.info.config.epochs);
      s.trainingPanels.open(run.dir);
    } catch (err) {
      await showError(`cannot resume ${run.id}`, err);
    }
  });
}
