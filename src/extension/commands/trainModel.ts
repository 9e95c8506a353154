/** CXR Lab: Train Model — quick-pick the settings (or reuse the last ones), start the run, open its panel. */
import * as vscode from 'vscode';
import { showError } from '../engine/errorNotice';
import { STATE_KEYS, type Services } from '../services';
import { pickTrainSettings } from '../training/trainPicks';
import { asTrainSettings, toTrainRequest, type TrainSettings } from '../training/trainSettings';

/** The workspace folder that holds the dataset, else the first one: runs go to its .cxr-lab/runs. */
export function workspaceRootFor(dataset?: string): string | undefined {
  const folder = dataset ? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dataset)) : undefined;
  return (folder ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath;
}

export async function trainWith(s: Services, settings: TrainSettings): Promise<void> {
  const root = workspaceRootFor(settings.dataset)!;
  const body = toTrainRequest(settings, root);
  await s.context.workspaceState.update(STATE_KEYS.lastTrainSettings, settings);
  if (s.context.workspaceState.get(STATE_KEYS.datasetRoot) !== settings.dataset) {
    await s.context.workspaceState.update(STATE_KEYS.datasetRoot, settings.dataset);
    s.dataset.refresh();
  }
  await s.trainings.start(body);
  s.trainingPanels.open(body.runDir);
}

export function registerTrainModel(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.trainModel', async () => {
    const workspaceRoot = workspaceRootFor();
    if (!workspaceRoot) {
      const open = await vscode.window.showWarningMessage('CXR Lab: open a folder of images first (one sub-folder per class).', 'Open Folder');
      if (open) await vscode.commands.executeCommand('vscode.openFolder');
      return;
    }
    try {
      const settings = await pickTrainSettings({
        workspaceRoot,
        last: asTrainSettings(s.context.workspaceState.get(STATE_KEYS.lastTrainSettings)),
        models: async () => (await (await s.engine.start({ type: 'info' })).result).models,
      });
      if (settings) await trainWith(s, settings);
    } catch (err) {
      await showError('cannot start training', err);
    }
  });
}
