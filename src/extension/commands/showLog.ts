/** CXR Lab: Show Log — the engine's output channel. */
import * as vscode from 'vscode';
import type { Services } from '../services';

export function registerShowLog(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.showLog', () => s.output.show(true));
}
