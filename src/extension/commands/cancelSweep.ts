/** CXR Lab: Cancel Queue — the member in progress stops after its batch (resumable), the members still queued do not start. */
import * as vscode from 'vscode';
import type { Services } from '../services';
import { resolveSweep } from './sweepArg';
import { cancelSlurmJob } from '../slurm/slurmActions';

export function registerCancelSweep(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.cancelSweep', async (arg?: unknown) => {
    const sweep = await resolveSweep(s, arg, { placeHolder: 'Training queue to cancel', filter: (w) => w.status === 'running', none: 'no training queue is running.' });
    if (!sweep) return;
    if (s.sweeps.cancel(sweep)) {
      vscode.window.setStatusBarMessage(`CXR Lab: cancelling training queue ${sweep.id} after the current batch…`, 5000);
      return;
    }
    // A queue submitted to Slurm has no runner here: each member's job still queued or running is scancelled.
    const jobs = sweep.members.filter((m) => m.run?.slurm?.cancellable);
    if (jobs.length > 0) {
      for (const m of jobs) await cancelSlurmJob(s, m.dir).catch((err: Error) => void vscode.window.showWarningMessage(`CXR Lab: ${m.member.name}: ${err.message}`));
      vscode.window.setStatusBarMessage(`CXR Lab: cancelled ${jobs.length} Slurm job${jobs.length === 1 ? '' : 's'} of ${sweep.id}.`, 5000);
      s.runs.invalidate();
      return;
    }
    void vscode.window.showInformationMessage(`CXR Lab: training queue ${sweep.id} is not running here (${sweep.status}).`);
  });
}
