/** CXR Lab: Resume Run — continue a cancelled, failed or interrupted run from checkpoints/last. */
import * as vscode from 'vscode';
import { showError } from '../engine/errorNotice';
import type { Services } from '../services';
import { resolveRun } from './runArg';

export function registerResumeRun(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.resumeRun', async (arg?: unknown) => {
    const run = await resolveRun(s, arg, {
      placeHolder: 'Run to resume', none: 'no cancelled or interrupted run to resume.',
      filter: (r) => r.status !== 'running' && r.status !== 'completed' && r.checkpoints.some((c) => c.which === 'last'),
    });
    if (!run) return;
    if (run.status === 'running') {
      void vscode.window.showInformationMessage(`CXR Lab: ${run.id} is still training.`);
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
