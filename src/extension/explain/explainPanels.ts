/**
 * Grad-CAM views (viewType cxrLab.explain) beside their image, one per image. The same wiring serves the
 * "Grad-CAM" custom editor: attach() gives any webview an ExplainController for one image.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExplainFromWebview, ExplainToWebview } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import type { EngineService } from '../engine/engineService';
import type { RunsModel } from '../runs/runsModel';
import { panelIcon, resourceRoots, webviewHtml, webviewOptions } from '../webviewHtml';
import type { WebviewLike } from '../webviewLike';
import type { CheckpointChoice } from './checkpointChoice';
import { ExplainController } from './explainController';
import { pickCheckpoint } from './pickCheckpoint';

export const EXPLAIN_VIEW_TYPE = 'cxrLab.explain';

const isInside = (file: string, dir: string) => !path.relative(dir, file).startsWith('..') && !path.isAbsolute(path.relative(dir, file));

export class ExplainPanels extends Disposable {
  private readonly panels = new Map<string, { panel: vscode.WebviewPanel; controller: ExplainController }>();

  constructor(private readonly context: vscode.ExtensionContext, private readonly engine: EngineService, private readonly runs: RunsModel) {
    super();
  }

  /** Opens (or reveals) the Grad-CAM view of `image` beside the active editor. */
  open(image: string, checkpoint?: CheckpointChoice): void {
    const existing = this.panels.get(image);
    if (existing) {
      existing.panel.reveal(vscode.ViewColumn.Beside, true);
      if (checkpoint) void existing.controller.setCheckpoint(checkpoint);
      return;
    }
    const panel = vscode.window.createWebviewPanel(EXPLAIN_VIEW_TYPE, `Grad-CAM: ${path.basename(image)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, webviewOptions(this.context.extensionUri, [path.dirname(image)]));
    panel.iconPath = panelIcon(this.context.extensionUri);
    const controller = this.attach(panel.webview, image, checkpoint);
    this.panels.set(image, { panel, controller });
    this.register(panel.onDidDispose(() => {
      controller.dispose();
      if (this.panels.get(image)?.panel === panel) this.panels.delete(image);
    }));
  }

  /** Sets the page and the controller on a webview (panel or custom editor) showing `image`. */
  attach(webview: vscode.Webview, image: string, checkpoint?: CheckpointChoice): ExplainController {
    webview.options = webviewOptions(this.context.extensionUri, [path.dirname(image)]);
    webview.html = webviewHtml(webview, this.context.extensionUri, 'explain', `Grad-CAM: ${path.basename(image)}`);
    const typed: WebviewLike<ExplainToWebview, ExplainFromWebview> = webview;
    return new ExplainController(typed, image, {
      explain: async (o) => {
        const job = await this.engine.start({
          type: 'explain', runDir: o.runDir, images: [o.image], checkpoint: o.checkpoint, classIndex: o.classIndex, layer: o.layer,
          method: o.method, augSmooth: o.augSmooth, eigenSmooth: o.eigenSmooth,
        });
        return job.result;
      },
      listRuns: () => this.runs.list(),
      pickCheckpoint,
      toWebviewUri: (file) => webview.asWebviewUri(vscode.Uri.file(file)).toString(),
      allowFolder: (dir) => {
        // Runs of the workspace are under its .cxr-lab, already allowed; changing options reloads the page, so only when needed.
        if (resourceRoots(this.context.extensionUri, [path.dirname(image)]).some((r) => isInside(dir, r.fsPath))) return;
        webview.options = webviewOptions(this.context.extensionUri, [path.dirname(image), dir]);
      },
    }, checkpoint);
  }
}
