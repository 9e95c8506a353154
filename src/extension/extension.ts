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
import { SamplesPanel } from './dataset/samplesPanel';
import { ComparePanel } from './compare/comparePanel';
import { ReportViewer } from './compare/reportExport';
import { GridPanel } from './explain/gridPanel';
import { gridRequestFor } from './explain/gridRuns';
import { RunsModel } from './runs/runsModel';
import { RunsTree } from './runs/runsTree';
import { STATE_KEYS, type Services } from './services';
import { TrainingStatusBar } from './training/statusBar';
import { TrainingManager } from './training/trainingManager';
import { TrainingPanels } from './training/trainingPanels';
import { SweepManager } from './training/sweepManager';
import { nativeEngineEnvFor } from './native/nativeInstall';
import { registerNativeOffer } from './native/offerNativeBackend';

export function activate(context: vscode.ExtensionContext): void {
  const sub = <T extends vscode.Disposable>(d: T): T => { context.subscriptions.push(d); return d; };

  const output = sub(vscode.window.createOutputChannel('CXR Lab'));
  // Each engine process gets the native backend's libraries from global storage when installed (native/nativeInstall.ts).
  const engine = sub(new EngineService(context.asAbsolutePath('dist/engineHost.js'), output, () => nativeEngineEnvFor({ context, output })));
  const runs = sub(new RunsModel());
  const trainings = sub(new TrainingManager(engine, runs, context.workspaceState));
  const runsTree = sub(new RunsTree(runs, trainings));
  const datasetRoot = () => context.workspaceState.get<string>(STATE_KEYS.datasetRoot) ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const dataset = sub(new DatasetTree(engine, datasetRoot));
  const explainPanels = sub(new ExplainPanels(context, engine, runs));
  const gridPanel = sub(new GridPanel(context, engine, (file, runDir, which) => {
    void runs.get(runDir).then((run) => explainPanels.open(file, run && choiceFor(run, which)));
  }));
  const evaluationPanel = sub(new EvaluationPanel(context, runs, (file, runDir, which) => {
    // The reusable Grad-CAM view updates in place while the evaluation keeps the focus (click through a list).
    void runs.get(runDir).then((run) => explainPanels.open(file, run && (choiceFor(run, which ?? 'best') ?? choiceFor(run, 'best')), { preserveFocus: true }));
  }, async (files, evaluation) => {
    // "Explain these images with all runs": the runs sharing the evaluation's classes are the grid's columns.
    const request = gridRequestFor(evaluation, files, await runs.list());
    if (request) await gridPanel.open(request);
  }));
  const trainingPanels = sub(new TrainingPanels(context, runs, trainings));
  // Training queues run in a runner process of their own; every window follows them (and attaches after a reload).
  const sweeps = sub(new SweepManager({ context, output, runs, trainings, trainingPanels, engineEnv: () => nativeEngineEnvFor({ context, output }) }));
  const auditPanel = sub(new AuditPanel(context, engine, (file, runDir) => {
    void runs.get(runDir).then((run) => explainPanels.open(file, run && choiceFor(run, 'best')));
  }));
  const reports = sub(new ReportViewer(context));
  const comparePanel = sub(new ComparePanel(context, engine, reports, (runDir) => void evaluationPanel.show(runDir, 'test')));
  const samplesPanel = sub(new SamplesPanel(context, engine));
  const services: Services = { context, output, engine, runs, runsTree, dataset, trainings, trainingPanels, sweeps, evaluationPanel, explainPanels, auditPanel, comparePanel, reports, samplesPanel };

  sub(vscode.window.createTreeView('cxrLab.dataset', { treeDataProvider: dataset, showCollapseAll: false }));
  sub(vscode.window.createTreeView('cxrLab.runs', { treeDataProvider: runsTree, showCollapseAll: true, canSelectMany: true }));
  sub(new TrainingStatusBar(trainings, engine));
  sub(new GradcamEditorProvider(explainPanels));
  registerCommands(services).forEach(sub);
  sub(registerNativeOffer(services));
}

export function deactivate(): void {
  // Everything is in context.subscriptions; disposing the engine service stops the engine process.
}
