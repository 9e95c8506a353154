/**
 * The evaluation view (viewType cxrLab.evaluation): one panel, showing one evaluation of a run or an ensemble and the
 * summary of all of them.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CheckpointName } from '../../shared/runFiles';
import type { EvaluationFromWebview, EvaluationToWebview, EvaluationView } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import { readEvalFile, readRun } from '../runs/runReader';
import { readEnsembleFile } from '../runs/ensembleReader';
import { evalFilePath } from '../runs/runFiles';
import type { RunsModel } from '../runs/runsModel';
import { panelIcon, webviewHtml, webviewOptions } from '../webviewHtml';
import type { WebviewLike } from '../webviewLike';
import { EvaluationController } from './evaluationController';
import { imagesRoot, summaryRows, toEnsembleEvaluationView, toEvaluationView } from './evaluationData';

export const EVALUATION_VIEW_TYPE = 'cxrLab.evaluation';

/** eval/<name>.json of a run folder, or of an ensemble folder (.cxr-lab/ensembles/<id>, which holds ensemble.json), as the view's data. */
export async function loadEvaluation(dir: string, name: string): Promise<EvaluationView> {
  const ensemble = await readEnsembleFile(dir);
  if (ensemble) {
    const file = await readEvalFile(evalFilePath(dir, name));
    if (!file) throw new Error(`Ensemble ${ensemble.id} has no ${name} evaluation: run "cxr-lab evaluate <run> --runs …" for it.`);
    return toEnsembleEvaluationView(dir, ensemble, file);
  }
  const [run, file] = await Promise.all([readRun(dir), readEvalFile(evalFilePath(dir, name))]);
  if (!run) throw new Error(`No readable run in ${dir}.`);
  if (!file) throw new Error(`Run ${run.id} has no ${name} evaluation yet: run "CXR Lab: Evaluate" first.`);
  return toEvaluationView(run, file);
}

/** Whether `dir` lies in one of `roots` (or is one). */
export function isUnder(dir: string, roots: Iterable<string>): boolean {
  for (const r of roots) if (dir === r || dir.startsWith(r.endsWith(path.sep) ? r : r + path.sep)) return true;
  return false;
}

export class EvaluationPanel extends Disposable {
  private current?: { panel: vscode.WebviewPanel; controller: EvaluationController };
  /** Folders beyond the extension's and .cxr-lab that the page may read images from (thumbnails): datasets. */
  private readonly imageRoots = new Set<string>();

  constructor(private readonly context: vscode.ExtensionContext, private readonly runs: RunsModel,
    private readonly explainImage: (file: string, runDir: string, checkpoint?: CheckpointName) => void,
    private readonly explainWithAllRuns?: (files: string[], evaluation: EvaluationView) => Promise<void> | void) {
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
    // The datasets of every known run up front: changing the roots later reloads the page.
    for (const run of await this.runs.list()) this.addRoot(run.info.dataset.root);
    for (const ens of await this.runs.ensembles()) this.addRoot(ens.info.dataset.root);
    const panel = vscode.window.createWebviewPanel(EVALUATION_VIEW_TYPE, title, vscode.ViewColumn.Active, this.options());
    panel.iconPath = panelIcon(this.context.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, this.context.extensionUri, 'evaluation', panel.title);
    const webview: WebviewLike<EvaluationToWebview, EvaluationFromWebview> = panel.webview;
    const controller = new EvaluationController(webview, runDir, name, {
      load: loadEvaluation,
      summary: async () => summaryRows(await this.runs.list(), await this.runs.ensembles()),
      explainImage: this.explainImage,
      explainWithAllRuns: this.explainWithAllRuns,
      // The report of this run, or of an ensemble's members (CXR Lab: Export Report with them as the selection).
      exportReport: async (evaluation) => {
        const dirs = evaluation.ensemble?.map((m) => m.runDir) ?? [evaluation.runDir];
        await vscode.commands.executeCommand('cxrLab.exportReport', dirs[0], dirs);
      },
      onError: (message) => void vscode.window.showErrorMessage(`CXR Lab: ${message}`),
      imageUri: (file) => panel.webview.asWebviewUri(vscode.Uri.file(file)).toString(),
      allowImages: (evaluation) => {
        // An evaluation of images outside every known dataset (--data elsewhere): allow their folder too.
        const root = imagesRoot(evaluation.predictions.map((p) => p.file));
        if (root && this.addRoot(root)) panel.webview.options = this.options();
      },
    });
    this.current = { panel, controller };
    this.register(panel.onDidDispose(() => {
      controller.dispose();
      if (this.current?.panel === panel) this.current = undefined;
    }));
  }

  private options(): vscode.WebviewOptions {
    return webviewOptions(this.context.extensionUri, [...this.imageRoots]);
  }

  /** True when `dir` was not yet readable. */
  private addRoot(dir: string): boolean {
    const abs = path.resolve(dir);
    if (isUnder(abs, this.imageRoots)) return false;
    this.imageRoots.add(abs);
    return true;
  }
}
