/**
 * Trainings this window's engine runs: start, resume, cancel, and their live progress as events for
 * panels, the Runs tree and the status bar. The result lands in the run directory either way.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES } from '../../shared/runFiles';
import type { JobEvent, RunStatus, TrainResult } from '../../shared/engineProtocol';
import type { TrainingProgress, TrainingRunView } from '../../shared/webviewProtocol';
import type { EngineJob } from '../engine/engineClient';
import { Disposable } from '../dispose';
import type { EngineService } from '../engine/engineService';
import { showError } from '../engine/errorNotice';
import { carriedKind } from '../../shared/errorKind';
import type { RunsModel } from '../runs/runsModel';
import { toProgress } from './trainingState';
import type { TrainingEvent } from './trainingEvents';
import type { TrainRequestBody } from './trainSettings';
import { asFailedStarts, FAILED_STARTS_KEY, withFailedStart, withoutFailedStart, type FailedStart } from './failedStarts';

export interface LiveRun {
  runDir: string; arch: string; epochs: number; job?: EngineJob<TrainResult>; progress?: TrainingProgress; cancelRequested: boolean;
  dataset?: string;
  /** Called once, when the run's first epoch has finished (its settings then count as settings that trained). */
  onFirstEpoch?: () => void;
}

export class TrainingManager extends Disposable {
  private readonly emitter = this.register(new vscode.EventEmitter<TrainingEvent>());
  readonly onDidChange = this.emitter.event;
  private readonly live = new Map<string, LiveRun>();

  /** state: where failed starts are kept across reloads (workspaceState). */
  constructor(private readonly engine: EngineService, private readonly runs: RunsModel, private readonly state?: vscode.Memento) {
    super();
  }

  /** Starts a new run; resolves once the engine has the request, the training goes on in the background. */
  async start(body: TrainRequestBody, o: { onFirstEpoch?: () => void } = {}): Promise<void> {
    await this.launch({ runDir: body.runDir, arch: body.config.arch ?? '', epochs: body.config.epochs ?? 25, cancelRequested: false, dataset: body.dataset, onFirstEpoch: o.onFirstEpoch },
      { type: 'train', dataset: body.dataset, config: body.config, runDir: body.runDir });
  }

  /** Trainings that failed before their run.json was written, newest first. */
  failedStarts(): FailedStart[] {
    return asFailedStarts(this.state?.get(FAILED_STARTS_KEY));
  }

  failedStart(runDir: string): FailedStart | undefined {
    return this.failedStarts().find((f) => f.runDir === runDir);
  }

  async dismissFailedStart(runDir: string): Promise<void> {
    await this.state?.update(FAILED_STARTS_KEY, withoutFailedStart(this.failedStarts(), runDir));
    this.runs.invalidate();
  }

  /** Continues a cancelled or interrupted run from checkpoints/last. */
  async resume(runDir: string, arch: string, epochs: number): Promise<void> {
    await this.launch({ runDir, arch, epochs, cancelRequested: false }, { type: 'train', dataset: '', config: {}, resume: runDir });
  }

  cancel(runDir: string): boolean {
    const run = this.live.get(runDir);
    if (!run?.job) return false;
    run.cancelRequested = true;
    run.job.cancel();
    return true;
  }

  isLive(runDir: string): boolean {
    return this.live.has(runDir);
  }

  progress(runDir: string): TrainingProgress | undefined {
    return this.live.get(runDir)?.progress;
  }

  liveRuns(): LiveRun[] {
    return [...this.live.values()];
  }

  /**
   * A run trained by another process of this machine — a training queue's member, its runner detached from the window
   * (sweepManager.ts) — followed from that runner's log as if this window trained it: panels, the Runs tree and the
   * status bar show its live progress. It has no job here: Cancel signals its engine process (cancelTraining.ts).
   */
  track(runDir: string, arch: string, epochs: number): void {
    if (this.live.has(runDir)) return;
    this.live.set(runDir, { runDir, arch, epochs, cancelRequested: false });
    this.runs.invalidate();
  }

