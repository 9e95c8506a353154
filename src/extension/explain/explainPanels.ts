/**
 * Grad-CAM views (viewType cxrLab.explain). Like VS Code's preview editors: one reusable view shows whatever image was
 * explained last — the evaluation's lists and top losses update it in place — until its pin keeps it on its image; the
 * next explanation then opens a new reusable view. A view opens beside the active editor only when there is one editor
 * group; otherwise in another existing group (the reusable view stays in its own), so explaining never splits further.
 * The same wiring serves the "Grad-CAM" custom editor: attach() gives any webview an ExplainController for one image.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExplainFromWebview, ExplainToWebview } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import type { EngineService } from '../engine/engineService';
import { readSplit } from '../runs/runFiles';
import type { RunsModel } from '../runs/runsModel';
import { panelIcon, resourceRoots, webviewHtml, webviewOptions } from '../webviewHtml';
import type { WebviewLike } from '../webviewLike';
import type { CheckpointChoice } from './checkpointChoice';
import { ExplainController } from './explainController';
import { explainColumn } from './explainColumn';
import { imageFacts } from './imageFacts';
import { pickCheckpoint } from './pickCheckpoint';

export const EXPLAIN_VIEW_TYPE = 'cxrLab.explain';

const isInside = (file: string, dir: string) => !path.relative(dir, file).startsWith('..') && !path.isAbsolute(path.relative(dir, file));

/** The tab's title: the image, and whether the view is pinned to it. */
export const explainTitle = (image: string, pinned: boolean) => `Grad-CAM${pinned ? ' (pinned)' : ''}: ${path.basename(image)}`;

interface ExplainEntry { panel: vscode.WebviewPanel; controller: ExplainController }

export interface OpenOptions {
  /** Keep the focus where it is (a click in the evaluation's lists keeps the list active). */
  preserveFocus?: boolean;
}

export class ExplainPanels extends Disposable {
  /** The reusable view; undefined when none is open. */
  private preview?: ExplainEntry;
  private readonly pinned = new Set<ExplainEntry>();
  /** open() calls one after another: two quick clicks must not both create a reusable view. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly context: vscode.ExtensionContext, private readonly engine: EngineService, private readonly runs: RunsModel) {
    super();
  }

  /** Shows `image` in the view pinned to it, else in the reusable view (opened where explainColumn says when there is none). */
  open(image: string, checkpoint?: CheckpointChoice, o: OpenOptions = {}): Promise<void> {
    this.queue = this.queue.then(() => this.show(image, checkpoint, o)).catch(() => undefined);
    return this.queue;
  }

  private async show(image: string, checkpoint: CheckpointChoice | undefined, o: OpenOptions): Promise<void> {
    const sameCheckpoint = (c: ExplainController) => !checkpoint || (c.checkpointChoice?.runDir === checkpoint.runDir && c.checkpointChoice.which === checkpoint.which);
    const pinned = [...this.pinned].find((e) => e.controller.image === image && sameCheckpoint(e.controller));
    if (pinned) {
      pinned.panel.reveal(pinned.panel.viewColumn, o.preserveFocus);
      return;
    }
    if (this.preview) {
      const { panel, controller } = this.preview;
      panel.title = explainTitle(image, false);
      panel.reveal(panel.viewColumn, o.preserveFocus);
      if (controller.image !== image || !sameCheckpoint(controller)) await controller.setImage(image, checkpoint);
      return;
    }
    // The datasets of every known run up front: a later change of the roots reloads the page.
    const roots = [path.dirname(image), ...new Set((await this.runs.list()).map((r) => r.info.dataset.root))];
    const groups = vscode.window.tabGroups;
    const column = explainColumn(groups.all.map((g) => g.viewColumn), groups.activeTabGroup.viewColumn);
    const panel = vscode.window.createWebviewPanel(EXPLAIN_VIEW_TYPE, explainTitle(image, false),
      { viewColumn: column === 'beside' ? vscode.ViewColumn.Beside : column, preserveFocus: o.preserveFocus ?? false },
      webviewOptions(this.context.extensionUri, roots));
    panel.iconPath = panelIcon(this.context.extensionUri);
    const entry: ExplainEntry = { panel, controller: undefined as unknown as ExplainController };
    entry.controller = this.attach(panel.webview, image, checkpoint, { roots, pin: () => this.pin(entry) });
    this.preview = entry;
    void entry.controller.setPinned(false);
    this.register(panel.onDidDispose(() => {
      entry.controller.dispose();
      if (this.preview === entry) this.preview = undefined;
      this.pinned.delete(entry);
    }));
  }

  /** The reusable view keeps its image from now on; the next explanation opens a new reusable view. */
  private pin(entry: ExplainEntry): void {
    if (this.preview !== entry) return;
    this.preview = undefined;
    this.pinned.add(entry);
    entry.panel.title = explainTitle(entry.controller.image, true);
    void entry.controller.setPinned(true);
  }

  /** Number of views open, reusable and pinned (for tests and the e2e's checks). */
  get openCount(): { preview: number; pinned: number } {
    return { preview: this.preview ? 1 : 0, pinned: this.pinned.size };
  }

  /** Sets the page and the controller on a webview (panel or custom editor) showing `image`. */
  attach(webview: vscode.Webview, image: string, checkpoint?: CheckpointChoice, o: { roots?: string[]; pin?: () => void } = {}): ExplainController {
    const roots = new Set(o.roots ?? [path.dirname(image)]);
    webview.options = webviewOptions(this.context.extensionUri, [...roots]);
    webview.html = webviewHtml(webview, this.context.extensionUri, 'explain', `Grad-CAM: ${path.basename(image)}`);
    const typed: WebviewLike<ExplainToWebview, ExplainFromWebview> = webview;
    return new ExplainController(typed, image, {
      explain: async (r) => {
        const job = await this.engine.start({
          type: 'explain', runDir: r.runDir, images: [r.image], checkpoint: r.checkpoint, classIndex: r.classIndex, layer: r.layer,
          method: r.method, augSmooth: r.augSmooth, eigenSmooth: r.eigenSmooth, scale: r.scale, colormap: r.colormap,
        });
        return job.result;
      },
      listRuns: () => this.runs.list(),
      pickCheckpoint,
      toWebviewUri: (file) => webview.asWebviewUri(vscode.Uri.file(file)).toString(),
      allowFolder: (dir) => {
        // Runs of the workspace are under its .cxr-lab, already allowed; changing options reloads the page, so only when needed.
        if (resourceRoots(this.context.extensionUri, [...roots]).some((r) => isInside(dir, r.fsPath))) return;
        roots.add(dir);
        webview.options = webviewOptions(this.context.extensionUri, [...roots]);
      },
      imageFacts: async (file, runDir) => {
        const run = await this.runs.get(runDir);
        if (!run) return undefined;
        return imageFacts(file, { root: run.info.dataset.root, classes: run.info.dataset.classes }, await readSplit(runDir).catch(() => undefined));
      },
      ...(o.pin ? { pin: o.pin } : {}),
    }, checkpoint);
  }
}
