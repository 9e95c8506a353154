/**
 * Message handling of the CAM grid view: runs the engine's `grid` job (each run × method explains the images, one PNG
 * of them all), shows its progress and result with webview URIs, exports the PNG, opens a cell's Grad-CAM view.
 */
import type { GridRequest, GridResult } from '../../shared/engineProtocol';
import type { CheckpointName } from '../../shared/runFiles';
import type { GridFromWebview, GridProgress, GridToWebview, GridView } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import { LatestJob } from '../latestJob';
import type { WebviewLike } from '../webviewLike';
import { withQuery } from './explainController';

export type GridJobRequest = Omit<GridRequest, 'type' | 'id'>;

export interface GridDeps {
  /** Starts the engine's grid job; `onProgress` gets its progress events. */
  grid(request: GridJobRequest, onProgress: (p: GridProgress) => void): Promise<{ result: Promise<GridResult>; cancel(): void }>;
  toWebviewUri(file: string): string;
  /** Asks where to save the PNG and copies it there; the file written, or undefined when the user cancelled. */
  exportPng(png: string): Promise<string | undefined>;
  openCell(image: string, runDir: string, checkpoint: CheckpointName): void;
}

/** "Explaining 4 images with 3 runs × 2 methods…". */
export function busyMessage(r: GridJobRequest): string {
  const n = r.images.length, runs = r.runs.length, methods = r.methods?.length ?? 1;
  return `Explaining ${n} image${n === 1 ? '' : 's'} with ${runs} run${runs === 1 ? '' : 's'}${methods > 1 ? ` × ${methods} methods` : ''}…`;
}

/** The result as the page shows it; `version` makes the page load rewritten overlays again. */
export function toGridView(result: GridResult, toUri: (file: string) => string, version: number): GridView {
  return {
    columns: result.columns.map((c) => ({ title: c.title, runDir: c.runDir, runId: c.runId, checkpoint: c.checkpoint, method: c.method })),
    rows: result.rows.map((r) => ({ image: r.image, name: r.name, trueLabel: r.trueLabel })),
    cells: result.cells.map((row) => row.map((c) => ({
      overlayUri: withQuery(toUri(c.overlay), `v=${version}`), caption: c.caption, predicted: c.predicted, probability: c.probability, correct: c.correct,
    }))),
    png: result.png,
  };
}

export class GridController extends Disposable {
  private ready = false;
  private readonly job = new LatestJob();
  private result?: GridResult;

  constructor(private readonly webview: WebviewLike<GridToWebview, GridFromWebview>, private readonly deps: GridDeps, private request?: GridJobRequest) {
    super();
    this.register(webview.onDidReceiveMessage((m) => this.handle(m)));
    this.register({ dispose: () => this.job.cancel() });
  }

  get current(): GridJobRequest | undefined {
    return this.request;
  }

  async handle(message: GridFromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        // The page loaded again (its resource roots changed, or it was hidden and shown): send what it showed.
        if (this.ready) return this.repost();
        this.ready = true;
        return this.run();
      case 'exportPng':
        return this.exportPng();
      case 'openCell': {
        const column = this.result?.columns[message.col];
        const row = this.result?.rows[message.row];
        if (column && row) this.deps.openCell(row.image, column.runDir, column.checkpoint);
        return;
      }
    }
  }

  /** Another grid in this view (the one running is cancelled). */
  async show(request: GridJobRequest): Promise<void> {
    this.request = request;
    await this.run();
  }

  private async run(): Promise<void> {
    const request = this.request;
    if (!this.ready || !request) return;
    const message = busyMessage(request);
    await this.job.run<GridResult, GridProgress>({
      before: () => this.post({ type: 'busy', message }),
      start: (onProgress) => this.deps.grid(request, onProgress),
      progress: (progress) => void this.post({ type: 'busy', message, progress }),
      done: async (result, generation) => {
        this.result = result;
        await this.post({ type: 'result', view: toGridView(result, this.deps.toWebviewUri, generation) });
      },
      failed: (error) => this.post({ type: 'error', message: error }),
    });
  }

  private async repost(): Promise<void> {
    if (this.job.running && this.request) await this.post({ type: 'busy', message: busyMessage(this.request) });
    else if (this.result) await this.post({ type: 'result', view: toGridView(this.result, this.deps.toWebviewUri, this.job.generation) });
  }

  private async exportPng(): Promise<void> {
    if (!this.result) return;
    try {
      const file = await this.deps.exportPng(this.result.png);
      if (file) await this.post({ type: 'exported', file });
    } catch (err) {
      await this.post({ type: 'error', message: `Could not export the PNG: ${(err as Error).message}` });
    }
  }

  private async post(m: GridToWebview): Promise<void> {
    if (!this.isDisposed) await this.webview.postMessage(m);
  }
}
