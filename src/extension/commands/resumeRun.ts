/** CXR Lab: Resume Run — continue a cancelled, failed or interrupted run from checkpoints/last. */
import * as vscode from 'vscode';
import { showError } from '../engine/errorNotice';
import type { Services } from '../services';
import { isTraining } from '../runs/runReader';
import { hasResumePoint } from '../runs/runTreeModel';
import { resolveRun } from './runArg';
import * as path from 'node:path';
import { pickExecutor, resubmitToSlurm } from '../slurm/slurmActions';

export function registerResumeRun(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.resumeRun', async (arg?: unknown) => {
    const run = await resolveRun(s, arg, {
      placeHolder: 'Run to resume', none: 'no cancelled or interrupted run to resume.',
      filter: (r) => !isTraining(r.status) && r.status !== 'completed' && (hasResumePoint(r) || !!r.slurm?.resumable),
    });
    if (!run) return;
    if (isTraining(run.status)) {
      void vscode.window.showInformationMessage(`CXR Lab: ${run.id} is still training${run.status === 'running' ? '' : ` (${run.status})`}.`);
      return;
    }
    try {
      if (run.slurm) {
        // A Slurm run: submitted again (where sbatch is), or trained here — from its submission when it never started.
        const executor = await pickExecutor('Resume on');
        if (!executor) return;
        if (executor === 'slurm') {
          const r = await resubmitToSlurm(s, path.dirname(run.dir), run.dir);
          s.runs.invalidate();
          vscode.window.setStatusBarMessage(`CXR Lab: ${run.id} submitted again as Slurm job ${r.runs[0]?.jobId}.`, 5000);
          s.trainingPanels.open(run.dir);
          return;
        }
        if (run.notStarted) {
          await s.trainings.start({ dataset: run.info.dataset.root, config: run.info.config, runDir: run.dir }, {});
          s.trainingPanels.open(run.dir);
          return;
        }
      }
      await s.trainings.resume(run.dir, run.info.config.arch, run.info.config.epochs);
      s.trainingPanels.open(run.dir);
    } catch (err) {
      await showError(`cannot resume ${run.id}`, err);
    }
  });
}
