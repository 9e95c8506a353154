/** Runs tree → metrics node: open that evaluation in the evaluation view. */
import * as vscode from 'vscode';
import type { Services } from '../services';

export function registerOpenEvaluation(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.openEvaluation', async (runDir?: unknown, name?: unknown) => {
    const node = runDir as { kind?: string; run?: { dir: string }; evaluation?: { name: string } } | undefined;
    const dir = typeof runDir === 'string' ? runDir : node?.run?.dir;
    const evalName = typeof name === 'string' ? name : node?.evaluation?.name ?? 'test';
    if (dir) await s.evaluationPanel.show(dir, evalName);
    else await vscode.commands.executeCommand('cxrLab.compareRuns');
  });
}
