/** CXR Lab: Reveal Run — the run folder in the Explorer (or the OS file manager when it is outside the workspace). */
import * as vscode from 'vscode';
import type { Services } from '../services';
import { resolveRun } from './runArg';

export function registerRevealRun(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.revealRun', async (arg?: unknown) => {
    const run = await resolveRun(s, arg, { placeHolder: 'Run to reveal', none: 'no runs yet.' });
    if (!run) return;
    const uri = vscode.Uri.file(run.dir);
    const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
    await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', uri);
  });
}
