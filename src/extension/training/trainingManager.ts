/**
 * Trainings this window's engine runs: start, resume, cancel, and their live progress as events for
 * panels, the Runs tree and the status bar. The result lands in the run directory either way.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainResult } from '../../shared/engineProtocol';
import type { TrainingProgress, TrainingRunView } from '../../shared/webviewProtocol';
import type { EngineJob } from '../engine/engineClient';
import { Disposable } from '../dispose';
import type { EngineService } from '../engine/engineService';
import { showError } from '../engine/errorNotice';
import type { RunsModel } from '../runs/runsModel';
import { toProgress } from './trainingState';
import type { TrainingEvent } from './trainingEvents';
import type { TrainRequestBody } from './trainSettings';

export interface LiveRun { runDir: string; arch: string; epochs: number; job?: EngineJob<TrainResult>; progress?: TrainingProgress; cancelRequested: boolean }

export class TrainingManager extends Disposable {
  private readonly emitter = this.register(new vscode.EventEmitter<TrainingEvent>());
  readonly onDidChange = this.emitter.event;
  private readonly live = new Map<string, LiveRun>();

  constructor(private readonly engine: EngineService, private readonly runs: RunsModel) {
    super();
  }

  /** Starts a new run; resolves once the engine has the request, the training goes on in the background. */
  async start(body: TrainRequestBody): Promise<void> {
    await this.launch({ runDir: body.runDir, arch: body.config.arch ?? '', epochs: body.config.epochs ?? 25, cancelRequested: false },
      { type: 'train', dataset: body.dataset, config: body.config, runDir: body.runDir });
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

  placeholder(runDir: string): TrainingRunView | undefined {
    const r = this.live.get(runDir);
    return r && { runDir, id: path.basename(runDir), arch: r.arch, status: 'running', epochs: r.epochs, backend: this.engine.backend ?? '', classes: [] };
  }

  private async launch(run: LiveRun, body: Parameters<EngineService['start']>[0]): Promise<void> {
    if (this.live.has(run.runDir)) throw new Error(`${path.basename(run.runDir)} is already training.`);
    this.live.set(run.runDir, run);
    try {
      run.job = await this.engine.start(body, (event) => {
        if (event.type === 'progress') run.progress = toProgress(event);
        if (event.type === 'epoch-end') this.runs.invalidate();
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
    this.emitter.fire({ runDir: run.runDir, kind: 'status', status: 'failed', error: err.message });
    this.runs.invalidate();
    void showError(`training ${path.basename(run.runDir)} failed`, err);
  }

  override dispose(): void {
    for (const r of this.live.values()) r.job?.cancel();
    super.dispose();
  }
}
