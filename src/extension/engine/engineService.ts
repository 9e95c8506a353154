/**
 * One engine process per window, started on first use, its log in the "CXR Lab" output channel,
 * started again on the next request if it died.
 */
import * as vscode from 'vscode';
import type { JobEvent, ResultByRequest } from '../../shared/engineProtocol';
import { EngineClient, type EngineJob } from './engineClient';
import { Disposable } from '../dispose';

type JobBody = Parameters<EngineClient['request']>[0];

export class EngineService extends Disposable {
  private client?: EngineClient;
  private alive = false;
  private starting?: Promise<EngineClient>;
  /** Backend the running engine reported ('wasm', 'tensorflow', 'cpu'), once ready. */
  backend?: string;

  /** Set by restartWhenIdle: the running engine is replaced on the first request made while it has no job. */
  private stale = false;

  /** engineEnv: extra environment for each new engine process (the native backend's libraries; computed at each start). */
  constructor(readonly hostScript: string, private readonly output: vscode.OutputChannel, private readonly engineEnv: () => Record<string, string> = () => ({})) {
    super();
  }

  /**
   * The next request starts a fresh engine — e.g. with the native backend just installed or removed — as soon as
   * the running one has no job in flight (a training in progress keeps its engine and backend to the end).
   */
  restartWhenIdle(): void {
    this.stale = true;
    if (this.client && !this.client.busy) { this.client.dispose(); this.alive = false; this.stale = false; }
  }

  /** Sends a request, starting the engine first when needed. Log events of the job also go to the output channel. */
  async start<R extends JobBody>(body: R, onEvent?: (e: JobEvent) => void): Promise<EngineJob<ResultByRequest[R['type']]>> {
    const client = await this.ensure();
    return client.request(body, (e) => {
      if (e.type === 'log') this.output.appendLine(`[${e.level}] ${e.message}`);
      onEvent?.(e);
    });
  }

  private ensure(): Promise<EngineClient> {
    if (this.client && this.alive && this.stale && !this.client.busy) { this.client.dispose(); this.alive = false; this.stale = false; }
    if (this.client && this.alive) return Promise.resolve(this.client);
    this.starting ??= this.spawn().finally(() => { this.starting = undefined; });
    return this.starting;
  }

  private async spawn(): Promise<EngineClient> {
    this.client?.dispose();
    const backend = vscode.workspace.getConfiguration('cxrLab').get<string>('backend', 'auto');
    this.output.appendLine(`Starting the engine (${this.hostScript}, backend ${backend})…`);
    const client = new EngineClient(this.hostScript, { backend: backend === 'auto' ? undefined : backend, env: this.engineEnv() });
    client.onLog = (message, level) => this.output.appendLine(`[${level}] ${message}`);
    this.client = client;
    this.alive = true;
    // Its exit is what tells us to start a new one next time.
    client.onExit = (code, signal) => {
      if (this.client === client) this.alive = false;
      if (!this.isDisposed) this.output.appendLine(`The engine process stopped (${signal ?? `code ${code}`}); it starts again on the next request.`);
    };
    try {
      this.backend = await client.ready;
      this.output.appendLine(`Engine ready: backend ${this.backend}.`);
      return client;
    } catch (err) {
      this.alive = false;
      throw err;
    }
  }

  override dispose(): void {
    super.dispose();
    this.client?.dispose();
    this.client = undefined;
  }
}
