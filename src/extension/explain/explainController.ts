/**
 * Message handling of one Grad-CAM view (the reusable panel, a pinned one, or the "Grad-CAM" custom editor): picks the
 * checkpoint, runs `explain` on the engine, and sends the result with webview URIs, the CAM's raw values and what the
 * run knows of the image (true class, split). The panel's image can change in place (setImage).
 */
import * as path from 'node:path';
import type { ExplainResult } from '../../shared/engineProtocol';
import type { CamScaleMode, CheckpointName } from '../../shared/runFiles';
import type { ExplainFromWebview, ExplainToWebview, ExplainView, ImageFacts } from '../../shared/webviewProtocol';
import { DEFAULT_COLORMAP, isColormap, type ColormapName } from '../../shared/camDisplay';
import { Disposable } from '../dispose';
import type { RunRecord } from '../runs/runReader';
import type { WebviewLike } from '../webviewLike';
import { checkpointChoices, defaultCheckpoint, type CheckpointChoice } from './checkpointChoice';

/**
 * method: a CAM method id (the engine's default, Grad-CAM, until the page picks another); augSmooth / eigenSmooth:
 * pytorch-grad-cam's options; scale: per-map or shared across the classes; colormap: of the PNGs the engine writes.
 */
export interface ExplainRequestOptions {
  runDir: string; image: string; checkpoint: CheckpointName; classIndex?: number; layer?: string; method: string; augSmooth: boolean; eigenSmooth: boolean;
  scale: CamScaleMode; colormap: ColormapName;
}

const DEFAULT_METHOD = 'gradcam';

export interface ExplainDeps {
  explain(o: ExplainRequestOptions): Promise<ExplainResult>;
  listRuns(): Promise<RunRecord[]>;
  pickCheckpoint(choices: CheckpointChoice[], current?: CheckpointChoice): Promise<CheckpointChoice | undefined>;
  toWebviewUri(file: string): string;
  /** Let the webview load files of this folder (a run's cams/, the image's folder). */
  allowFolder(dir: string): void;
  /** The image's true class and split in the run (absent: the header says nothing of them). */
  imageFacts?(image: string, runDir: string): Promise<ImageFacts | undefined>;
  /** The page's pin button (absent: a view that cannot be pinned, e.g. the custom editor). */
  pin?(): void;
}

export class ExplainController extends Disposable {
  private ready = false;
  private seq = 0;
  private classIndex?: number;
  private layer?: string;
  private method = DEFAULT_METHOD;
  private augSmooth = false;
  private eigenSmooth = false;
  private scale: CamScaleMode = 'per-map';
  private colormap: ColormapName = DEFAULT_COLORMAP;
  private pinned?: boolean;
  /** Method names from the engine's last answer, for the busy message. */
  private methodLabels = new Map<string, string>();

  constructor(private readonly webview: WebviewLike<ExplainToWebview, ExplainFromWebview>, private currentImage: string,
    private readonly deps: ExplainDeps, private checkpoint?: CheckpointChoice) {
    super();
    this.register(webview.onDidReceiveMessage((m) => this.handle(m)));
  }

  get image(): string {
    return this.currentImage;
  }

  /** The checkpoint explaining the image (undefined until the first explanation picked one). */
  get checkpointChoice(): CheckpointChoice | undefined {
    return this.checkpoint;
  }

  async handle(message: ExplainFromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        if (this.pinned !== undefined) await this.post({ type: 'pin', pinned: this.pinned });
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
        // The shared scale needs unscaled maps, which aug-smooth does not have (it scales each augmented map).
        if (this.augSmooth) this.scale = 'per-map';
        return this.run();
      case 'selectScale':
        if (message.scale !== 'per-map' && message.scale !== 'shared') return;
        this.scale = message.scale;
        if (this.scale === 'shared') this.augSmooth = false;
        return this.run();
      case 'setColormap':
        if (isColormap(message.colormap)) this.colormap = message.colormap;
        return;
      case 'pin':
        this.deps.pin?.();
        return;
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

  /** The view shows another image (the reusable panel): its predicted class, the same method, scale and layer. */
  async setImage(image: string, checkpoint?: CheckpointChoice): Promise<void> {
    this.currentImage = image;
    this.classIndex = undefined;
    if (checkpoint && (checkpoint.runDir !== this.checkpoint?.runDir || checkpoint.which !== this.checkpoint.which)) {
      this.checkpoint = checkpoint;
      this.layer = undefined;
    }
    await this.run();
  }

  /** Tell the page whether its view is pinned (and so that it has a pin button). */
  async setPinned(pinned: boolean): Promise<void> {
    this.pinned = pinned;
    if (this.ready) await this.post({ type: 'pin', pinned });
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
    const image = this.currentImage;
    try {
      const ck = await this.resolveCheckpoint();
      if (!ck) {
        await this.post({ type: 'error', message: 'No trained checkpoint to explain with: train a model first (CXR Lab: Train Model).' });
        return;
      }
      this.deps.allowFolder(path.dirname(image));
      this.deps.allowFolder(ck.runDir);
      const method = this.method;
      const [augSmooth, eigenSmooth, scale] = [this.augSmooth, this.eigenSmooth, this.scale];
      await this.post({ type: 'busy', message: `Computing ${this.methodLabels.get(method) ?? 'Grad-CAM'} of ${path.basename(image)} with ${ck.runId} (${ck.which})…` });
      const [result, facts] = await Promise.all([
        this.deps.explain({
          runDir: ck.runDir, image, checkpoint: ck.which, classIndex: this.classIndex, layer: this.layer, method, augSmooth, eigenSmooth, scale, colormap: this.colormap,
        }),
        this.deps.imageFacts?.(image, ck.runDir).catch(() => undefined),
      ]);
      if (seq !== this.seq) return; // a newer request superseded this one
      const item = result.items[0];
      if (!item) throw new Error('The engine returned no Grad-CAM (cancelled?).');
      const fresh = (file: string) => withQuery(this.deps.toWebviewUri(file), `v=${seq}`);
      const view: ExplainView = {
        image: { path: image, uri: this.deps.toWebviewUri(image), name: path.basename(image) },
        heatmapUri: fresh(item.heatmap), overlayUri: fresh(item.overlay),
        classes: ck.classes, probabilities: item.probabilities, classIndex: item.classIndex, layer: item.layer,
        layers: result.candidateLayers,
        checkpoint: { runDir: ck.runDir, runId: ck.runId, arch: ck.arch, which: ck.which, ...(ck.epoch !== undefined ? { epoch: ck.epoch } : {}) },
        method, methods: result.methods.map((m) => ({ id: m.id, label: m.label })), augSmooth, eigenSmooth,
        scaleMode: scale, ...(item.raw ? { raw: item.raw } : {}), ...(item.scale ? { scale: item.scale } : {}), ...(facts ? { facts } : {}),
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
