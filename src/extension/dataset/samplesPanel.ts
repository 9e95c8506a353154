/**
 * The sample grid view (viewType cxrLab.samples, the Dataset view's "Show Samples"): random images per class beside the
 * same images augmented by a training preset, each class's intensity histogram and image sizes; Regenerate draws again.
 * Thumbnails are written to `<workspace>/.cxr-lab/samples/` (one draw at a time) and shown from there.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LAB_DIR } from '../../shared/runFiles';
import { DEFAULT_SAMPLES_PER_CLASS } from '../../shared/samples';
import type { SamplesFromWebview, SamplesToWebview } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import type { EngineService } from '../engine/engineService';
import { panelIcon, webviewHtml, webviewOptions } from '../webviewHtml';
import type { WebviewLike } from '../webviewLike';
import { SamplesController, type SamplesJobRequest } from './samplesController';

export const SAMPLES_VIEW_TYPE = 'cxrLab.samples';
export const SAMPLES_DIR = 'samples';

export function samplesTitle(root: string): string {
  return `Samples: ${path.basename(root)}`;
}

export class SamplesPanel extends Disposable {
  private current?: { panel: vscode.WebviewPanel; controller: SamplesController };

  constructor(private readonly context: vscode.ExtensionContext, private readonly engine: EngineService) {
    super();
  }

  /** Shows the samples of `root`; thumbnails go to `<workspaceRoot>/.cxr-lab/samples`. */
  async open(root: string, workspaceRoot: string): Promise<void> {
    const thumbnailsDir = path.join(workspaceRoot, LAB_DIR, SAMPLES_DIR);
    const request: SamplesJobRequest = { root, preset: 'recommended', perClass: DEFAULT_SAMPLES_PER_CLASS, seed: 42, thumbnailsDir };
    if (this.current) {
      this.current.panel.title = samplesTitle(root);
      this.current.panel.reveal();
      if (this.current.controller.current.root !== root) await this.current.controller.show(request);
      return;
    }
    const panel = vscode.window.createWebviewPanel(SAMPLES_VIEW_TYPE, samplesTitle(root), vscode.ViewColumn.Active, webviewOptions(this.context.extensionUri, [thumbnailsDir]));
    panel.iconPath = panelIcon(this.context.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, this.context.extensionUri, 'samples', panel.title);
    const webview: WebviewLike<SamplesToWebview, SamplesFromWebview> = panel.webview;
    const controller = new SamplesController(webview, {
      samples: async (r, onProgress) => this.engine.start({ type: 'samples', ...r }, (e) => {
        if (e.type === 'progress') onProgress({ done: e.done, total: e.total, ...(e.phase === 'scan' ? { message: 'reading the dataset' } : {}) });
      }),
      toWebviewUri: (file) => panel.webview.asWebviewUri(vscode.Uri.file(file)).toString(),
      openImage: (file) => void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file), { viewColumn: vscode.ViewColumn.Beside, preview: true }),
      clearThumbnails: async () => {
        await fs.rm(thumbnailsDir, { recursive: true, force: true });
        await fs.mkdir(thumbnailsDir, { recursive: true });
      },
    }, request);
    this.current = { panel, controller };
    this.register(panel.onDidDispose(() => {
      controller.dispose();
      if (this.current?.panel === panel) this.current = undefined;
    }));
  }
}
