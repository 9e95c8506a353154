/**
 * Train Model's preflight, before any run folder is created: the engine checks the data, the weights and the backend
 * and times a few steps (a cancellable notification meanwhile); then preflightDialog says what will happen. Resolves
 * with the settings to train with — changed by a way out (a smaller image size, other weights, none) — or undefined.
 */
import * as vscode from 'vscode';
import { preflightReport } from '../../shared/preflight';
import type { EngineService } from '../engine/engineService';
import { showError } from '../engine/errorNotice';
import { applyChoice, INSTALL_NATIVE_COMMAND, preflightDialog, preflightLogLine, type PreflightChoice } from './preflightDialog';
import { pickPretrained } from './trainPicks';
import { toTrainRequest, type TrainSettings } from './trainSettings';
import type { FoundWeights } from './weightsDiscovery';

export interface PreflightDeps {
  engine: EngineService;
  output: vscode.OutputChannel;
  workspaceRoot: string;
  weights: () => Promise<FoundWeights[]>;
}

/** Weights chosen again at most this often before the flow gives up asking. */
const MAX_ROUNDS = 4;

export async function preflightTraining(d: PreflightDeps, first: TrainSettings): Promise<TrainSettings | undefined> {
  let settings = first;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let result;
    try {
      result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'CXR Lab: preflight', cancellable: true }, async (progress, token) => {
        const job = await d.engine.start({ type: 'preflight', dataset: settings.dataset, config: toTrainRequest(settings, d.workspaceRoot).config }, (e) => {
          if (e.type === 'progress') progress.report({ message: e.phase === 'scan' ? `reading the dataset ${e.done}/${e.total}` : e.message ?? e.phase });
        });
        token.onCancellationRequested(() => job.cancel());
        return job.result;
      });
    } catch (err) {
      await showError('the preflight found a problem; no run was started', err);
      return undefined;
    }
    const report = preflightReport(result);
    const nativeCommand = (await vscode.commands.getCommands(true)).includes(INSTALL_NATIVE_COMMAND);
    const dialog = preflightDialog(report, { nativeCommand });
    if (!dialog.modal) {
      d.output.appendLine(preflightLogLine(report, { kind: 'train' }, settings.dataset));
      void vscode.window.showInformationMessage(dialog.message);
      return settings;
    }
    const show = dialog.severity === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    const label = await show(dialog.message, { modal: true, detail: dialog.detail }, ...dialog.buttons.map((b) => b.label));
    const choice: PreflightChoice | undefined = dialog.buttons.find((b) => b.label === label)?.choice;
    d.output.appendLine(preflightLogLine(report, choice, settings.dataset));
    if (!choice) return undefined;
    if (choice.kind === 'install-native') {
      await vscode.commands.executeCommand(INSTALL_NATIVE_COMMAND);
      return undefined;
    }
    if (choice.kind === 'choose-weights') {
      const picked = await pickPretrained({ workspaceRoot: d.workspaceRoot, weights: d.weights }, settings.arch, { imagenet: false });
      if (picked === undefined) return undefined;
      if (picked === null) return applyChoice(settings, { kind: 'no-weights' });
      settings = { ...settings, pretrained: picked };
      continue; // check the new weights (and time them) before training
    }
    return applyChoice(settings, choice);
  }
  return undefined;
}
