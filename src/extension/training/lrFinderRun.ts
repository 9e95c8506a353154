/**
 * "Run the LR finder…" in Train Model's learning-rate step: the engine's lr-find job with the settings chosen so far
 * (cancellable progress notification), its plot opened beside, its suggestions returned for the step to offer.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runFolderName } from '../../shared/runFiles';
import type { EngineService } from '../engine/engineService';
import { showError } from '../engine/errorNotice';
import { lrChoices, lrFindRoot, type LrChoice } from './lrSuggestions';
import { toTrainRequest, type TrainSettings } from './trainSettings';

export async function runLrFinder(engine: EngineService, workspaceRoot: string, s: TrainSettings): Promise<LrChoice[] | undefined> {
  const outDir = path.join(lrFindRoot(workspaceRoot), runFolderName(s.arch));
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'CXR Lab: LR finder', cancellable: true }, async (progress, token) => {
      let last = 0;
      const job = await engine.start({ type: 'lr-find', dataset: s.dataset, config: toTrainRequest(s, workspaceRoot).config, outDir }, (e) => {
        if (e.type !== 'progress') return;
        if (e.phase === 'lr-find') {
          progress.report({ message: `batch ${e.done} of at most ${e.total}${e.message ? ` · ${e.message}` : ''}`, increment: ((e.done - last) / e.total) * 100 });
          last = e.done;
        } else progress.report({ message: e.phase === 'scan' ? `reading the dataset ${e.done}/${e.total}` : e.message ?? e.phase });
      });
      token.onCancellationRequested(() => job.cancel());
      return job.result;
    });
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(result.pngPath), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: true });
    const choices = lrChoices(result);
    if (choices.length === 0) void vscode.window.showWarningMessage('CXR Lab: the LR finder recorded too few batches for a suggestion (a small training split or a large batch).');
    return choices;
  } catch (err) {
    await showError('the LR finder stopped', err);
    return undefined;
  }
}
