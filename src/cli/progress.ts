import type { JobEvent } from '../shared/engineProtocol';
import { formatDurationShort, formatLoss, formatLr, formatPercent } from '../shared/format';

export type OutputMode = 'tty' | 'plain' | 'json';

export function bar(done: number, total: number, width = 24): string {
  const f = total > 0 ? Math.min(1, done / total) : 0;
  const n = Math.round(f * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}]`;
}

/** Turns job events into terminal output: a live bar with ETA on a TTY, plain lines in logs, JSON lines with --json. */
export class ProgressPrinter {
  private live = false;
  private lastPlain = '';

  constructor(private readonly mode: OutputMode, private readonly out: NodeJS.WriteStream = process.stderr) {}

  /** `member`: the training-queue member the event is of; its lines start with `[<member>] `. */
  handle(e: JobEvent & { member?: string }): void {
    if (this.mode === 'json') { process.stdout.write(JSON.stringify(e) + '\n'); return; }
    const tag = e.member ? `[${e.member}] ` : '';
    if (e.type === 'progress') {
      const epoch = `${tag}${e.epoch ? `epoch ${e.epoch}/${e.epochs} ` : ''}`;
      const line = `${epoch}${e.phase} ${bar(e.done, e.total)} ${e.done}/${e.total}${e.message ? ' ' + e.message : ''}  ETA ${formatDurationShort(e.etaSeconds)}`;
      if (this.mode === 'tty') {
        this.out.write(`\r\x1b[2K${line}`);
        this.live = true;
      } else if (e.done === e.total && `${epoch}${e.phase}` !== this.lastPlain) {
        this.lastPlain = `${epoch}${e.phase}`;
        this.line(`${epoch}${e.phase} done (${e.total})`);
      }
      return;
    }
    if (e.type === 'epoch-end') {
      const r = e.record;
      this.line(`${tag}epoch ${r.epoch}: train loss ${formatLoss(r.trainLoss)} acc ${formatPercent(r.trainAcc)} | val loss ${formatLoss(r.valLoss)} acc ${formatPercent(r.valAcc)} | lr ${formatLr(r.lr)} | ${r.seconds.toFixed(1)}s${r.best ? ' | best ✓' : ''}`);
      return;
    }
    this.line(`${tag}${e.level === 'info' ? e.message : `${e.level}: ${e.message}`}`);
  }

  /** A message of the command itself (results, paths). */
  line(text: string): void {
    if (this.mode === 'json') return;
    if (this.live) { this.out.write('\r\x1b[2K'); this.live = false; }
    this.out.write(text + '\n');
  }

  done(): void {
    if (this.live) { this.out.write('\n'); this.live = false; }
  }
}
