/** The evaluation view (viewType cxrLab.evaluation): one panel, showing one run's evaluation and the summary of all runs. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EvaluationFromWebview, EvaluationToWebview } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import { readEvalFile, readRun } from '../runs/runReader';
import { evalFilePath } from '../runs/runFiles';
import type { RunsModel } from '../runs/runsModel';
import { panelIcon, webviewHtml, webviewOptions } from '../webviewHtml';
import type { WebviewLike } from '../webviewLike';
import { EvaluationController } from './evaluationController';
import { summaryRows, toEvaluationView } from './evaluationData';

export const EVALUATION_VIEW_TYPE = 'cxrLab.evaluation';

/** eval/<name>.json of a run as the view's data. */
export async function loadEvaluation(runDir: string, name: string) {
  const [run, file] = await Promise.all([readRun(runDir), readEvalFile(evalFilePath(runDir, name))]);
  if (!run) throw new Error(`No readable run in ${runDir}.`);
  if (!file) throw new Error(`Run ${run.id} has no ${name} evaluation yet: run "CXR Lab: Evaluate" first.`);
  return toEvaluationView(run, file);
}

export class EvaluationPanel extends Disposable {
  private current?: { panel: vscode.WebviewPanel; controller: EvaluationController };

  constructor(private readonly context: vscode.ExtensionContext, private readonly runs: RunsModel,
    private readonly explainImage: (file: string, runDir: string) => void) {
    super();
    this.register(runs.onDidChange(() => void this.current?.controller.refreshSummary()));
  }

  async show(runDir: string, name: string): Promise<void> {
    const title = `Evaluation: ${path.basename(runDir)} · ${name}`;
    if (this.current) {
      this.current.panel.title = title;
      this.current.panel.reveal();
      await this.current.controller.show(runDir, name);
      return;
    }
    const panel = vscode.window.createWebviewPanel(EVALUATION_VIEW_TYPE, title, vscode.ViewColumn.Active, webviewOptions(this.context.extensionUri));
    panel.iconPath = panelIcon(this.context.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, this.context.extensionUri, 'evaluation', panel.title);
    const webview: WebviewLike<EvaluationToWebview, EvaluationFromWebview> = panel.webview;
    const controller = new EvaluationController(webview, runDir, name, {
      load: loadEvaluation,
      summary: async () => summaryRows(await this.runs.list()),
      explainImage: this.explainImage,
      onError: (message) => void vscode.window.showErrorMessage(`CXR Lab: ${message}`),
    });
    this.current = { panel, controller };
    this.register(panel.onDidDispose(() => {
      controller.dispose();
      if (this.current?.panel === panel) this.current = undefined;
    }));
  }
}
