/** CXR Lab: Compare Runs — the evaluation view on the newest evaluation, with the summary table of every run's evaluations. */
import * as vscode from 'vscode';
import { newestEvaluation } from '../evaluation/evaluationData';
import type { Services } from '../services';

export function registerCompareRuns(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.compareRuns', async () => {
    const newest = newestEvaluation(await s.runs.list(), await s.runs.ensembles());
    if (newest) { await s.evaluationPanel.show(newest.runDir, newest.name); return; }
    const go = await vscode.window.showInformationMessage('CXR Lab: no run has been evaluated yet.', 'Evaluate…');
    if (go) await vscode.commands.executeCommand('cxrLab.evaluate');
  });
}
