/** Failures as notifications with a way forward (the log, the dataset's problems), never a stack trace. */
import * as vscode from 'vscode';

const SHOW_LOG = 'Show Log';
const DATASET_PROBLEMS = 'Open Dataset Problems';

/** Dataset failures get the "Open Dataset Problems" action as well. */
export function isDatasetError(message: string): boolean {
  return /dataset|class folder|no (readable )?image|not an image|too few|classes?\b.*(empty|only)|cannot read/i.test(message);
}

export function errorActions(message: string): string[] {
  return isDatasetError(message) ? [SHOW_LOG, DATASET_PROBLEMS] : [SHOW_LOG];
}

export async function showError(what: string, err: unknown): Promise<void> {
  const message = err instanceof Error ? err.message : String(err);
  const choice = await vscode.window.showErrorMessage(`CXR Lab: ${what}: ${message}`, ...errorActions(message));
  if (choice === SHOW_LOG) await vscode.commands.executeCommand('cxrLab.showLog');
  else if (choice === DATASET_PROBLEMS) {
    await vscode.commands.executeCommand('cxrLab.dataset.focus');
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  }
}
