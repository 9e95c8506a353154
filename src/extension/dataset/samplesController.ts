/**
 * Message handling of the sample grid view: runs the engine's `samples` job (random images per class, the same images
 * augmented by a preset, histograms, sizes), shows its progress and result with webview URIs; "Regenerate" draws again
 * with a new seed (and the preset / count the page chose); a thumbnail opens its image.
 */
import type { SamplesRequest, SamplesResult } from '../../shared/engineProtocol';
import { PRESET_DESCRIPTIONS, PRESET_NAMES } from '../../shared/runFiles';
import { MAX_SAMPLES_PER_CLASS } from '../../shared/samples';
import type { GridProgress, SamplesFromWebview, SamplesToWebview, SamplesView } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import { LatestJob } from '../latestJob';
import type { WebviewLike } from '../webviewLike';

export type SamplesJobRequest = Omit<SamplesRequest, 'type' | 'id'>;

export interface SamplesDeps {
  /** Starts the engine's samples job; `onProgress` gets its progress. */
  samples(request: SamplesJobRequest, onProgress: (p: GridProgress) => void): Promise<{ result: Promise<SamplesResult>; cancel(): void }>;
  toWebviewUri(file: string): string;
  openImage(file: string): void;
  /** Empties the thumbnails folder before a new draw (so it holds one draw's images). */
  clearThumbnails(): Promise<void>;
}

/** The result as the page shows it; `version` makes the page load rewritten thumbnails again. */
export function toSamplesView(r: SamplesResult, toUri: (file: string) => string, version: number): SamplesView {
  const uri = (file: string | undefined) => (file ? `${toUri(file)}${toUri(file).includes('?') ? '&' : '?'}v=${version}` : '');
  return {
    root: r.root, preset: r.preset, seed: r.seed, perClass: r.perClass,
    presets: PRESET_NAMES.map((name) => ({ name, description: PRESET_DESCRIPTIONS[name] })),
    classes: r.classes.map((c) => ({
      ...c,
      samples: c.samples.map(({ original, augmented, ...s }) => ({ ...s, originalUri: uri(original), augmentedUri: uri(augmented) })),
    })),
  };
}

export class SamplesController extends Disposable {
  private ready = false;
  private readonly job = new LatestJob();
  private result?: SamplesResult;

  constructor(private readonly webview: WebviewLike<SamplesToWebview, SamplesFromWebview>, private readonly deps: SamplesDeps, private request: SamplesJobRequest) {
    super();
    this.register(webview.onDidReceiveMessage((m) => this.handle(m)));
    this.register({ dispose: () => this.job.cancel() });
  }

  get current(): SamplesJobRequest {
    return this.request;
  }

  async handle(message: SamplesFromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        if (this.ready) return this.repost();
        this.ready = true;
        return this.run();
      case 'regenerate': {
        const perClass = Math.min(MAX_SAMPLES_PER_CLASS, Math.max(1, Math.round(message.perClass) || 1));
        const preset = PRESET_NAMES.includes(message.preset) ? message.preset : this.request.preset;
        this.request = { ...this.request, preset, perClass, seed: (this.request.seed ?? 42) + 1 };
        return this.run();
      }
      case 'openImage':
        if (this.result?.classes.some((c) => c.samples.some((s) => s.file === message.file))) this.deps.openImage(message.file);
        return;
    }
  }

  /** Another dataset (or settings) in this view; the draw running is cancelled. */
  async show(request: SamplesJobRequest): Promise<void> {
    this.request = request;
    await this.run();
  }

  private async run(): Promise<void> {
    if (!this.ready) return;
    const request = this.request;
    const message = `Drawing ${request.perClass ?? 6} images per class (seed ${request.seed ?? 42}, ${request.preset ?? 'recommended'} preset)…`;
    await this.job.run<SamplesResult, GridProgress>({
      before: async () => { await this.post({ type: 'busy', message }); await this.deps.clearThumbnails(); },
      start: (onProgress) => this.deps.samples(request, onProgress),
      progress: (progress) => void this.post({ type: 'busy', message, progress }),
      done: async (result, generation) => {
        this.result = result;
        await this.post({ type: 'result', view: toSamplesView(result, this.deps.toWebviewUri, generation) });
      },
      failed: (error) => this.post({ type: 'error', message: error }),
    });
  }

  private async repost(): Promise<void> {
    if (this.result) await this.post({ type: 'result', view: toSamplesView(this.result, this.deps.toWebviewUri, this.job.generation) });
  }

  private async post(m: SamplesToWebview): Promise<void> {
    if (!this.isDisposed) await this.webview.postMessage(m);
  }
}
