/** Runs tree → checkpoint → "Explain with this checkpoint": asks for an image, then opens its Grad-CAM view. */
import * as vscode from 'vscode';
import { choiceFor } from '../explain/checkpointChoice';
import type { RunNode } from '../runs/runTreeModel';
import type { Services } from '../services';
import { askForImage } from './explainImage';
import { resolveRun } from './runArg';

export function registerExplainWithCheckpoint(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.explainWithCheckpoint', async (arg?: unknown) => {
    const node = arg as RunNode | undefined;
    const run = await resolveRun(s, arg, { placeHolder: 'Run whose checkpoint explains the image', filter: (r) => r.checkpoints.length > 0, none: 'no run has a checkpoint yet.' });
    if (!run) return;
    const choice = choiceFor(run, node?.kind === 'checkpoint' ? node.which : 'best') ?? choiceFor(run, 'last');
    if (!choice) return;
    const image = await askForImage(`Image to explain with ${run.id} (${choice.which})`, run.info.dataset.root);
    if (image) s.explainPanels.open(image.fsPath, choice);
  });
}
