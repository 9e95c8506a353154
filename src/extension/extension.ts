/**
 * Entry of the CXR Lab extension. activate() only wires: services, trees, panels and commands, all in
 * context.subscriptions. The engine process starts on first use.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { DatasetTree } from './dataset/datasetTree';
import { EngineService } from './engine/engineService';
import { EvaluationPanel } from './evaluation/evaluationPanel';
import { choiceFor } from './explain/checkpointChoice';
import { ExplainPanels } from './explain/explainPanels';
import { GradcamEditorProvider } from './explain/gradcamEditor';
import { AuditPanel } from './audit/auditPanel';
import { GridPanel } from './explain/gridPanel';
import { gridRequestFor } from './explain/gridRuns';
import { RunsModel } from './runs/runsModel';
import { RunsTree } from './runs/runsTree';
import { STATE_KEYS, type Services } from './services';
import { TrainingStatusBar } from './training/statusBar';
import { TrainingManager } from './training/trainingManager';
import { TrainingPanels } from './training/trainingPanels';

export function activate(context: vscode.ExtensionContext): void {
  const sub = <T extends vscode.Disposable>(d: T): T => { context.subscriptions.push(d); return d; };

  const output = sub(vscode.window.createOutputChannel('CXR Lab'));
  const engine = sub(new EngineService(context.asAbsolutePath('dist/engineHost.js'), output));
  const runs = sub(new RunsModel());
  const trainings = sub(new TrainingManager(engine, runs));
  const runsTree = sub(new RunsTree(runs, trainings));
  const datasetRoot = () => context.workspaceState.get<string>(STATE_KEYS.datasetRoot) ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const dataset = sub(new DatasetTree(engine, datasetRoot));
  const explainPanels = sub(new ExplainPanels(context, engine, runs));
  const gridPanel = sub(new GridPanel(context, engine, (file, runDir, which) => {
    void runs.get(runDir).then((run) => explainPanels.open(file, run && choiceFor(run, which)));
  }));
  const evaluationPanel = sub(new EvaluationPanel(context, runs, (file, runDir) => {
    void runs.get(runDir).then((run) => explainPanels.open(file, run && choiceFor(run, 'best')));
  }, async (files, evaluation) => {
    // "Explain these images with all runs": the runs sharing the evaluation's classes are the grid's columns.
    const request = gridRequestFor(evaluation, files, await runs.list());
    if (request) await gridPanel.open(request);
  }));
  const trainingPanels = sub(new TrainingPanels(context, runs, trainings));
  const auditPanel = sub(new AuditPanel(context, engine, (file, runDir) => {
    void runs.get(runDir).then((run) => explainPanels.open(file, run && choiceFor(run, 'best')));
  }));
  const services: Services = { context, output, engine, runs, runsTree, dataset, trainings, trainingPanels, evaluationPanel, explainPanels, auditPanel };

  sub(vscode.window.createTreeView('cxrLab.dataset', { treeDataProvider: dataset, showCollapseAll: false }));
  sub(vscode.window.createTreeView('cxrLab.runs', { treeDataProvider: runsTree, showCollapseAll: true }));
  sub(new TrainingStatusBar(trainings, engine));
  sub(new GradcamEditorProvider(explainPanels));
  registerCommands(services).forEach(sub);
}

export function deactivate(): void {
  // Everything is in context.subscriptions; disposing the engine service stops the engine process.
}
