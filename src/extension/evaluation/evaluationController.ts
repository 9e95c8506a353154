/** Message handling of the evaluation view: init after ready, switch evaluations, open an image's Grad-CAM. */
import type { EvaluationFromWebview, EvaluationToWebview, EvaluationView, SummaryRow } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import type { WebviewLike } from '../webviewLike';

export interface EvaluationDeps {
  load(runDir: string, name: string): Promise<EvaluationView>;
  summary(): Promise<SummaryRow[]>;
  explainImage(file: string, runDir: string): void;
  onError(message: string): void;
}

export class EvaluationController extends Disposable {
  private ready = false;
  private target: { runDir: string; name: string };

  constructor(private readonly webview: WebviewLike<EvaluationToWebview, EvaluationFromWebview>, runDir: string, name: string, private readonly deps: EvaluationDeps) {
    super();
    this.target = { runDir, name };
    this.register(webview.onDidReceiveMessage((m) => this.handle(m)));
  }

  get current(): { runDir: string; name: string } {
    return { ...this.target };
  }

  async handle(message: EvaluationFromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        return this.sendInit();
      case 'explainImage':
        this.deps.explainImage(message.file, message.runDir);
        return;
      case 'openEvaluation':
        return this.show(message.runDir, message.name);
    }
  }

  async show(runDir: string, name: string): Promise<void> {
    this.target = { runDir, name };
    await this.sendInit();
  }

  /** Runs were added, evaluated or deleted: send the new summary table. */
  async refreshSummary(): Promise<void> {
    if (!this.ready) return;
    await this.post({ type: 'summary', summary: await this.deps.summary() });
  }

  private async sendInit(): Promise<void> {
    if (!this.ready) return;
    try {
      const [evaluation, summary] = await Promise.all([this.deps.load(this.target.runDir, this.target.name), this.deps.summary()]);
      await this.post({ type: 'init', evaluation, summary });
    } catch (err) {
      this.deps.onError((err as Error).message);
    }
  }

  private async post(m: EvaluationToWebview): Promise<void> {
    if (!this.isDisposed) await this.webview.postMessage(m);
  }
}
