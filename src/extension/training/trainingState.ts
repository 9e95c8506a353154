/**
 * Folds a run's files (run.json, history.jsonl) and the live engine events into what the training panel shows,
 * as TrainingToWebview messages. Pure: no vscode, no I/O.
 */
import type { EpochRecord, JobEvent } from '../../shared/engineProtocol';
import type { CheckpointMeta } from '../../shared/runFiles';
import type { TrainingProgress, TrainingRunView, TrainingToWebview } from '../../shared/webviewProtocol';
import type { RunRecord } from '../runs/runReader';

export function toRunView(run: RunRecord): TrainingRunView {
  const { info } = run;
  return {
    runDir: run.dir, id: run.id, arch: info.config.arch, status: run.status, epochs: info.config.epochs,
    backend: info.backend.name, classes: info.dataset.classes, best: info.best,
    ...(info.error && run.status === 'failed' ? { error: info.error } : {}),
    setup: {
      config: info.config, split: { ...info.split.counts, groupedBy: info.split.groupedBy },
      backend: { name: info.backend.name, threads: info.backend.threads, simd: info.backend.simd },
      microBatch: info.model.microBatch, trainableParams: info.model.trainableParams,
    },
  };
}

/** History with `record` in place of any row of the same epoch, ordered by epoch. */
export function mergeHistory(history: EpochRecord[], record: EpochRecord): EpochRecord[] {
  return [...history.filter((r) => r.epoch !== record.epoch), record].sort((a, b) => a.epoch - b.epoch);
}

export function toProgress(e: Extract<JobEvent, { type: 'progress' }>): TrainingProgress {
  const { phase, done, total, epoch, epochs, etaSeconds, message } = e;
  return { phase, done, total, epoch, epochs, etaSeconds, message };
}

export class TrainingViewState {
  history: EpochRecord[];

  constructor(public run: TrainingRunView, history: EpochRecord[], public progress?: TrainingProgress) {
    this.history = [...history].sort((a, b) => a.epoch - b.epoch);
  }

  init(): TrainingToWebview {
    return { type: 'init', run: { ...this.run }, history: [...this.history], ...(this.progress ? { progress: this.progress } : {}) };
  }

  /** Messages for one live engine event (none for log lines). */
  onJobEvent(e: JobEvent): TrainingToWebview[] {
    const out: TrainingToWebview[] = [];
    if (e.type === 'progress') {
      this.progress = toProgress(e);
      if (this.run.status !== 'running') out.push(this.onStatus('running'));
      out.push({ type: 'progress', progress: this.progress });
    } else if (e.type === 'epoch-end') {
      this.history = mergeHistory(this.history, e.record);
      out.push({ type: 'epoch', record: e.record });
      if (e.record.best) {
        const best: CheckpointMeta = { epoch: e.record.epoch, valLoss: e.record.valLoss, valAcc: e.record.valAcc, savedAt: new Date().toISOString() };
        out.push(this.onStatus(this.run.status === 'running' ? 'running' : this.run.status, best));
      }
    }
    return out;
  }

  onStatus(status: TrainingRunView['status'], best?: CheckpointMeta, error?: string): TrainingToWebview {
    const why = status === 'failed' ? error ?? this.run.error : undefined;
    const { error: _previous, ...run } = this.run;
    this.run = { ...run, status, best: best ?? this.run.best, ...(why ? { error: why } : {}) };
    if (status !== 'running') this.progress = undefined;
    return { type: 'status', status, ...(this.run.best ? { best: this.run.best } : {}), ...(this.run.error ? { error: this.run.error } : {}) };
  }
}
