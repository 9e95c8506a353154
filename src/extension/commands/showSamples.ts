/** CXR Lab: Show Samples (the Dataset view's title bar) — random images per class and the same images augmented by a preset. */
import * as vscode from 'vscode';
import { STATE_KEYS, type Services } from '../services';
import { showError } from '../engine/errorNotice';
import { workspaceRootFor } from './trainModel';

export function registerShowSamples(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.showSamples', async () => {
    // The dataset the Dataset view shows: the one chosen for training last, else the workspace folder.
    const root = s.context.workspaceState.get<string>(STATE_KEYS.datasetRoot) ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!root) {
      void vscode.window.showWarningMessage('CXR Lab: open a folder of images first (one sub-folder per class).');
      return;
    }
    try {
      await s.samplesPanel.open(root, workspaceRootFor(root) ?? root);
    } catch (err) {
      await showError('cannot show the samples', err);
    }
  });
}
