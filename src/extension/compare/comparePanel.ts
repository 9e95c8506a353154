/**
 * The compare view (viewType cxrLab.compare): one panel comparing chosen runs or a sweep — the table, paired tests,
 * validation curves overlaid, a CAM grid — with "Export Report". The engine's compare, grid and report jobs behind it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CompareFromWebview, CompareToWebview } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import type { EngineService } from '../engine/engineService';
import { readHistoryFile } from '../runs/runReader';
import { evalFilePath, readEvalFile } from '../runs/runFiles';
import { panelIcon, webviewHtml, webviewOptions } from '../webviewHtml';
import type { WebviewLike } from '../webviewLike';
import { CompareController, type CompareTarget } from './compareController';
import { writeReportFile, type ReportViewer } from './reportExport';

export const COMPARE_VIEW_TYPE = 'cxrLab.compare';

export class ComparePanel extends Disposable {
  private current?: { panel: vscode.WebviewPanel; controller: CompareController; roots: Set<string> };

  constructor(private readonly context: vscode.ExtensionContext, private readonly engine: EngineService, private readonly reports: ReportViewer,
    private readonly openRun: (runDir: string) => void) {
    super();
  }

  get target(): CompareTarget | undefined {
    return this.current?.controller.current;
  }

  /** Shows the comparison of `target` (a new panel, or the open one comparing these instead). */
  async open(target: CompareTarget): Promise<void> {
    // The grid PNG lands in .cxr-lab/grids beside the first run: runs outside the workspace's .cxr-lab need their folder allowed.
    const dirs = target.paths.map((p) => path.dirname(path.resolve(p)));
    const title = `Compare: ${target.title}`;
    if (this.current) {
      const { panel, controller, roots } = this.current;
      panel.title = title;
      panel.reveal();
      if (dirs.some((d) => !roots.has(d))) {
        dirs.forEach((d) => roots.add(d));
        panel.webview.options = webviewOptions(this.context.extensionUri, [...roots]);
      }
      await controller.show(target);
      return;
    }
    const roots = new Set(dirs);
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, title, vscode.ViewColumn.Active, { ...webviewOptions(this.context.extensionUri, [...roots]), retainContextWhenHidden: true });
    panel.iconPath = panelIcon(this.context.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, this.context.extensionUri, 'compare', title);
    const webview: WebviewLike<CompareToWebview, CompareFromWebview> = panel.webview;
    const controller = new CompareController(webview, {
      compare: (paths, onProgress) => this.engine.start({ type: 'compare', runs: paths }, (e) => {
        if (e.type === 'progress') onProgress({ phase: e.phase, done: e.done, total: e.total, ...(e.message ? { message: e.message } : {}) });
      }),
      history: readHistoryFile,
      evaluation: (runDir) => readEvalFile(evalFilePath(runDir, 'test')),
      grid: (request, onProgress) => this.engine.start({ type: 'grid', ...request }, (e) => {
        if (e.type === 'progress') onProgress({ done: e.done, total: e.total, ...(e.message ? { message: e.message } : {}) });
      }),
      exportReport: async (t, onProgress) => {
        const result = await writeReportFile(this.engine, t, onProgress);
        await this.reports.open(result.out);
        return result;
      },
      toWebviewUri: (file) => panel.webview.asWebviewUri(vscode.Uri.file(file)).toString(),
      openRun: this.openRun,
    }, target);
    this.current = { panel, controller, roots };
    this.register(panel.onDidDispose(() => {
      controller.dispose();
      if (this.current?.panel === panel) this.current = undefined;
    }));
  }
}
