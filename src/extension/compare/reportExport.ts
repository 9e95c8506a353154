/**
 * "Export Report" (the compare view, the evaluation view, CXR Lab: Export Report): the engine's report job writes one
 * self-contained HTML file into the workspace (`.cxr-lab/reports/<name>.html`, atomically), then a webview shows it —
 * the file needs nothing but itself, so it opens the same in VS Code, code-server (where a file:// URL cannot reach the
 * browser) and any browser it is mailed to.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ReportResult } from '../../shared/compare';
import { LAB_DIR, runStamp } from '../../shared/runFiles';
import type { GridProgress } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import type { EngineService } from '../engine/engineService';
import { panelIcon } from '../webviewHtml';
import type { CompareTarget } from './compareController';

export const REPORT_VIEW_TYPE = 'cxrLab.report';
export const REPORTS_FOLDER = path.join(LAB_DIR, 'reports');

/** A file name from a sweep id or run id: letters, digits, dot, dash and underscore. */
export function reportName(target: Pick<CompareTarget, 'sweep' | 'paths'>, now = new Date()): string {
  const base = target.sweep ?? (target.paths.length === 1 ? path.basename(target.paths[0]) : `compare-${runStamp(now)}`);
  return base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || `report-${runStamp(now)}`;
}

/** `<workspace>/.cxr-lab/reports/<name>.html`, or undefined without a workspace folder (the engine then puts it beside the first run). */
export function reportFile(workspaceRoot: string | undefined, name: string): string | undefined {
  return workspaceRoot ? path.join(workspaceRoot, REPORTS_FOLDER, `${name}.html`) : undefined;
}

/** Runs the report job; progress as the compare view shows it. */
export async function writeReportFile(engine: EngineService, target: CompareTarget, onProgress: (p: GridProgress & { phase: string }) => void): Promise<ReportResult> {
  const root = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
  const job = await engine.start({ type: 'report', runs: target.paths, out: reportFile(root, reportName(target)) }, (e) => {
    if (e.type === 'progress') onProgress({ phase: e.phase, done: e.done, total: e.total, ...(e.message ? { message: e.message } : {}) });
  });
  return job.result;
}

/** The written reports, each in a webview panel of its own (the same file twice: the open panel, reloaded). */
export class ReportViewer extends Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(private readonly context: vscode.ExtensionContext) {
    super();
  }

  async open(file: string): Promise<void> {
    const html = await fs.readFile(file, 'utf8');
    let panel = this.panels.get(file);
    if (!panel) {
      panel = vscode.window.createWebviewPanel(REPORT_VIEW_TYPE, `Report: ${path.basename(file)}`, vscode.ViewColumn.Active,
        { enableScripts: false, enableFindWidget: true, localResourceRoots: [] });
      panel.iconPath = panelIcon(this.context.extensionUri);
      this.panels.set(file, panel);
      const opened = panel;
      this.register(panel.onDidDispose(() => { if (this.panels.get(file) === opened) this.panels.delete(file); }));
    }
    // The report's own Content-Security-Policy (no script, images from data: only) governs the page.
    panel.webview.html = html;
    panel.reveal();
  }

  override dispose(): void {
    for (const p of this.panels.values()) p.dispose();
    super.dispose();
  }
}

/** Report, then open it, with a notification's progress: for the evaluation view and the command. */
export async function exportAndOpen(engine: EngineService, viewer: ReportViewer, target: CompareTarget): Promise<ReportResult | undefined> {
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `CXR Lab: writing the report of ${target.title}`, cancellable: false },
    (progress) => writeReportFile(engine, target, (p) => progress.report({ message: `${p.phase}${p.total > 0 ? ` ${p.done}/${p.total}` : ''}${p.message ? ` · ${p.message}` : ''}` })));
  await viewer.open(result.out);
  if (result.warnings.length) void vscode.window.showWarningMessage(`CXR Lab: report written to ${result.out}. ${result.warnings.join(' ')}`);
  return result;
}
