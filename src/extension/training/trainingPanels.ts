/**
 * Training panels (viewType cxrLab.training), one per run. Fed from the run directory plus this window's live
 * events; a serializer brings them back after a window reload (state: { runDir }).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingFromWebview, TrainingToWebview } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import { readHistoryFile, readRun } from '../runs/runReader';
import type { RunsModel } from '../runs/runsModel';
import type { TrainingManager } from './trainingManager';
import { panelIcon, webviewHtml, webviewOptions } from '../webviewHtml';
import type { WebviewLike } from '../webviewLike';
import { TrainingController } from './trainingController';

export const TRAINING_VIEW_TYPE = 'cxrLab.training';
const OPEN_PANELS_KEY = 'cxrLab.trainingPanels';

export class TrainingPanels extends Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(private readonly context: vscode.ExtensionContext, private readonly runs: RunsModel, private readonly trainings: TrainingManager) {
    super();
    this.register(vscode.window.registerWebviewPanelSerializer(TRAINING_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: { runDir?: string; run?: { runDir?: string } } | undefined) => {
        // The page keeps its state (with run.runDir) via setState; the list in workspaceState covers a page that had none yet.
        const runDir = state?.runDir ?? state?.run?.runDir ?? this.remembered().find((d) => !this.panels.has(d));
        if (runDir) this.attach(panel, runDir);
        else panel.dispose();
      },
    }));
  }

  /** Whether a panel of this run is open (a queue opens its next member's panel only where the user watches one). */
  isOpen(runDir: string): boolean {
    return this.panels.has(runDir);
  }

  open(runDir: string): void {
    const existing = this.panels.get(runDir);
    if (existing) { existing.reveal(); return; }
    const panel = vscode.window.createWebviewPanel(TRAINING_VIEW_TYPE, `Training: ${path.basename(runDir)}`, vscode.ViewColumn.Active,
      { ...webviewOptions(this.context.extensionUri), retainContextWhenHidden: true });
    this.attach(panel, runDir);
  }

  private attach(panel: vscode.WebviewPanel, runDir: string): void {
    this.panels.set(runDir, panel);
    void this.remember();
    panel.title = `Training: ${path.basename(runDir)}`;
    panel.iconPath = panelIcon(this.context.extensionUri);
    panel.webview.options = webviewOptions(this.context.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, this.context.extensionUri, 'training', panel.title);
    const webview: WebviewLike<TrainingToWebview, TrainingFromWebview> = panel.webview;
    const controller = new TrainingController(webview, runDir, {
      readRun: (dir) => readRun(dir),
      readHistory: readHistoryFile,
      liveProgress: (dir) => this.trainings.progress(dir),
      isLive: (dir) => this.trainings.isLive(dir),
      placeholder: (dir) => this.trainings.placeholder(dir),
      cancel: (dir) => void vscode.commands.executeCommand('cxrLab.cancelTraining', dir),
      evaluate: (dir) => void vscode.commands.executeCommand('cxrLab.evaluate', dir),
      onError: (message) => void vscode.window.showWarningMessage(`CXR Lab: ${message}`),
    });
    const stampOf = async () => { const r = await this.runs.get(runDir); return r ? `${r.info.updatedAt}|${r.status}` : ''; };
    let seen = stampOf();
    const subs = [
      controller,
      this.trainings.onDidChange((e) => {
        controller.onTrainingEvent(e);
        if (e.runDir === runDir && e.kind === 'status') setTimeout(() => void controller.reload(), 500); // pick up run.json's final best
      }),
      // A run trained elsewhere (CLI, another window) changes on disk only.
      this.runs.onDidChange(async () => {
        if (this.trainings.isLive(runDir)) return;
        const [before, now] = [await seen, await (seen = stampOf())];
        if (now !== before) await controller.reload();
      }),
    ];
    this.register(panel.onDidDispose(() => {
      subs.forEach((s) => s.dispose());
      if (this.panels.get(runDir) === panel) this.panels.delete(runDir);
      if (!this.isDisposed) void this.remember();
    }));
  }

  private remembered(): string[] {
    return this.context.workspaceState.get<string[]>(OPEN_PANELS_KEY, []);
  }

  private remember(): Thenable<void> {
    return this.context.workspaceState.update(OPEN_PANELS_KEY, [...this.panels.keys()]);
  }
}
