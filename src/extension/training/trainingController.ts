/**
 * Message handling of one training panel: init after the webview says it is ready, then live updates.
 * Takes its I/O as functions so the unit tests drive it with a fake webview.
 */
import type { EpochRecord, JobEvent } from '../../shared/engineProtocol';
import type { TrainingFromWebview, TrainingProgress, TrainingRunView, TrainingToWebview } from '../../shared/webviewProtocol';
import { Disposable } from '../dispose';
import type { RunRecord } from '../runs/runReader';
import type { TrainingEvent } from './trainingEvents';
import type { WebviewLike } from '../webviewLike';
import { toRunView, TrainingViewState } from './trainingState';

export interface TrainingDeps {
  readRun(runDir: string): Promise<RunRecord | undefined>;
  readHistory(runDir: string): Promise<EpochRecord[]>;
  /** Latest progress when this window's engine trains the run, else undefined. */
  liveProgress(runDir: string): TrainingProgress | undefined;
  isLive(runDir: string): boolean;
  /** What is known of a live run before the engine has written its run.json (it scans the dataset first). */
  placeholder(runDir: string): TrainingRunView | undefined;
  cancel(runDir: string): void;
  evaluate(runDir: string): void;
  onError(message: string): void;
}

export class TrainingController extends Disposable {
  private ready = false;
  private state?: TrainingViewState;
  private loading?: Promise<void>;
  private pending: TrainingEvent[] = [];
  /** The panel shows the placeholder (no classes): re-read run.json once the engine is past the dataset scan. */
  private fromPlaceholder = false;

  constructor(private readonly webview: WebviewLike<TrainingToWebview, TrainingFromWebview>, readonly runDir: string, private readonly deps: TrainingDeps) {
    super();
    this.register(webview.onDidReceiveMessage((m) => this.handle(m)));
  }

  async handle(message: TrainingFromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        await this.reload();
        return;
      case 'cancel':
        this.deps.cancel(this.runDir);
        return;
      case 'evaluate':
        this.deps.evaluate(this.runDir);
        return;
    }
  }

  /** Re-read the run from disk and send init (on ready, and when another process changed the files). */
  reload(): Promise<void> {
    if (!this.ready) return Promise.resolve();
    this.loading ??= this.load().finally(() => { this.loading = undefined; });
    return this.loading;
  }

  /** Live events of this window's training manager. */
  onTrainingEvent(e: TrainingEvent): void {
    if (e.runDir !== this.runDir || !this.ready) return;
    if (this.loading) { this.pending.push(e); return; }
    this.apply(e);
    if (this.fromPlaceholder && e.kind === 'job' && pastScan(e.event)) void this.reload();
  }

  private async load(): Promise<void> {
    const run = await this.deps.readRun(this.runDir);
    if (!run && this.fromPlaceholder && this.state) {
      this.flushPending(); // no run.json yet: the panel already shows the placeholder
      return;
    }
    const view = run ? toRunView(run) : this.deps.placeholder(this.runDir);
    this.fromPlaceholder = !run && !!view;
    if (!view) {
      this.deps.onError(`No readable run in ${this.runDir}.`);
      return;
    }
    if (this.deps.isLive(this.runDir)) view.status = 'running';
    this.state = new TrainingViewState(view, await this.deps.readHistory(this.runDir), this.deps.liveProgress(this.runDir));
    await this.post(this.state.init());
    this.flushPending();
  }

  private flushPending(): void {
    const queued = this.pending;
    this.pending = [];
    for (const e of queued) this.apply(e);
  }

  private apply(e: TrainingEvent): void {
    if (!this.state) return;
    const messages = e.kind === 'job' ? this.state.onJobEvent(e.event) : [this.state.onStatus(e.status, e.best, e.error)];
    for (const m of messages) void this.post(m);
  }

  private async post(m: TrainingToWebview): Promise<void> {
    if (!this.isDisposed) await this.webview.postMessage(m);
  }
}

/** The engine writes run.json after scanning the dataset, before its first training batch. */
function pastScan(e: JobEvent): boolean {
  return e.type === 'epoch-end' || (e.type === 'progress' && e.phase !== 'scan');
}
