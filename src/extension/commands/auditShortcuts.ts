/** CXR Lab: Audit Shortcuts — where a run's CAMs look on its test split (lungs, border band, markers), then the audit view. */
import * as vscode from 'vscode';
import { runAuditJob } from '../audit/auditPanel';
import { showError } from '../engine/errorNotice';
import type { Services } from '../services';
import { resolveRun } from './runArg';

export function registerAuditShortcuts(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.auditShortcuts', async (arg?: unknown) => {
    const run = await resolveRun(s, arg, {
      placeHolder: 'Run to audit for shortcuts on its test split', filter: (r) => r.checkpoints.some((c) => c.which === 'best'),
      none: 'no run has a checkpoint to audit yet; train a model first.',
    });
    if (!run) return;
    try {
      const name = await runAuditJob(s.engine, run.dir);
      await s.auditPanel.show(run.dir, name);
    } catch (err) {
      await showError(`the shortcut audit of ${run.id} failed`, err);
    }
  });
}
