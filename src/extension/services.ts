/** What commands reach: created once in activate(), all registered in context.subscriptions. */
import type * as vscode from 'vscode';
import type { DatasetTree } from './dataset/datasetTree';
import type { EngineService } from './engine/engineService';
import type { EvaluationPanel } from './evaluation/evaluationPanel';
import type { ExplainPanels } from './explain/explainPanels';
import type { AuditPanel } from './audit/auditPanel';
import type { SamplesPanel } from './dataset/samplesPanel';
import type { ComparePanel } from './compare/comparePanel';
import type { ReportViewer } from './compare/reportExport';
import type { RunsModel } from './runs/runsModel';
import type { RunsTree } from './runs/runsTree';
import type { TrainingManager } from './training/trainingManager';
import type { TrainingPanels } from './training/trainingPanels';
import type { SweepManager } from './training/sweepManager';

export interface Services {
  context: vscode.ExtensionContext;
  output: vscode.OutputChannel;
  engine: EngineService;
  runs: RunsModel;
  runsTree: RunsTree;
  dataset: DatasetTree;
  trainings: TrainingManager;
  trainingPanels: TrainingPanels;
  /** Training queues: started as a detached runner process, followed in every window. */
  sweeps: SweepManager;
  evaluationPanel: EvaluationPanel;
  explainPanels: ExplainPanels;
  auditPanel: AuditPanel;
  samplesPanel: SamplesPanel;
  comparePanel: ComparePanel;
  reports: ReportViewer;
}

export const STATE_KEYS = { lastTrainSettings: 'cxrLab.lastTrainSettings', datasetRoot: 'cxrLab.datasetRoot' } as const;