  /** An engine event of a tracked run (see track). */
  trackedEvent(runDir: string, event: JobEvent): void {
    const run = this.live.get(runDir);
    if (!run || run.job) return;
    if (event.type === 'progress') run.progress = toProgress(event);
    if (event.type === 'epoch-end') this.runs.invalidate();
    this.emitter.fire({ runDir, kind: 'job', event });
  }

  /** A tracked run ended (its outcome is in its run.json; the queue tells the user once, at its end). */
  untrack(runDir: string, status: RunStatus, error?: string): void {
    const run = this.live.get(runDir);
    if (!run || run.job) return;
    this.live.delete(runDir);
    this.emitter.fire({ runDir, kind: 'status', status, ...(error ? { error } : {}) });
    this.runs.invalidate();
  }

  /** A run without a readable run.json: one training now (the engine scans first), or one that failed before it wrote it. */
  placeholder(runDir: string): TrainingRunView | undefined {
    const r = this.live.get(runDir);
    if (r) return { runDir, id: path.basename(runDir), arch: r.arch, status: 'running', epochs: r.epochs, backend: this.engine.backend ?? '', classes: [] };
    const f = this.failedStart(runDir);
    return f && { runDir, id: f.id, arch: f.arch, status: 'failed', epochs: f.epochs, backend: this.engine.backend ?? '', classes: [], error: f.error };
  }

  private async launch(run: LiveRun, body: Parameters<EngineService['start']>[0]): Promise<void> {
    if (this.live.has(run.runDir)) throw new Error(`${path.basename(run.runDir)} is already training.`);
    this.live.set(run.runDir, run);
    try {
      run.job = await this.engine.start(body, (event) => {
        if (event.type === 'progress') run.progress = toProgress(event);
        if (event.type === 'epoch-end') {
          this.runs.invalidate();
          const first = run.onFirstEpoch;
          run.onFirstEpoch = undefined;
          first?.();
        }
        this.emitter.fire({ runDir: run.runDir, kind: 'job', event });
      }) as EngineJob<TrainResult>;
    } catch (err) {
      this.live.delete(run.runDir);
      throw err;
    }
    this.runs.invalidate();
    void run.job.result.then(
      (result) => this.finished(run, result),
      (err: Error) => this.failed(run, err),
    );
  }

  private finished(run: LiveRun, result: TrainResult): void {
    this.live.delete(run.runDir);
    this.emitter.fire({ runDir: run.runDir, kind: 'status', status: result.status, best: result.best && { ...result.best, savedAt: '' } });
    this.runs.invalidate();
    if (result.status !== 'completed') {
      void vscode.window.showInformationMessage(`CXR Lab: ${path.basename(run.runDir)} ${result.status} after ${result.epochsDone} epoch(s); Resume continues it.`);
      return;
    }
    const best = result.best ? ` Best epoch ${result.best.epoch}, val loss ${result.best.valLoss.toFixed(4)}, val acc ${(100 * result.best.valAcc).toFixed(1)}%.` : '';
    void vscode.window.showInformationMessage(`CXR Lab: training of ${path.basename(run.runDir)} finished.${best}`, 'Evaluate', 'Open Training Panel')
      .then((choice) => {
        if (choice === 'Evaluate') void vscode.commands.executeCommand('cxrLab.evaluate', run.runDir);
        if (choice === 'Open Training Panel') void vscode.commands.executeCommand('cxrLab.openTrainingPanel', run.runDir);
      });
  }

  private failed(run: LiveRun, err: Error): void {
    this.live.delete(run.runDir);
    // No run.json: nothing on disk says it failed, or why; keep it for the Runs tree and the panel.
    if (carriedKind(err) !== 'cancelled' && !existsSync(path.join(run.runDir, RUN_FILES.run))) {
      void this.state?.update(FAILED_STARTS_KEY, withFailedStart(this.failedStarts(), {
        runDir: run.runDir, id: path.basename(run.runDir), arch: run.arch, dataset: run.dataset ?? '', epochs: run.epochs, error: err.message, at: new Date().toISOString(),
      }));
    }
    this.emitter.fire({ runDir: run.runDir, kind: 'status', status: 'failed', error: err.message });
    this.runs.invalidate();
    void showError(`training ${path.basename(run.runDir)} failed`, err);
  }

  override dispose(): void {
    for (const r of this.live.values()) r.job?.cancel();
    super.dispose();
  }
}
