/**
 * Follows a training queue that a runner process works through, from its files alone — sweep.json (who is running,
 * how each member ended) and runner.log (the runner's `--json` events, each tagged with its member's run folder) — so
 * any window, after a reload too, shows the queue's live state without owning the process. Each poll() reports what
 * changed to a sink: a member started, an engine event of a member, a member ended, the queue ended. No vscode import.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JobEvent } from '../../shared/engineProtocol';
import { SWEEP_FILES, sweepLogLineSchema, type MemberStatus, type SweepFile, type SweepMember } from '../../shared/runFiles';
import { pidAlive } from '../../shared/node/runFs';
import { readSweepFile } from '../runs/runFiles';
import { sweepViewStatus, type SweepViewStatus } from '../runs/sweepReader';

export interface FollowerSink {
  memberStarted(runDir: string, member: SweepMember, epochs: number): void;
  memberEvent(runDir: string, event: JobEvent): void;
  /** `interrupted`: the runner is gone while the member was running. */
  memberEnded(runDir: string, member: SweepMember, status: MemberStatus | 'interrupted'): void;
  /** The queue is no longer being worked through. `sawRunning`: this follower saw it running (else it was over already). */
  ended(file: SweepFile, status: SweepViewStatus, sawRunning: boolean): void;
}

export interface FollowerDeps {
  readSweep(dir: string): Promise<SweepFile | undefined>;
  /** The bytes of `file` from `offset` to its end (undefined when it does not exist), and its size. */
  readFrom(file: string, offset: number): Promise<{ bytes: Buffer; size: number } | undefined>;
  alive(pid: number): boolean;
  host: string;
}

/** On attaching to a queue that has been running a while, only the end of its log is read (the latest progress). */
const ATTACH_TAIL_BYTES = 256 * 1024;
/** What a member trains when sweep.json's recipe does not say (the engine's default). */
const DEFAULT_EPOCHS = 25;
const FOLLOWED_EVENTS = new Set(['progress', 'epoch-end', 'log']);

export const nodeFollowerDeps: FollowerDeps = {
  readSweep: (dir) => readSweepFile(dir),
  async readFrom(file, offset) {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch {
      return undefined;
    }
    try {
      const size = (await handle.stat()).size;
      const length = Math.max(0, size - offset);
      const bytes = Buffer.alloc(length);
      if (length > 0) await handle.read(bytes, 0, length, offset);
      return { bytes, size };
    } finally {
      await handle.close();
    }
  },
  alive: pidAlive,
  host: os.hostname(),
};

export class SweepFollower {
  private offset?: number;
  /** Bytes after the last newline: a line still being written. */
  private partial = Buffer.alloc(0);
  private dropFirstLine = false;
  private readonly known = new Map<string, MemberStatus>();
  private sawRunning = false;
  private over = false;
  /** The runner writes runner.log (it was started by a window): the members' live events can be followed. */
  hasLog = false;

  constructor(readonly dir: string, private readonly sink: FollowerSink, private readonly deps: FollowerDeps = nodeFollowerDeps) {}

  get done(): boolean {
    return this.over;
  }

  /** Reads what changed; false once the queue is no longer worked through (nothing more will change). */
  async poll(): Promise<boolean> {
    if (this.over) return false;
    const file = await this.deps.readSweep(this.dir).catch(() => undefined);
    if (!file) return true; // the runner has not written it yet
    const status = sweepViewStatus(file, file.runner?.host, (pid) => this.deps.alive(pid), this.deps.host);
    const running = status === 'running';
    if (running) this.sawRunning = true;
    const runDirOf = (m: SweepMember) => path.resolve(this.dir, m.runDir);

    // Starts first, then the log's events (so a member's first events find it tracked), then the ends.
    if (running) {
      for (const m of file.members) {
        if (m.status === 'running' && this.known.get(m.name) !== 'running') {
          this.known.set(m.name, 'running');
          this.sink.memberStarted(runDirOf(m), m, file.config.epochs ?? DEFAULT_EPOCHS);
        }
      }
    }
    if (this.sawRunning) await this.readLog(); // a queue over before we came has nothing live to tell
    for (const m of file.members) {
      const before = this.known.get(m.name);
      if (before === 'running' && (m.status !== 'running' || !running)) this.sink.memberEnded(runDirOf(m), m, m.status === 'running' ? 'interrupted' : m.status);
      this.known.set(m.name, running ? m.status : m.status === 'running' ? 'cancelled' : m.status);
    }
    if (!running && !status.startsWith('running on ')) {
      this.over = true;
      this.sink.ended(file, status, this.sawRunning);
      return false;
    }
    return true;
  }

  private async readLog(): Promise<void> {
    const file = path.join(this.dir, SWEEP_FILES.log);
    if (this.offset === undefined) {
      const head = await this.deps.readFrom(file, Number.MAX_SAFE_INTEGER);
      if (!head) return;
      this.hasLog = true;
      this.offset = Math.max(0, head.size - ATTACH_TAIL_BYTES);
      this.dropFirstLine = this.offset > 0;
    }
    const chunk = await this.deps.readFrom(file, this.offset);
    if (!chunk) return;
    if (chunk.size < this.offset) { this.offset = 0; this.partial = Buffer.alloc(0); return; } // truncated: start over next time
    this.offset += chunk.bytes.length;
    const bytes = Buffer.concat([this.partial, chunk.bytes]);
    const end = bytes.lastIndexOf(0x0a);
    this.partial = end < 0 ? bytes : bytes.subarray(end + 1);
    if (end < 0) return;
    const lines = bytes.subarray(0, end).toString('utf8').split('\n');
    if (this.dropFirstLine) { lines.shift(); this.dropFirstLine = false; }
    for (const line of lines) this.handleLine(line);
  }

  private handleLine(line: string): void {
    if (!line.startsWith('{')) return; // the runner's stderr (an error line), or tfjs chatter
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return;
    }
    const parsed = sweepLogLineSchema.safeParse(value);
    if (!parsed.success || !parsed.data.runDir || !FOLLOWED_EVENTS.has(parsed.data.type)) return;
    const { member: _member, runDir, ...event } = parsed.data;
    this.sink.memberEvent(runDir, event as unknown as JobEvent);
  }
}
