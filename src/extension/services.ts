/** What commands reach: created once in activate(), all registered in context.subscriptions. */
import type * as vscode from 'vscode';
import type { DatasetTree } from './dataset/datasetTree';
import type { EngineService } from './engine/engineService';
import type { EvaluationPanel } from './evaluation/evaluationPanel';
import type { ExplainPanels } from './explain/explainPanels';
import type { AuditPanel } from './audit/auditPanel';
import type { RunsModel } from './runs/runsModel';
import type { RunsTree } from './runs/runsTree';
import type { TrainingManager } from './training/trainingManager';
import type { TrainingPanels } from './training/trainingPanels';

export interface Services {
  context: vscode.ExtensionContext;
  output: vscode.OutputChannel;
  engine: EngineService;
  runs: RunsModel;
  runsTree: RunsTree;
  dataset: DatasetTree;
  trainings: TrainingManager;
  trainingPanels: TrainingPanels;
  evaluationPanel: EvaluationPanel;
  explainPanels: ExplainPanels;
  auditPanel: AuditPanel;
}

export const STATE_KEYS = { lastTrainSettings: 'cxrLab.lastTrainSettings', datasetRoot: 'cxrLab.datasetRoot' } as const;
