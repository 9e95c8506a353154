/**
 * CXR Lab: Cancel Training — this window's training, or a run of another process (a CLI run, a training queue's member:
 * interrupted with SIGINT, as Ctrl-C would; for a queue member, this run only or the whole queue).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { pidAlive } from '../../shared/node/runFs';
import type { Services } from '../services';
import { resolveRun, runDirOf } from './runArg';
import { cancelSlurmJob } from '../slurm/slurmActions';
import { showError } from '../engine/errorNotice';

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
    if (run?.slurm?.cancellable) {
      // A Slurm job, pending or running on whatever node: scancel (a running training stops after its batch, resumable).
      try {
        await cancelSlurmJob(s, runDir);
        vscode.window.setStatusBarMessage(`CXR Lab: cancelled Slurm job ${run.slurm.jobId} (${run.id}).`, 5000);
        s.runs.invalidate();
      } catch (err) {
        await showError(`cannot cancel Slurm job ${run.slurm.jobId}`, err);
      }
      return;
    }
    if (run?.sweep && run.status === 'running') {
      // A training queue's member: this run only (the queue goes on), or the whole queue.
      const choice = await vscode.window.showQuickPick([
        { label: `Cancel ${run.id} only`, description: 'the queue goes on with its next member', queue: false },
        { label: 'Cancel the whole queue', description: 'this run stops after its batch; the members still queued do not start', queue: true },
      ], { placeHolder: `${run.id} is a member of training queue ${path.basename(run.sweep)}` });
      if (!choice) return;
      if (choice.queue) { await vscode.commands.executeCommand('cxrLab.cancelSweep', run.sweep); return; }
    }
    if (run?.status === 'running' && pidAlive(run.info.pid)) {
      process.kill(run.info.pid, 'SIGINT');
      vscode.window.setStatusBarMessage(`CXR Lab: asked process ${run.info.pid} to cancel ${run.id}…`, 5000);
      return;
    }
    void vscode.window.showInformationMessage(`CXR Lab: ${run?.id ?? runDir} is not training.`);
  });
}
