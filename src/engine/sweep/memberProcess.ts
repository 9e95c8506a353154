/**
 * One member of a training queue, trained in an engine process of its own (a fork of the engine host, the process the
 * extension talks to): a crash of that process — out of memory, a native abort, kill -9 — ends this member only, and
 * the queue goes on. The member's events come back over IPC; cancelling sends the engine a cancel request, so the
 * member stops after its current batch and stays resumable.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { EngineEvent, JobEvent, TrainRequest, TrainResult } from '../../shared/engineProtocol';
import type { MemberStatus } from '../../shared/runFiles';
import { memberFaultSpec } from '../faults';

/** How to start the engine host: the bundle beside this one (dist/engineHost.js), or its source under tsx (tests). */
export interface HostEntry { script: string; execArgv: string[] }

export function engineHostEntry(): HostEntry {
  const bundled = path.join(__dirname, 'engineHost.js');
  if (existsSync(bundled)) return { script: bundled, execArgv: [] };
  return { script: path.resolve(__dirname, '..', 'host.ts'), execArgv: ['--import', 'tsx'] };
}

export interface MemberJob {
  /** The member's name in the sweep (its folder name); CXR_LAB_FAULT entries `<name>/…` apply to its process. */
  member: string;
  request: Omit<TrainRequest, 'type' | 'id'>;
  signal: AbortSignal;
  emit: (event: JobEvent) => void;
}

/** How a member ended: completed, cancelled (resumable) or failed, with the reason in one sentence. */
export interface MemberOutcome { status: Exclude<MemberStatus, 'queued' | 'running'>; reason?: string; epochsDone?: number }

export interface MemberProcessOptions {
  host?: HostEntry;
  /** Backend preference of the member's engine (the runner's --backend). */
  backend?: string;
}

/** Lines of the engine's stderr kept for the reason of a crash. */
const STDERR_TAIL = 4000;
/** After its result, the engine is asked to exit (disconnect); one that does not is killed after this long. */
const EXIT_GRACE_MS = 10_000;

export function runMemberProcess(job: MemberJob, o: MemberProcessOptions = {}): Promise<MemberOutcome> {
  const host = o.host ?? engineHostEntry();
  const env: NodeJS.ProcessEnv = { ...process.env, CXR_LAB_FAULT: memberFaultSpec(process.env.CXR_LAB_FAULT ?? '', job.member) };
  if (o.backend) env.CXR_LAB_BACKEND = o.backend;
  const child = fork(host.script, [], { execArgv: host.execArgv, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-STDERR_TAIL); });
  child.stdout?.resume(); // tfjs may print a greeting; the runner's stdout is its own (JSON lines with --json)

  const JOB_ID = 1;
  return new Promise<MemberOutcome>((resolve) => {
    let outcome: MemberOutcome | undefined;
    let started = false;
    const reasonOf = (signal: AbortSignal) => (typeof signal.reason === 'string' ? signal.reason : 'cancelled');
    const finish = (o: MemberOutcome) => {
      if (outcome) return;
      outcome = o;
      job.signal.removeEventListener('abort', onAbort);
      if (child.connected) child.disconnect(); // the engine exits when its parent lets go
      const kill = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
      kill.unref();
      if (child.exitCode !== null || child.signalCode !== null) { clearTimeout(kill); resolve(o); return; }
      child.once('exit', () => { clearTimeout(kill); resolve(o); });
    };
    const onAbort = () => {
      if (!started) { finish({ status: 'cancelled', reason: reasonOf(job.signal) }); return; }
      if (child.connected) child.send({ type: 'cancel', id: JOB_ID + 1, target: JOB_ID, reason: reasonOf(job.signal) });
    };
    job.signal.addEventListener('abort', onAbort);

    child.on('message', (m: EngineEvent) => {
      if (m.type === 'ready') {
        if (job.signal.aborted) { onAbort(); return; }
        started = true;
        child.send({ type: 'train', id: JOB_ID, ...job.request } satisfies TrainRequest);
        return;
      }
      if (m.type === 'result' && m.id === JOB_ID) {
        const r = m.result as TrainResult;
        finish({ status: r.status === 'running' ? 'failed' : r.status, epochsDone: r.epochsDone });
        return;
      }
      if (m.type === 'error' && m.id === JOB_ID) {
        finish({ status: m.kind === 'cancelled' ? 'cancelled' : 'failed', reason: m.message });
        return;
      }
      if (m.type === 'progress' || m.type === 'epoch-end' || m.type === 'log') {
        const { id: _id, ...event } = m;
        job.emit(event as JobEvent);
      }
    });
    child.on('error', (err) => finish({ status: 'failed', reason: `The engine process could not start: ${err.message}` }));
    child.on('exit', (code, signal) => {
      if (outcome) return;
      const last = stderr.trim().split('\n').filter((l) => l.trim()).slice(-1)[0];
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      finish({ status: 'failed', reason: `The engine process ${how} before the training ended${last ? `: ${last.trim()}` : ''}.` });
    });
  });
}
