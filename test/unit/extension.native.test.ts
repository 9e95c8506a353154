/**
 * The extension side of the native backend, under node with the fake vscode and the real engine (dist/engineHost.js):
 * Install Native Backend with libraries a fresh engine cannot load is taken back with the engine's reason; with this
 * repository's real libraries it succeeds and the running engine is replaced once idle, with the new environment;
 * Remove undoes it; the one-time offer appears on wasm only, once.
 */
import '../fakes/vscode';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type * as vscode from 'vscode';
import { zipSync } from 'fflate';
import { EventEmitter, fake, Uri, window } from '../fakes/vscode';
import { EngineService } from '../../src/extension/engine/engineService';
import { installNativeBackend, nativeEngineEnvFor, removeNativeBackend } from '../../src/extension/native/nativeInstall';
import { NATIVE_OFFERED_KEY, registerNativeOffer } from '../../src/extension/native/offerNativeBackend';
import type { Services } from '../../src/extension/services';
import { findNativeAddon, NATIVE_DIR_ENV, nativeBackendDir } from '../../src/shared/node/nativeLibs';

const repo = path.resolve(__dirname, '../..');
const host = path.join(repo, 'dist', 'engineHost.js');
const tfjsNode = path.join(repo, 'node_modules', '@tensorflow', 'tfjs-node');
const skip = !existsSync(host) ? 'dist/engineHost.js is missing: run `node esbuild.mjs` first'
  : !findNativeAddon(repo) || !existsSync(path.join(tfjsNode, 'deps', 'lib', 'libtensorflow_framework.so.2')) ? 'tfjs-node is not installed here (npm run install:native)' : false;

