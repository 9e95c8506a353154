/**
 * Message handling of one Grad-CAM view (panel beside an image, or the "Grad-CAM" custom editor):
 * picks the checkpoint, runs `explain` on the engine, and sends the result with webview URIs.
 */
import * as path from 'node:path';
import type { ExplainResult } from '../../shared/engineProtocol';
import type { CheckpointName } from '../../shared/runFiles';
import type { ExplainFromWebview, ExplainToWebview, ExplainView } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import type { RunRecord } from '../runs/runReader';
import type { WebviewLike } from '../webviewLike';
import { checkpointChoices, defaultCheckpoint, type CheckpointChoice } from './checkpointChoice';

/** method: a CAM method id (the engine's default, Grad-CAM, until the page picks another); augSmooth / eigenSmooth: pytorch-grad-cam's options. */
export interface ExplainRequestOptions {
  runDir: string; image: string; checkpoint: CheckpointName; classIndex?: number; layer?: string; method: string; augSmooth: boolean; eigenSmooth: boolean;
}

const DEFAULT_METHOD = 'gradcam';

export interface ExplainDeps {
  explain(o: ExplainRequestOptions): Promise<ExplainResult>;
  listRuns(): Promise<RunRecord[]>;
  pickCheckpoint(choices: CheckpointChoice[], current?: CheckpointChoice): Promise<CheckpointChoice | undefined>;
  toWebviewUri(file: string): string;
  /** Let the webview load files of this run folder (its cams/). */
  allowFolder(dir: string): void;
}

export class ExplainController extends Disposable {
  private ready = false;
  private seq = 0;
  private classIndex?: number;
  private layer?: string;
  private method = DEFAULT_METHOD;
  private augSmooth = false;
  private eigenSmooth = false;
  /** Method names from the engine's last answer, for the busy message. */
  private methodLabels = new Map<string, string>();

  constructor(private readonly webview: WebviewLike<ExplainToWebview, ExplainFromWebview>, readonly image: string,
    private readonly deps: ExplainDeps, private checkpoint?: CheckpointChoice) {
    super();
    this.register(webview.onDidReceiveMessage((m) => this.handle(m)));
  }

  async handle(message: ExplainFromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        return this.run();
      case 'selectClass':
        this.classIndex = message.classIndex;
        return this.run();
      case 'selectLayer':
        this.layer = message.layer;
        return this.run();
      case 'selectMethod':
        this.method = message.method;
        this.augSmooth = message.augSmooth;
        this.eigenSmooth = message.eigenSmooth;
        return this.run();
      case 'changeCheckpoint': {
        const picked = await this.deps.pickCheckpoint(checkpointChoices(await this.deps.listRuns()), this.checkpoint);
        if (picked) return this.setCheckpoint(picked);
        return;
      }
    }
  }

  /** Another checkpoint explains this image: class and layer go back to the model's defaults (the method and its options stay). */
  async setCheckpoint(choice: CheckpointChoice): Promise<void> {
    this.checkpoint = choice;
    this.classIndex = undefined;
    this.layer = undefined;
    await this.run();
  }

  private async resolveCheckpoint(): Promise<CheckpointChoice | undefined> {
    if (this.checkpoint) return this.checkpoint;
    const runs = await this.deps.listRuns();
    this.checkpoint = defaultCheckpoint(runs) ?? await this.deps.pickCheckpoint(checkpointChoices(runs));
    return this.checkpoint;
  }

  private async run(): Promise<void> {
    if (!this.ready) return;
    const seq = ++this.seq;
    try {
      const ck = await this.resolveCheckpoint();
      if (!ck) {
        await this.post({ type: 'error', message: 'No trained checkpoint to explain with: train a model first (CXR Lab: Train Model).' });
        return;
      }
      this.deps.allowFolder(ck.runDir);
      const method = this.method;
      const [augSmooth, eigenSmooth] = [this.augSmooth, this.eigenSmooth];
      await this.post({ type: 'busy', message: `Computing ${this.methodLabels.get(method) ?? 'Grad-CAM'} of ${path.basename(this.image)} with ${ck.runId} (${ck.which})…` });
      const result = await this.deps.explain({
        runDir: ck.runDir, image: this.image, checkpoint: ck.which, classIndex: this.classIndex, layer: this.layer, method, augSmooth, eigenSmooth,
      });
      if (seq !== this.seq) return; // a newer request superseded this one
      const item = result.items[0];
      if (!item) throw new Error('The engine returned no Grad-CAM (cancelled?).');
      const fresh = (file: string) => withQuery(this.deps.toWebviewUri(file), `v=${seq}`);
      const view: ExplainView = {
        image: { path: this.image, uri: this.deps.toWebviewUri(this.image), name: path.basename(this.image) },
        heatmapUri: fresh(item.heatmap), overlayUri: fresh(item.overlay),
        classes: ck.classes, probabilities: item.probabilities, classIndex: item.classIndex, layer: item.layer,
        layers: result.candidateLayers,
        checkpoint: { runDir: ck.runDir, runId: ck.runId, arch: ck.arch, which: ck.which, ...(ck.epoch !== undefined ? { epoch: ck.epoch } : {}) },
        method, methods: result.methods.map((m) => ({ id: m.id, label: m.label })), augSmooth, eigenSmooth,
      };
      this.methodLabels = new Map(result.methods.map((m) => [m.id, m.label]));
      this.layer = item.layer;
      await this.post({ type: 'result', view });
    } catch (err) {
      if (seq === this.seq) await this.post({ type: 'error', message: (err as Error).message });
    }
  }

  private async post(m: ExplainToWebview): Promise<void> {
    if (!this.isDisposed) await this.webview.postMessage(m);
  }
}

/** Same file rewritten with another class or layer: a new query makes the webview fetch it again. */
export function withQuery(uri: string, query: string): string {
  return `${uri}${uri.includes('?') ? '&' : '?'}${query}`;
}
