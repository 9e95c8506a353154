/** CXR Lab: Evaluate — a run's best (or chosen) checkpoint on its test split, then the evaluation view. */
import * as vscode from 'vscode';
import { showError } from '../engine/errorNotice';
import type { RunNode } from '../runs/runTreeModel';
import type { Services } from '../services';
import { resolveRun } from './runArg';

export function registerEvaluate(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.evaluate', async (arg?: unknown) => {
    const run = await resolveRun(s, arg, {
      placeHolder: 'Run to evaluate on its test split', filter: (r) => r.checkpoints.some((c) => c.which === 'best'),
      none: 'no run has a checkpoint to evaluate yet; train a model first.',
    });
    if (!run) return;
    const checkpoint = (arg as RunNode | undefined)?.kind === 'checkpoint' ? (arg as Extract<RunNode, { kind: 'checkpoint' }>).which : 'best';
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `CXR Lab: evaluating ${run.id} (${checkpoint}) on the test split`, cancellable: true },
        async (progress, token) => {
          let last = 0;
          const job = await s.engine.start({ type: 'evaluate', runDir: run.dir, split: 'test', checkpoint }, (e) => {
            if (e.type !== 'progress' || e.total <= 0) return;
            const pct = (100 * e.done) / e.total;
            progress.report({ message: `${e.phase} ${e.done}/${e.total}`, increment: e.phase === 'evaluate' ? Math.max(0, pct - last) : undefined });
            if (e.phase === 'evaluate') last = pct;
          });
          token.onCancellationRequested(() => job.cancel());
          return job.result;
        });
      s.runs.invalidate();
      await s.evaluationPanel.show(run.dir, result.name);
    } catch (err) {
      await showError(`evaluation of ${run.id} failed`, err);
    }
  });
}
