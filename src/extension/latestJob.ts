/**
 * The engine job of a view where only the latest request counts: starting one cancels the one running, and a job
 * that was superseded has its progress, result and error dropped (a late answer never overwrites a newer one).
 */
export interface CancellableJob<R> { result: Promise<R>; cancel(): void }

export interface LatestJobSteps<R, P> {
  /** Runs before the job starts (a busy message, clearing old files); its failure is the job's. */
  before?: () => Promise<void>;
  start: (onProgress: (p: P) => void) => Promise<CancellableJob<R>>;
  progress: (p: P) => void;
  /** The result of the latest job, with its generation. */
  done: (result: R, generation: number) => Promise<void>;
  failed: (message: string) => Promise<void>;
}

export class LatestJob {
  private seq = 0;
  private cancelRunning?: () => void;

  /** Increases with every run; a view can tag what it shows with it. */
  get generation(): number {
    return this.seq;
  }

  get running(): boolean {
    return this.cancelRunning !== undefined;
  }

  cancel(): void {
    this.cancelRunning?.();
    this.cancelRunning = undefined;
  }

  async run<R, P>(s: LatestJobSteps<R, P>): Promise<void> {
    const seq = ++this.seq;
    this.cancel();
    try {
      await s.before?.();
      const job = await s.start((p) => { if (seq === this.seq) s.progress(p); });
      if (seq !== this.seq) return job.cancel();
      this.cancelRunning = job.cancel;
      const result = await job.result;
      if (seq !== this.seq) return;
      this.cancelRunning = undefined;
      await s.done(result, seq);
    } catch (err) {
      if (seq === this.seq) await s.failed((err as Error).message);
    }
  }
}
