/** CXR Lab: Open Training Panel — live curves of a running run, or the history of a finished one. */
import * as vscode from 'vscode';
import type { Services } from '../services';
import { resolveRun, runDirOf } from './runArg';

export function registerOpenTrainingPanel(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.openTrainingPanel', async (arg?: unknown) => {
    // A run this window has just started may have no run.json yet: open it by its directory anyway.
    const dir = runDirOf(arg);
    if (dir && s.trainings.isLive(dir)) { s.trainingPanels.open(dir); return; }
    const run = await resolveRun(s, arg, { placeHolder: 'Run to show', none: 'no runs yet; start one with "CXR Lab: Train Model".' });
    if (run) s.trainingPanels.open(run.dir);
  });
}
