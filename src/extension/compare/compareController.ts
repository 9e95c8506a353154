/**
 * Message handling of the compare view: runs the engine's `compare` job (evaluating runs that need it) with progress,
 * sends the table, paired tests and each run's validation curves, then the CAM grid of a few shared test images (the
 * engine's `grid` job); "Export Report" runs the `report` job and opens the file it wrote.
 */
import type { ComparisonResult, ReportResult } from '../../shared/compare';
import type { EpochRecord, EvalFile } from '../../shared/runFiles';
import type { GridRequest, GridResult } from '../../shared/engineProtocol';
import type { CompareCurve, CompareFromWebview, CompareGridView, CompareToWebview, GridProgress } from '../../shared/webviewProtocol';
import { pickGridImages } from '../../shared/gridImages';
import { Disposable } from '../dispose';
import type { WebviewLike } from '../webviewLike';

/** What the compare view compares: run and/or sweep folders, and its title. */
export interface CompareTarget { paths: string[]; title: string; sweep?: string }

export interface EngineJob<T> { result: Promise<T>; cancel(): void }

export interface CompareDeps {
  compare(paths: string[], onProgress: (p: GridProgress & { phase: string }) => void): Promise<EngineJob<ComparisonResult>>;
  history(runDir: string): Promise<EpochRecord[]>;
  /** eval/test.json of a run (the grid's images are picked from them). */
  evaluation(runDir: string): Promise<Pick<EvalFile, 'classes' | 'predictions'> | undefined>;
  grid(request: Omit<GridRequest, 'type' | 'id'>, onProgress: (p: GridProgress) => void): Promise<EngineJob<GridResult>>;
  /** Writes the report of these paths (the engine's report job), and opens it; returns the file. */
  exportReport(target: CompareTarget, onProgress: (p: GridProgress & { phase: string }) => void): Promise<ReportResult>;
  toWebviewUri(file: string): string;
  openRun(runDir: string): void;
}

/** Test images in the view's CAM grid, and the most runs (columns). */
export const COMPARE_GRID_IMAGES = 4;
export const COMPARE_GRID_RUNS = 6;

/** Each row's validation loss and accuracy by epoch. */
export function curvesOf(comparison: ComparisonResult, histories: readonly EpochRecord[][]): CompareCurve[] {
  return comparison.rows.map((row, i) => {
    const h = histories[i] ?? [];
    const n = h.reduce((m, r) => Math.max(m, r.epoch), 0);
    const valLoss: (number | null)[] = Array(n).fill(null), valAcc: (number | null)[] = Array(n).fill(null);
    for (const r of h) {
      valLoss[r.epoch - 1] = Number.isFinite(r.valLoss) ? r.valLoss : null;
      valAcc[r.epoch - 1] = Number.isFinite(r.valAcc) ? r.valAcc : null;
    }
    return { runId: row.runId, label: row.label, valLoss, valAcc, bestEpoch: row.checkpoint.epoch };
  });
}

/** "12 of 40 · evaluate r1 (1/4)"; '' without a total. */
function progressMessage(p: GridProgress & { phase: string }): string {
  return `${p.phase}${p.message ? ` · ${p.message}` : ''}`;
}

export class CompareController extends Disposable {
  private ready = false;
  private seq = 0;
  private running: (() => void)[] = [];
  private exporting = false;

  constructor(private readonly webview: WebviewLike<CompareToWebview, CompareFromWebview>, private readonly deps: CompareDeps, private target: CompareTarget) {
    super();
    this.register(webview.onDidReceiveMessage((m) => this.handle(m)));
    this.register({ dispose: () => this.cancelAll() });
  }

  get current(): CompareTarget {
    return this.target;
  }

