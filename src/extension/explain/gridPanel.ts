/**
 * The CAM grid view (viewType cxrLab.grid): one panel showing the same images explained by several runs (and methods),
 * the engine's `grid` job behind it; "Export PNG…" copies the PNG the engine composed to a file the user picks.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CheckpointName } from '../../shared/runFiles';
import type { GridFromWebview, GridToWebview } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import type { EngineService } from '../engine/engineService';
import { panelIcon, webviewHtml, webviewOptions } from '../webviewHtml';
import type { WebviewLike } from '../webviewLike';
import { GridController, type GridJobRequest } from './gridController';

export const GRID_VIEW_TYPE = 'cxrLab.grid';

export function gridTitle(r: GridJobRequest): string {
  return `CAM grid: ${r.images.length} image${r.images.length === 1 ? '' : 's'} × ${r.runs.length} run${r.runs.length === 1 ? '' : 's'}`;
}

export class GridPanel extends Disposable {
  private current?: { panel: vscode.WebviewPanel; controller: GridController; roots: Set<string> };

  constructor(private readonly context: vscode.ExtensionContext, private readonly engine: EngineService,
    private readonly openCell: (image: string, runDir: string, checkpoint: CheckpointName) => void) {
    super();
  }

  /** Shows the grid of `request` (a new panel, or the open one with its job replaced). */
  async open(request: GridJobRequest): Promise<void> {
    // The page reads the overlays from each run's cams/ (or --out): runs outside the workspace's .cxr-lab too.
    const dirs = [...request.runs, ...(request.outDir ? [request.outDir] : [])].map((d) => path.resolve(d));
    if (this.current) {
      const { panel, controller, roots } = this.current;
      panel.title = gridTitle(request);
      panel.reveal();
      if (dirs.some((d) => !roots.has(d))) {
        dirs.forEach((d) => roots.add(d));
        panel.webview.options = webviewOptions(this.context.extensionUri, [...roots]);
      }
      await controller.show(request);
      return;
    }
    const roots = new Set(dirs);
    const panel = vscode.window.createWebviewPanel(GRID_VIEW_TYPE, gridTitle(request), vscode.ViewColumn.Active, webviewOptions(this.context.extensionUri, [...roots]));
    panel.iconPath = panelIcon(this.context.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, this.context.extensionUri, 'grid', panel.title);
    const webview: WebviewLike<GridToWebview, GridFromWebview> = panel.webview;
    const controller = new GridController(webview, {
      grid: async (r, onProgress) => this.engine.start({ type: 'grid', ...r }, (e) => {
        if (e.type === 'progress') onProgress({ done: e.done, total: e.total, ...(e.message ? { message: e.message } : {}) });
      }),
      toWebviewUri: (file) => panel.webview.asWebviewUri(vscode.Uri.file(file)).toString(),
      exportPng: (png) => exportPng(png),
      openCell: this.openCell,
    }, request);
    this.current = { panel, controller, roots };
    this.register(panel.onDidDispose(() => {
      controller.dispose();
      if (this.current?.panel === panel) this.current = undefined;
    }));
  }
}

/** Save dialog (in the workspace folder), then a copy of the engine's PNG there. */
async function exportPng(png: string): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(png);
  const target = await vscode.window.showSaveDialog({
    title: 'Export the CAM grid as PNG', saveLabel: 'Export', filters: { 'PNG image': ['png'] },
    defaultUri: vscode.Uri.file(path.join(folder, 'cam-grid.png')),
  });
  if (!target) return undefined;
  await vscode.workspace.fs.copy(vscode.Uri.file(png), target, { overwrite: true });
  return target.fsPath;
}
