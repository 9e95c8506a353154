/** CXR Lab: Train Model — quick-pick the settings (or reuse the last ones), start the run, open its panel. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { claimNewFolder } from '../../shared/node/runFs';
import { showError } from '../engine/errorNotice';
import { STATE_KEYS, type Services } from '../services';
import { pickTrainSettings } from '../training/trainPicks';
import { asTrainSettings, isQueue, toTrainRequest, type TrainSettings } from '../training/trainSettings';
import { preflightTraining } from '../training/preflightFlow';
import { datasetCandidates } from '../training/datasetCandidates';
import { findWeights } from '../training/weightsDiscovery';
import { weightsCacheDir } from '../../shared/node/weightsCache';
import { latestLrFind, lrChoices } from '../training/lrSuggestions';
import { runLrFinder } from '../training/lrFinderRun';
import { pickExecutor, trainOnSlurm } from '../slurm/slurmActions';

/** The workspace folder that holds the dataset, else the first one: runs go to its .cxr-lab/runs. */
export function workspaceRootFor(dataset?: string): string | undefined {
  const folder = dataset ? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dataset)) : undefined;
  return (folder ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath;
}

export async function trainWith(s: Services, settings: TrainSettings): Promise<void> {
  const root = workspaceRootFor(settings.dataset)!;
  const body = toTrainRequest(settings, root);
  if (s.context.workspaceState.get(STATE_KEYS.datasetRoot) !== settings.dataset) {
    await s.context.workspaceState.update(STATE_KEYS.datasetRoot, settings.dataset);
    s.dataset.refresh();
  }
  // "Run on: this machine / Slurm cluster" where sbatch is on PATH (a login node, or Remote-SSH on one).
  const executor = await pickExecutor();
  if (!executor) return;
  if (executor === 'slurm') {
    await trainOnSlurm(s, root, { dataset: settings.dataset, config: body.config, ...(isQueue(settings) ? { archs: settings.archs ?? [settings.arch], seeds: settings.seeds } : {}) });
    await s.context.workspaceState.update(STATE_KEYS.lastTrainSettings, settings);
    return;
  }
  if (isQueue(settings)) {
    // Several architectures or seeds: a training queue, worked through by a runner of its own (sweepManager.ts).
    const { firstRunDir } = await s.sweeps.start(settings, root);
    await s.context.workspaceState.update(STATE_KEYS.lastTrainSettings, settings);
    s.trainingPanels.open(firstRunDir);
    return;
  }
  // The run's folder is claimed now: a run of the same second elsewhere (another window, the CLI) gets another name.
  body.runDir = await claimNewFolder(path.dirname(body.runDir), path.basename(body.runDir));
  // "Train with last settings" offers settings that trained: remembered once the first epoch finished.
  await s.trainings.start(body, { onFirstEpoch: () => void s.context.workspaceState.update(STATE_KEYS.lastTrainSettings, settings) });
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
      const models = async () => (await (await s.engine.start({ type: 'info' })).result).models;
      const weights = async () => findWeights({ roots: [workspaceRoot], cacheDir: weightsCacheDir(), archs: await models() });
      const picked = await pickTrainSettings({
        workspaceRoot, models, weights, datasets: () => datasetCandidates(workspaceRoot),
        lrSuggestions: async (st) => { const f = await latestLrFind(workspaceRoot, st.dataset, st.arch); return f ? lrChoices(f) : []; },
        findLr: (st) => runLrFinder(s.engine, workspaceRoot, st),
        last: asTrainSettings(s.context.workspaceState.get(STATE_KEYS.lastTrainSettings)),
      });
      // The preflight says what will happen (and offers ways out) before any run folder is created.
      const settings = picked && await preflightTraining({ engine: s.engine, output: s.output, workspaceRoot, weights }, picked);
      if (settings) await trainWith(s, settings);
    } catch (err) {
      await showError('cannot start training', err);
    }
  });
}
