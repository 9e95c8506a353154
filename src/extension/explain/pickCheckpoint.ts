/** Quick pick of a checkpoint for Grad-CAM; offers "Train Model" when there is none. */
import * as vscode from 'vscode';
import type { CheckpointChoice } from './checkpointChoice';

export async function pickCheckpoint(choices: CheckpointChoice[], current?: CheckpointChoice): Promise<CheckpointChoice | undefined> {
  if (choices.length === 0) {
    const train = await vscode.window.showWarningMessage('CXR Lab: no trained checkpoint yet to explain with.', 'Train Model');
    if (train) await vscode.commands.executeCommand('cxrLab.trainModel');
    return undefined;
  }
  const same = (c: CheckpointChoice) => current && c.runDir === current.runDir && c.which === current.which;
  const items = choices.map((c) => ({
    label: c.runId, description: `${c.which}${c.epoch !== undefined ? ` · epoch ${c.epoch}` : ''} · ${c.arch}${same(c) ? ' · current' : ''}`,
    detail: c.classes.join(', '), choice: c,
  }));
  const picked = await vscode.window.showQuickPick(items, { title: 'Checkpoint for Grad-CAM', placeHolder: 'Run and checkpoint (best or last) that explains the image', matchOnDescription: true });
  return picked?.choice;
}