  async handle(message: CompareFromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        return this.run();
      case 'refresh':
        return this.run();
      case 'exportReport':
        return this.exportReport();
      case 'openRun':
        if (typeof message.runDir === 'string') this.deps.openRun(message.runDir);
        return;
    }
  }

  /** Compare other runs in this view (what is running is cancelled). */
  async show(target: CompareTarget): Promise<void> {
    this.target = target;
    await this.run();
  }

  private cancelAll(): void {
    for (const cancel of this.running.splice(0)) cancel();
  }

  private async run(): Promise<void> {
    if (!this.ready) return;
    const seq = ++this.seq;
    this.cancelAll();
    const stale = () => seq !== this.seq || this.isDisposed;
    const message = `Comparing ${this.target.title}…`;
    let comparison: ComparisonResult;
    try {
      await this.post({ type: 'busy', message });
      const job = await this.deps.compare(this.target.paths, (p) => { if (!stale()) void this.post({ type: 'busy', message, progress: { done: p.done, total: p.total, message: progressMessage(p) } }); });
      if (stale()) return job.cancel();
      this.running.push(job.cancel);
      comparison = await job.result;
      if (stale()) return;
      const histories = await Promise.all(comparison.rows.map((r) => this.deps.history(r.runDir).catch(() => [])));
      await this.post({ type: 'result', view: { title: this.target.title, comparison, curves: curvesOf(comparison, histories) } });
    } catch (err) {
      if (!stale()) await this.post({ type: 'error', message: (err as Error).message });
      return;
    }
    await this.runGrid(comparison, stale);
  }

  private async runGrid(comparison: ComparisonResult, stale: () => boolean): Promise<void> {
    const rows = comparison.rows.slice(0, COMPARE_GRID_RUNS);
    if (rows.length === 0) return void this.post({ type: 'grid', note: 'No run to explain.' });
    try {
      const evaluations = await Promise.all(rows.map((r) => this.deps.evaluation(r.runDir)));
      const images = evaluations.every((e) => e) ? pickGridImages(evaluations as Pick<EvalFile, 'classes' | 'predictions'>[], COMPARE_GRID_IMAGES) : [];
      if (images.length === 0) return void this.post({ type: 'grid', note: 'No Grad-CAM grid: the runs share no test image.' });
      const busy = `Grad-CAM of ${images.length} test images with ${rows.length} run${rows.length === 1 ? '' : 's'}…`;
      await this.post({ type: 'grid', busy });
      const job = await this.deps.grid(
        { runs: rows.map((r) => r.runDir), images: images.map((i) => i.file), labels: Object.fromEntries(images.map((i) => [i.file, i.label])), checkpoint: 'best' },
        (progress) => { if (!stale()) void this.post({ type: 'grid', busy, progress }); });
      if (stale()) return job.cancel();
      this.running.push(job.cancel);
      const result = await job.result;
      if (stale()) return;
      const grid: CompareGridView = {
        pngUri: `${this.deps.toWebviewUri(result.png)}?v=${Date.now()}`, width: result.width, height: result.height,
        rows: result.rows.map((r) => ({ name: r.name, trueLabel: r.trueLabel })), columns: result.columns.map((c) => c.title[0] ?? c.runId),
        wrong: result.cells.flat().filter((c) => c.correct === false).length,
      };
      await this.post({ type: 'grid', grid, ...(comparison.rows.length > rows.length ? { note: `The grid shows the first ${rows.length} of ${comparison.rows.length} runs.` } : {}) });
    } catch (err) {
      if (!stale()) await this.post({ type: 'grid', note: `The Grad-CAM grid could not be made: ${(err as Error).message}` });
    }
  }

  private async exportReport(): Promise<void> {
    if (this.exporting) return;
    this.exporting = true;
    const message = `Writing the report of ${this.target.title}…`;
    try {
      await this.post({ type: 'export', export: { state: 'running', message } });
      const r = await this.deps.exportReport(this.target, (p) => void this.post({ type: 'export', export: { state: 'running', message, progress: { done: p.done, total: p.total, message: progressMessage(p) } } }));
      await this.post({ type: 'export', export: { state: 'done', message: `Report written: ${r.out}`, file: r.out } });
    } catch (err) {
      await this.post({ type: 'export', export: { state: 'failed', message: `The report could not be written: ${(err as Error).message}` } });
    } finally {
      this.exporting = false;
    }
  }

  private async post(m: CompareToWebview): Promise<void> {
    if (!this.isDisposed) await this.webview.postMessage(m);
  }
}
