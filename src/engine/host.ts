/**
 * Entry of the forked engine process: protocol messages in, jobs run, events out.
 * Started by EngineClient with child_process.fork; never imports vscode.
 */
import type { EngineEvent, EngineRequest } from '../shared/engineProtocol';
import { initBackend, type BackendPreference } from './backend';
import { runJob } from './engine';
import { errorKind } from './errors';

const send = (event: EngineEvent) => process.send?.(event);
const running = new Map<number, AbortController>();

async function handle(req: EngineRequest): Promise<void> {
  if (req.type === 'cancel') {
    const job = running.get(req.target);
    job?.abort();
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
    void handle(req);
  });
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
