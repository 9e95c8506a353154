/**
 * The shortcut-audit view (viewType cxrLab.audit): one panel showing one audit/<name>.json of a run — verdict, per-class
 * table, ranked gallery — and the engine job behind "Audit Shortcuts" (a cancellable progress notification).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditFromWebview, AuditToWebview, AuditView } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import type { EngineService } from '../engine/engineService';
import { readRun } from '../runs/runReader';
import { auditFilePath, readAuditFile } from '../runs/runFiles';
import { panelIcon, webviewHtml, webviewOptions } from '../webviewHtml';
import type { WebviewLike } from '../webviewLike';
import { AuditController } from './auditController';

export const AUDIT_VIEW_TYPE = 'cxrLab.audit';

/** audit/<name>.json of a run as the view's data; `uri` turns the gallery's overlay files into webview URIs. */
export async function loadAudit(runDir: string, name: string, uri: (file: string) => string): Promise<AuditView> {
  const [run, audit] = await Promise.all([readRun(runDir), readAuditFile(auditFilePath(runDir, name))]);
  if (!run) throw new Error(`No readable run in ${runDir}.`);
  if (!audit) throw new Error(`Run ${run.id} has no ${name} audit yet: run "CXR Lab: Audit Shortcuts" first.`);
  const overlays: Record<string, string> = {};
  // The file's mtime in the query: an audit run again rewrites the overlays under the same names.
  const stamp = Date.parse(audit.createdAt) || 0;
  for (const img of audit.images) if (img.overlay) overlays[img.rel] = `${uri(img.overlay)}${stamp ? `?v=${stamp}` : ''}`;
  return { runDir, runId: run.id, arch: run.info.config.arch, name, audit, overlays };
}

/** Runs the audit of `runDir` on the engine with a cancellable progress notification; resolves to its name. */
export async function runAuditJob(engine: EngineService, runDir: string, o: { split?: string; method?: string; masks?: string } = {}): Promise<string> {
  const split = (o.split ?? 'test') as 'test' | 'val' | 'train';
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `CXR Lab: auditing ${path.basename(runDir)} for shortcuts (${split})`, cancellable: true },
    async (progress, token) => {
      let last = 0;
      const job = await engine.start({ type: 'audit', runDir, split, ...(o.method ? { method: o.method } : {}), ...(o.masks ? { masks: o.masks } : {}) }, (e) => {
        if (e.type !== 'progress' || e.total <= 0) return;
        const pct = (100 * e.done) / e.total;
        progress.report({ message: `${e.phase} ${e.done}/${e.total}`, increment: e.phase === 'audit' ? Math.max(0, pct - last) : undefined });
        if (e.phase === 'audit') last = pct;
      });
      token.onCancellationRequested(() => job.cancel());
      const result = await job.result;
      return path.basename(result.jsonPath, '.json');
    });
}

export class AuditPanel extends Disposable {
  private current?: { panel: vscode.WebviewPanel; controller: AuditController };

  constructor(private readonly context: vscode.ExtensionContext, private readonly engine: EngineService,
    private readonly explainImage: (file: string, runDir: string) => void) {
    super();
  }

  async show(runDir: string, name: string): Promise<void> {
    const title = `Shortcut audit: ${path.basename(runDir)} · ${name}`;
    if (this.current) {
      this.current.panel.title = title;
      this.current.panel.reveal();
      await this.current.controller.show(runDir, name);
      return;
    }
    const panel = vscode.window.createWebviewPanel(AUDIT_VIEW_TYPE, title, vscode.ViewColumn.Active, webviewOptions(this.context.extensionUri, [path.dirname(runDir)]));
    panel.iconPath = panelIcon(this.context.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, this.context.extensionUri, 'audit', title);
    const webview: WebviewLike<AuditToWebview, AuditFromWebview> = panel.webview;
    const controller = new AuditController(webview, { runDir, name }, {
      load: (dir, n) => {
        // A run outside the workspace's .cxr-lab (a CLI run elsewhere): let the page read its overlays.
        const roots = panel.webview.options.localResourceRoots ?? [];
        if (!roots.some((r) => !path.relative(r.fsPath, dir).startsWith('..'))) panel.webview.options = webviewOptions(this.context.extensionUri, [path.dirname(dir)]);
        return loadAudit(dir, n, (file) => panel.webview.asWebviewUri(vscode.Uri.file(file)).toString());
      },
      explainImage: this.explainImage,
      chooseMasks: async () => (await vscode.window.showOpenDialog({
        canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Use these lung masks',
        title: 'Lung masks: a folder mirroring the class folders (e.g. COVID/<image name>.png)',
      }))?.[0]?.fsPath,
      audit: (dir, o) => runAuditJob(this.engine, dir, o),
      onError: (message) => void vscode.window.showErrorMessage(`CXR Lab: the audit failed: ${message}`),
    });
    this.current = { panel, controller };
    this.register(panel.onDidDispose(() => {
      controller.dispose();
      if (this.current?.panel === panel) this.current = undefined;
    }));
  }
}
