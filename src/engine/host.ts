/**
 * Entry of the forked engine process: protocol messages in, jobs run, events out.
 * Started by EngineClient with child_process.fork; never imports vscode.
 */
import type { EngineEvent, EngineRequest } from '../shared/engineProtocol';
import { initBackend, type BackendPreference } from './backend';
import { runJob } from './engine';
import { errorKind } from './errors';

/** The last message handed to the IPC channel is delivered when this settles (a process.exit() would drop it). */
let lastSend: Promise<void> = Promise.resolve();
const send = (event: EngineEvent) => {
  if (!process.send) return;
  lastSend = new Promise((resolve) => { process.send!(event, undefined, {}, () => resolve()); });
};
const running = new Map<number, AbortController>();
const jobs = new Set<Promise<void>>();

/** Exit status after a signal: 128 + its number (SIGINT 130, SIGTERM 143). */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
let stopping = false;

/**
 * SIGTERM (kill, docker stop, a cluster scheduler, the system shutting down) or SIGINT (Ctrl-C in the terminal that
 * started the editor): every job is cancelled at its next batch boundary — a training keeps its checkpoint and says
 * cancelled, with the signal as its note — its result is sent, then the process exits. A second signal exits at once.
 */
async function stopOnSignal(signal: keyof typeof SIGNAL_EXIT): Promise<void> {
  if (stopping) process.exit(SIGNAL_EXIT[signal]);
  stopping = true;
  for (const c of running.values()) c.abort(`cancelled by ${signal}${signal === 'SIGTERM' ? ' (kill, docker stop or a cluster scheduler)' : ''}`);
  await Promise.allSettled([...jobs]);
  await lastSend;
  process.exit(SIGNAL_EXIT[signal]);
}

async function handle(req: EngineRequest): Promise<void> {
  if (req.type === 'cancel') {
    const job = running.get(req.target);
    job?.abort(req.reason);
    send({ type: 'result', id: req.id, request: 'cancel', result: { cancelled: Boolean(job) } });
    return;
  }
  const controller = new AbortController();
  running.set(req.id, controller);
  try {
    const result = await runJob(req, controller.signal, (e) => send({ ...e, id: req.id } as EngineEvent));
    send({ type: 'result', id: req.id, request: req.type, result });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    send({ type: 'error', id: req.id, kind: errorKind(err), message: e.message, stack: e.stack });
  } finally {
    running.delete(req.id);
  }
}

async function main(): Promise<void> {
  if (!process.send) {
    console.error('engineHost must be started with child_process.fork (it talks over the IPC channel).');
    process.exit(2);
  }
  const backend = await initBackend((process.env.CXR_LAB_BACKEND ?? 'auto') as BackendPreference);
  process.on('message', (msg) => {
    const req = msg as EngineRequest;
    if (!req || typeof req !== 'object' || typeof req.id !== 'number' || typeof req.type !== 'string') {
      send({ type: 'log', level: 'error', message: `Ignored a malformed request: ${JSON.stringify(msg)}` });
      return;
    }
    if (stopping && req.type !== 'cancel') {
      send({ type: 'error', id: req.id, kind: 'cancelled', message: 'The engine process is stopping (signal received).' });
      return;
    }
    const job = handle(req);
    jobs.add(job);
    void job.finally(() => jobs.delete(job));
  });
  for (const signal of Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]) process.on(signal, () => void stopOnSignal(signal));
  // The parent going away (window closed, extension host crash) must not leave an orphan training job.
  process.on('disconnect', () => {
    for (const c of running.values()) c.abort();
    setTimeout(() => process.exit(0), 2000).unref();
  });
  send({ type: 'ready', backend: backend.name });
}

main().catch((err: Error) => {
  send({ type: 'log', level: 'error', message: `Engine failed to start: ${err.message}` });
  process.exit(1);
});
