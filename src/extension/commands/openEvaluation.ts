/** Runs tree → metrics node: open that evaluation in the evaluation view. */
import * as vscode from 'vscode';
import { newestEvaluation } from '../evaluation/evaluationData';
import type { Services } from '../services';

export function registerOpenEvaluation(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.openEvaluation', async (runDir?: unknown, name?: unknown) => {
    const node = runDir as { kind?: string; run?: { dir: string }; evaluation?: { name: string } } | undefined;
    const dir = typeof runDir === 'string' ? runDir : node?.run?.dir;
    const evalName = typeof name === 'string' ? name : node?.evaluation?.name ?? 'test';
    if (dir) { await s.evaluationPanel.show(dir, evalName); return; }
    // Nothing named: the most recent evaluation of any run or ensemble.
    const newest = newestEvaluation(await s.runs.list(), await s.runs.ensembles());
    if (newest) { await s.evaluationPanel.show(newest.runDir, newest.name); return; }
    const go = await vscode.window.showInformationMessage('CXR Lab: no run has been evaluated yet.', 'Evaluate…');
    if (go) await vscode.commands.executeCommand('cxrLab.evaluate');
  });
}
