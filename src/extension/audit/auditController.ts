/**
 * Message handling of the shortcut-audit view: the audit after ready, an image's Grad-CAM on a tile click, and auditing
 * again (with a masks folder the user picks). No vscode import: the unit tests drive it with a fake webview.
 */
import type { AuditFromWebview, AuditToWebview, AuditView } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import type { WebviewLike } from '../webviewLike';

export interface AuditDeps {
  /** audit/<name>.json of the run, as the view's data (overlays as webview URIs). */
  load(runDir: string, name: string): Promise<AuditView>;
  explainImage(file: string, runDir: string): void;
  /** A folder of lung masks mirroring the class folders, or undefined when the user cancels. */
  chooseMasks(): Promise<string | undefined>;
  /** Runs the audit on the engine; resolves to the audit's name (`test`). */
  audit(runDir: string, o: { split: string; method: string; masks?: string }): Promise<string>;
  onError(message: string): void;
}

export class AuditController extends Disposable {
  private ready = false;
  private view?: AuditView;

  constructor(private readonly webview: WebviewLike<AuditToWebview, AuditFromWebview>, private target: { runDir: string; name: string },
    private readonly deps: AuditDeps) {
    super();
    this.register(webview.onDidReceiveMessage((m) => this.handle(m)));
  }

  get current(): { runDir: string; name: string } {
    return { ...this.target };
  }

  async handle(message: AuditFromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        return this.send();
      case 'explainImage':
        // Only images of the audit on show.
        if (this.view?.audit.images.some((i) => i.file === message.file) || this.view?.audit.failed.some((f) => f.file === message.file)) {
          this.deps.explainImage(message.file, this.target.runDir);
        }
        return;
      case 'chooseMasks': {
        const masks = await this.deps.chooseMasks();
        if (masks) await this.rerun(masks);
        return;
      }
      case 'rerun':
        return this.rerun(this.view?.audit.masks.source === 'folder' ? this.view.audit.masks.dir : undefined);
    }
  }

  async show(runDir: string, name: string): Promise<void> {
    this.target = { runDir, name };
    await this.send();
  }

  private async rerun(masks: string | undefined): Promise<void> {
    const audit = this.view?.audit;
    const split = audit?.split ?? 'test', method = audit?.method ?? 'gradcam';
    await this.post({ type: 'busy', message: `Auditing ${this.view?.runId ?? 'the run'} on ${split}${masks ? ` with the lung masks in ${masks}` : ''}…` });
    try {
      const name = await this.deps.audit(this.target.runDir, { split, method, ...(masks ? { masks } : {}) });
      await this.show(this.target.runDir, name);
    } catch (err) {
      const message = (err as Error).message;
      this.deps.onError(message);
      await this.post({ type: 'error', message }); // the page keeps the audit it showed
    }
  }

  private async send(): Promise<void> {
    if (!this.ready) return;
    try {
      this.view = await this.deps.load(this.target.runDir, this.target.name);
      await this.post({ type: 'init', view: this.view });
    } catch (err) {
      await this.post({ type: 'error', message: (err as Error).message });
    }
  }

  private async post(m: AuditToWebview): Promise<void> {
    if (!this.isDisposed) await this.webview.postMessage(m);
  }
}
