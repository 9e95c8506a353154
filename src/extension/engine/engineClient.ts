import { fork, type ChildProcess } from 'node:child_process';
import type { EngineEvent, EngineRequest, ErrorKind, JobEvent, ResultByRequest } from '../../shared/engineProtocol';
import { isErrorKind } from '../../shared/errorKind';

type JobRequestBody = Exclude<EngineRequest, { type: 'cancel' }> extends infer R ? R extends { id: number } ? Omit<R, 'id'> : never : never;

export interface EngineJob<T> { id: number; result: Promise<T>; cancel(): void }

/** A job's failure as the engine reported it: the message, its kind (see src/engine/errors.ts) and the engine-side stack. */
export class EngineError extends Error {
  constructor(message: string, readonly kind: ErrorKind, readonly engineStack?: string) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Parent side of the engine protocol: forks the engine process and matches replies to requests by id. */
export class EngineClient {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; onEvent?: (e: JobEvent) => void }>();
  readonly ready: Promise<string>;
  onLog?: (message: string, level: string) => void;
  /** Called once when the engine process exits, for whatever reason. */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;

  constructor(hostScript: string, opts: { backend?: string; execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}) {
    this.child = fork(hostScript, [], {
      env: { ...process.env, ...opts.env, ...(opts.backend ? { CXR_LAB_BACKEND: opts.backend } : {}) },
      execArgv: opts.execArgv ?? [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stderr = '';
    this.child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (e: EngineEvent) => { if (e.type === 'ready') resolve(e.backend); };
      this.child.on('message', onMessage);
      this.child.once('exit', (code) => reject(new Error(`Engine process exited (code ${code}) before it was ready. ${stderr.trim().split('\n').slice(-3).join(' ')}`)));
    });
    this.child.on('message', (e: EngineEvent) => this.dispatch(e));
    this.child.on('exit', (code, signal) => {
      this.onExit?.(code, signal);
      for (const p of this.pending.values()) p.reject(new Error(`Engine process stopped (${signal ?? `code ${code}`}). ${stderr.trim().split('\n').slice(-2).join(' ')}`));
      this.pending.clear();
    });
  }

  /** Whether a request is still waiting for its result (a training, an evaluation…). */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  request<R extends JobRequestBody>(body: R, onEvent?: (e: JobEvent) => void): EngineJob<ResultByRequest[R['type']]> {
    const id = this.nextId++;
    const result = new Promise<ResultByRequest[R['type']]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onEvent });
      this.child.send({ ...body, id });
    });
    return { id, result, cancel: () => this.child.connected && this.child.send({ type: 'cancel', id: this.nextId++, target: id }) };
  }

  dispose(): void {
    if (this.child.connected) this.child.disconnect();
    setTimeout(() => { if (this.child.exitCode === null) this.child.kill(); }, 3000).unref();
  }

  private dispatch(e: EngineEvent): void {
    if (e.type === 'ready') return;
    if (e.type === 'log' && e.id === undefined) { this.onLog?.(e.message, e.level); return; }
    const p = this.pending.get(e.id!);
    if (!p) return;
    if (e.type === 'result') { this.pending.delete(e.id); p.resolve(e.result); }
    else if (e.type === 'error') { this.pending.delete(e.id); p.reject(new EngineError(e.message, isErrorKind(e.kind) ? e.kind : 'internal', e.stack)); }
    else { const { id: _id, ...event } = e; p.onEvent?.(event as JobEvent); }
  }
}
