import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient, EngineError } from '../../src/extension/engine/engineClient';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import type { JobEvent } from '../../src/shared/engineProtocol';

// The forked engine process as the extension host runs it: dist/engineHost.js over child_process IPC.
const HOST = path.resolve(__dirname, '../../dist/engineHost.js');
let client: EngineClient;
let tmp: string;
let data: string;
const config = { arch: 'squeezenet1_1', imageSize: 32, batchSize: 4, valPerClass: 2, testPerClass: 2 };

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-host-'));
  data = path.join(tmp, 'data');
  await generatePhantomDataset(data, { perClass: 8, size: 40, classes: 3, seed: 4 });
  client = new EngineClient(HOST);
});
after(() => client.dispose());

test('the engine process starts, reports its backend and answers info and scan', async () => {
  const backend = await client.ready;
  const info = await client.request({ type: 'info' }).result;
  assert.equal(info.backend, backend);
  const scan = await client.request({ type: 'scan', root: data }).result;
  assert.deepEqual(scan.classes, ['consolidation', 'effusion', 'normal']);
  assert.equal(Object.values(scan.perClass).reduce((a, b) => a + b, 0), 24);
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  assert.equal(sum(scan.perSplit.train) + sum(scan.perSplit.val) + sum(scan.perSplit.test), 24, 'the default split covers every image once');
});

test('train streams progress and epoch-end events, then evaluate and explain use the run', async () => {
  const events: JobEvent[] = [];
  const runDir = path.join(tmp, 'run');
  const r = await client.request({ type: 'train', dataset: data, config: { ...config, epochs: 2 }, runDir }, (e) => events.push(e)).result;
  assert.equal(r.status, 'completed');
  assert.equal(events.filter((e) => e.type === 'epoch-end').length, 2);
  assert.ok(events.some((e) => e.type === 'progress' && e.phase === 'train' && e.total > 0));
  const ev = await client.request({ type: 'evaluate', runDir }).result;
  assert.equal(ev.confusion.flat().reduce((a, b) => a + b, 0), 6);
  const img = path.join(data, 'normal', (await fs.readdir(path.join(data, 'normal')))[0]);
  const ex = await client.request({ type: 'explain', runDir, images: [img] }).result;
  assert.equal(ex.items.length, 1);
});

test('cancel stops a long run after the current batch and leaves it resumable', async () => {
  const runDir = path.join(tmp, 'cancelled');
  const job: ReturnType<EngineClient['request']> = client.request({ type: 'train', dataset: data, config: { ...config, epochs: 50 }, runDir }, (e) => {
    if (e.type === 'epoch-end') job.cancel();
  });
  const r = await job.result as { status: string; epochsDone: number };
  assert.equal(r.status, 'cancelled');
  assert.ok(r.epochsDone >= 1 && r.epochsDone < 50);
});

test('errors come back as a rejected request with the one-line reason', async () => {
  await assert.rejects(client.request({ type: 'evaluate', runDir: path.join(tmp, 'nope') }).result, /not a CXR Lab run directory/);
});

test('errors keep their kind across the process boundary', async () => {
  const failure = (p: Promise<unknown>) => p.then(() => assert.fail('the request should fail'), (e: unknown) => e as EngineError);
  const dataset = await failure(client.request({ type: 'scan', root: path.join(tmp, 'no-such-dataset') }).result);
  assert.ok(dataset instanceof EngineError);
  assert.equal(dataset.kind, 'dataset');
  assert.match(dataset.message, /does not exist/);
  assert.match(dataset.engineStack ?? '', /DatasetError/, 'the engine-side stack comes along');
  const badConfig = await failure(client.request({ type: 'train', dataset: data, config: { ...config, epochs: 0 }, runDir: path.join(tmp, 'bad-config') }).result);
  assert.equal(badConfig.kind, 'config');
  assert.match(badConfig.message, /Invalid option epochs/);
  const method = await failure(client.request({ type: 'explain', runDir: path.join(tmp, 'run'), images: [], method: 'no-such-method' }).result);
  assert.equal(method.kind, 'config');
  assert.match(method.message, /Unknown CAM method 'no-such-method'\. Known methods: gradcam/);
  const run = await failure(client.request({ type: 'evaluate', runDir: path.join(tmp, 'nope') }).result);
  assert.equal(run.kind, 'run');
  // Something nobody foresaw (here a malformed request: images is not a list) is 'internal'.
  const internal = await failure(client.request({ type: 'explain', runDir: path.join(tmp, 'run'), images: 42 as unknown as string[] }).result);
  assert.equal(internal.kind, 'internal');
});
