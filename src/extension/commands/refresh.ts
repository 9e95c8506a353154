/** CXR Lab: Refresh — read the runs again and rescan the dataset. */
import * as vscode from 'vscode';
import type { Services } from '../services';

export function registerRefresh(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.refresh', () => {
    s.runsTree.refresh();
    s.dataset.refresh();
  });
}
