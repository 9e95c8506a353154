/**
 * Message handling of the evaluation view: init after ready, switch evaluations, open an image's Grad-CAM, thumbnails,
 * "Explain these images with all runs" (the CAM grid).
 */
import type { CheckpointName } from '../../shared/runFiles';
import type { EvaluationFromWebview, EvaluationToWebview, EvaluationView, SummaryRow } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import type { WebviewLike } from '../webviewLike';

/** Thumbnails answered per request: the gallery asks for a page at a time. */
export const MAX_IMAGES_PER_REQUEST = 200;

export interface EvaluationDeps {
  load(runDir: string, name: string): Promise<EvaluationView>;
  summary(): Promise<SummaryRow[]>;
  /** Open the image's Grad-CAM with runDir's checkpoint (`checkpoint`: the one the evaluation used; default best). */
  explainImage(file: string, runDir: string, checkpoint?: CheckpointName): void;
  /** The CAM grid of these images (all in the evaluation on show) with every run that shares its classes; absent: not offered. */
  explainWithAllRuns?(files: string[], evaluation: EvaluationView): Promise<void> | void;
  onError(message: string): void;
  /** "Export Report" of the evaluation on show (its run, or an ensemble's members); absent: not offered. */
  exportReport?(evaluation: EvaluationView): Promise<void> | void;
  /** The webview URI of an image file (asWebviewUri); absent: no thumbnails. */
  imageUri?(file: string): string;
  /** Before an evaluation is shown: let the webview read its images (localResourceRoots). */
  allowImages?(evaluation: EvaluationView): Promise<void> | void;
}

export class EvaluationController extends Disposable {
  private ready = false;
  private target: { runDir: string; name: string };
  /** The image files of the evaluation on show: the only ones the page gets URIs for. */
  private files = new Set<string>();
  /** The evaluation on show (after init). */
  private evaluation?: EvaluationView;

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
        this.deps.explainImage(message.file, message.runDir, message.checkpoint === 'last' ? 'last' : message.checkpoint === 'best' ? 'best' : undefined);
        return;
      case 'openEvaluation':
        return this.show(message.runDir, message.name);
      case 'requestImages':
        return this.sendImages(message.files);
      case 'explainWithAllRuns': {
        const files = Array.isArray(message.files) ? message.files.filter((f): f is string => typeof f === 'string' && this.files.has(f)) : [];
        if (this.evaluation && files.length > 0) await this.deps.explainWithAllRuns?.(files, this.evaluation);
        return;
      }
      case 'exportReport':
        if (this.evaluation) await this.deps.exportReport?.(this.evaluation);
        return;
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
      this.files = new Set(evaluation.predictions.map((p) => p.file));
      this.evaluation = evaluation;
      await this.deps.allowImages?.(evaluation);
      await this.post({ type: 'init', evaluation, summary });
    } catch (err) {
      this.deps.onError((err as Error).message);
    }
  }

  /** URIs of the requested files that belong to the evaluation on show (a page never reads other files through this). */
  private async sendImages(files: unknown): Promise<void> {
    const toUri = this.deps.imageUri;
    if (!toUri || !Array.isArray(files)) return;
    const wanted = files.filter((f): f is string => typeof f === 'string' && this.files.has(f)).slice(0, MAX_IMAGES_PER_REQUEST);
    if (wanted.length === 0) return;
    await this.post({ type: 'images', uris: Object.fromEntries(wanted.map((f) => [f, toUri(f)])) });
  }

  private async post(m: EvaluationToWebview): Promise<void> {
    if (!this.isDisposed) await this.webview.postMessage(m);
  }
}
