/** CXR Lab: Cancel Training — this window's training, or a CLI run (interrupted with SIGINT, as Ctrl-C would). */
import * as vscode from 'vscode';
import { pidAlive } from '../../shared/node/runFs';
import type { Services } from '../services';
import { resolveRun, runDirOf } from './runArg';

export function registerCancelTraining(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.cancelTraining', async (arg?: unknown) => {
    const live = s.trainings.liveRuns();
    let runDir = runDirOf(arg);
    if (!runDir && live.length === 1) runDir = live[0].runDir;
    if (!runDir) {
      runDir = (await resolveRun(s, undefined, { placeHolder: 'Run to cancel', filter: (r) => r.status === 'running', none: 'no training is running.' }))?.dir;
      if (!runDir) return;
    }
    if (s.trainings.cancel(runDir)) {
      vscode.window.setStatusBarMessage('CXR Lab: cancelling after the current batch…', 5000);
      return;
    }
    const run = await s.runs.get(runDir);
    if (run?.status === 'running' && pidAlive(run.info.pid)) {
      process.kill(run.info.pid, 'SIGINT');
      vscode.window.setStatusBarMessage(`CXR Lab: asked process ${run.info.pid} to cancel ${run.id}…`, 5000);
      return;
    }
    void vscode.window.showInformationMessage(`CXR Lab: ${run?.id ?? runDir} is not training.`);
  });
}
