/** Failures as notifications with a way forward (the log, the dataset's problems), never a stack trace. */
import * as vscode from 'vscode';
import { carriedKind } from '../../shared/errorKind';

const SHOW_LOG = 'Show Log';
const DATASET_PROBLEMS = 'Open Dataset Problems';

/** Dataset failures (kind 'dataset', as an EngineError carries it from the engine process) get "Open Dataset Problems" as well. */
export function errorActions(err: unknown): string[] {
  return carriedKind(err) === 'dataset' ? [SHOW_LOG, DATASET_PROBLEMS] : [SHOW_LOG];
}

/** A cancelled job is what the user asked for: no notification. */
export async function showError(what: string, err: unknown): Promise<void> {
  if (carriedKind(err) === 'cancelled') return;
  const message = err instanceof Error ? err.message : String(err);
  const choice = await vscode.window.showErrorMessage(`CXR Lab: ${what}: ${message}`, ...errorActions(err));
  if (choice === SHOW_LOG) await vscode.commands.executeCommand('cxrLab.showLog');
  else if (choice === DATASET_PROBLEMS) {
    await vscode.commands.executeCommand('cxrLab.dataset.focus');
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  }
}
