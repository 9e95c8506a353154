/** Every command of the extension; each lives in its own file. */
import type * as vscode from 'vscode';
import type { Services } from '../services';
import { registerCancelTraining } from './cancelTraining';
import { registerCancelSweep } from './cancelSweep';
import { registerResumeSweep } from './resumeSweep';
import { registerCompareRuns } from './compareRuns';
import { registerAuditShortcuts } from './auditShortcuts';
import { registerExportReport } from './exportReport';
import { registerDeleteRun } from './deleteRun';
import { registerEvaluate } from './evaluate';
import { registerExplainImage } from './explainImage';
import { registerExplainWithCheckpoint } from './explainWithCheckpoint';
import { registerOpenEvaluation } from './openEvaluation';
import { registerOpenTrainingPanel } from './openTrainingPanel';
import { registerRefresh } from './refresh';
import { registerResumeRun } from './resumeRun';
import { registerRevealRun } from './revealRun';
import { registerShowLog } from './showLog';
import { registerTrainModel } from './trainModel';
import { registerShowSamples } from './showSamples';
import { registerInstallNativeBackend } from './installNativeBackend';
import { registerRemoveNativeBackend } from './removeNativeBackend';

export function registerCommands(s: Services): vscode.Disposable[] {
  return [
    registerTrainModel, registerCancelTraining, registerCancelSweep, registerResumeSweep, registerEvaluate, registerExplainImage, registerExplainWithCheckpoint,
    registerOpenTrainingPanel, registerOpenEvaluation, registerResumeRun, registerDeleteRun, registerRevealRun,
    registerRefresh, registerShowLog, registerCompareRuns, registerExportReport, registerAuditShortcuts,
    registerInstallNativeBackend, registerRemoveNativeBackend, registerShowSamples,
  ].map((register) => register(s));
}