let tmp = '';
before(async () => { tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-ext-native-')); });
after(async () => { if (tmp) await fs.rm(tmp, { recursive: true, force: true }); });

function services(engine: EngineService, live: () => number = () => 0): { s: Services; output: ReturnType<typeof window.createOutputChannel>; trainingsChanged: EventEmitter<void> } {
  const output = window.createOutputChannel('CXR Lab test');
  const trainingsChanged = new EventEmitter<void>();
  const context = {
    extensionPath: repo, globalStorageUri: Uri.file(path.join(tmp, 'globalStorage')),
    globalState: { get: <T>(k: string) => fake.globalState.get(k) as T | undefined, update: async (k: string, v: unknown) => { fake.globalState.set(k, v); } },
  };
  const trainings = { liveRuns: () => Array.from({ length: live() }), onDidChange: trainingsChanged.event };
  return { s: { context, output, engine, trainings } as unknown as Services, output, trainingsChanged };
}

const pid = (engine: EngineService) => (engine as unknown as { client?: { child: ChildProcess } }).client?.child.pid;

test('libraries a fresh engine cannot load: the install is taken back, with the engine\'s reason', { skip, timeout: 120_000 }, async () => {
  const output = window.createOutputChannel('x');
  const engine = new EngineService(host, output as unknown as vscode.OutputChannel);
  const { s } = services(engine);
  try {
    // A wheel whose "libraries" are not ELF files: unpacked fine, but ld.so refuses them.
    const wheel = path.join(tmp, 'tensorflow_cpu-2.20.0-cp311-cp311-manylinux_2_17_x86_64.whl');
    await fs.writeFile(wheel, zipSync({ 'tensorflow/libtensorflow_cc.so.2': new TextEncoder().encode('not a library'), 'tensorflow/libtensorflow_framework.so.2': new TextEncoder().encode('nor this') }));
    fake.reset();
    fake.quickPickAnswers.push({ accept: 'CPU' }, { accept: 'Use files I have…' });
    fake.openDialogAnswers.push([Uri.file(wheel)]);
    assert.equal(await installNativeBackend(s), false);
    const err = fake.messages.find((m) => m.level === 'error');
    assert.match(err?.text ?? '', /the TensorFlow libraries were installed but the engine cannot use them \(the engine started on wasm: tfjs-node — \S*native-backend\/tensorflow\/libtensorflow_cc\.so\.2 is not a usable library \((file too short|invalid ELF header)\)/);
    assert.match(err?.text ?? '', /they were removed again/);
    assert.equal(existsSync(nativeBackendDir(path.join(tmp, 'globalStorage'))), false, 'nothing left in global storage');
    assert.deepEqual(nativeEngineEnvFor(s), {}, 'the next engine starts without it');
  } finally {
    engine.dispose();
  }
});

test('real libraries: installed, checked by a fresh engine, the idle engine replaced with the new environment; Remove undoes it', { skip, timeout: 180_000 }, async () => {
  const output = window.createOutputChannel('x');
  let envCalls = 0;
  const late: { s?: Services } = {}; // the engine's environment reads the services made with it
  const engine = new EngineService(host, output as unknown as vscode.OutputChannel, () => { envCalls++; return nativeEngineEnvFor(late.s!); });
  const { s } = services(engine);
  late.s = s;
  try {
    const before = await (await engine.start({ type: 'info' })).result;
    assert.equal(before.native, undefined, 'no install yet');
    const firstPid = pid(engine);
    fake.reset();
    // A folder holding the libraries (this repository's tfjs-node deps/lib), as the e2e tier and air-gapped users bring them.
    assert.equal(await installNativeBackend(s, { variant: 'cpu', source: { kind: 'files', paths: [tfjsNode] } }), true, JSON.stringify(fake.messages));
    const dir = nativeBackendDir(path.join(tmp, 'globalStorage'));
    assert.match(fake.messages.find((m) => m.level === 'info')?.text ?? '', /^CXR Lab: native backend installed — backend tensorflow \(TensorFlow \d+\.\d+\.\d+, \d+ threads\)\. The next job runs on it\.$/);
    const afterInstall = await (await engine.start({ type: 'info' })).result;
    assert.notEqual(pid(engine), firstPid, 'the idle engine was replaced');
    assert.equal(afterInstall.native, dir, `the new engine got ${NATIVE_DIR_ENV}`);
    assert.equal(envCalls, 2, 'the environment is read at each engine start');

    fake.reset();
    fake.messageAnswers.push('Remove');
    assert.equal(await removeNativeBackend(s), true);
    assert.equal(existsSync(dir), false);
    const afterRemove = await (await engine.start({ type: 'info' })).result;
    assert.equal(afterRemove.native, undefined);
    fake.reset();
    assert.equal(await removeNativeBackend(s), false, 'nothing to remove');
    assert.match(fake.messages[0]?.text ?? '', /the native backend is not installed/);
  } finally {
    engine.dispose();
  }
});

test('a busy engine is not replaced until its job is done', { skip, timeout: 60_000 }, async () => {
  const output = window.createOutputChannel('x');
  const engine = new EngineService(host, output as unknown as vscode.OutputChannel);
  try {
    await (await engine.start({ type: 'info' })).result;
    const first = pid(engine);
    const job = await engine.start({ type: 'info' });
    engine.restartWhenIdle(); // while the info job is in flight
    await job.result;
    assert.equal(pid(engine), first, 'kept while busy');
    await (await engine.start({ type: 'info' })).result;
    assert.notEqual(pid(engine), first, 'replaced at the first request after it went idle');
  } finally {
    engine.dispose();
  }
});

test('the offer: once, only while a training runs on wasm, and never when the setting or the package rule it out', async () => {
  fake.globalState.delete(NATIVE_OFFERED_KEY);
  let backend: string | undefined = 'tensorflow';
  let live = 1;
  const engine = { get backend() { return backend; } } as unknown as EngineService;
  const { s, trainingsChanged } = services(engine, () => live);
  const sub = registerNativeOffer(s);
  try {
    fake.reset();
    trainingsChanged.fire();
    assert.equal(fake.messages.length, 0, 'not on tensorflow');
    backend = 'wasm';
    live = 0;
    trainingsChanged.fire();
    assert.equal(fake.messages.length, 0, 'not without a running training');
    live = 1;
    fake.messageAnswers.push('Not now');
    trainingsChanged.fire();
    trainingsChanged.fire();
    if (findNativeAddon(repo)) {
      assert.equal(fake.messages.length, 1, 'once');
      assert.match(fake.messages[0]!.text, /this training runs on WebAssembly\. The native TensorFlow backend trains 5–10× faster/);
      assert.equal(fake.globalState.get(NATIVE_OFFERED_KEY), true, 'remembered for the next windows');
    } else {
      assert.equal(fake.messages.length, 0, 'a package without the addon cannot install: no offer');
    }
  } finally {
    sub.dispose();
  }
});
