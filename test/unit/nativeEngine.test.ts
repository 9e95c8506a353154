/**
 * The native backend as the .vsix ships it, with the real TensorFlow libraries: an extension-shaped folder whose
 * tfjs-node has its JavaScript and N-API addon but no deps/ (as .vscodeignore packs it), the engine forked from it
 * as EngineService forks it. Without the libraries it runs on wasm and says why; after the install job put them in a
 * storage folder and the fork got nativeEngineEnv(), it runs on tensorflow — libraries mapped from that folder, the
 * backend registered in the engine's own tfjs — and after removal it is back on wasm.
 * Needs `node esbuild.mjs` (dist/engineHost.js) and `npm run install:native` (the addon and libraries to copy).
 */
import assert from 'node:assert/strict';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { EngineClient } from '../../src/extension/engine/engineClient';
import { checkNativeEngine } from '../../src/extension/native/verifyNative';
import { installNative } from '../../src/engine/native/install/installNative';
import { findNativeAddon, nativeBackendDir, nativeEnvForStorage } from '../../src/shared/node/nativeLibs';
import type { InfoResult } from '../../src/shared/engineProtocol';

const repo = path.resolve(__dirname, '../..');
const tfjsNode = path.join(repo, 'node_modules', '@tensorflow', 'tfjs-node');
const host = path.join(repo, 'dist', 'engineHost.js');
const skip = !existsSync(host) ? 'dist/engineHost.js is missing (node esbuild.mjs)'
  : !findNativeAddon(repo) || !existsSync(path.join(tfjsNode, 'deps', 'lib', 'libtensorflow_framework.so.2'))
    ? 'tfjs-node and its libraries are not installed here (npm run install:native)' : process.platform !== 'linux' ? 'Linux only' : false;

let tmp = '';
let ext = '';
before(async () => {
  if (skip) return;
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-native-engine-'));
  // The extension folder: the engine bundle, node_modules linked to this repository's, and tfjs-node copied
  // without deps/ (its libraries) and build/ — what `npm run package` puts in the .vsix.
  ext = path.join(tmp, 'extension');
  await fs.mkdir(path.join(ext, 'dist'), { recursive: true });
  await fs.copyFile(host, path.join(ext, 'dist', 'engineHost.js'));
  const nm = path.join(ext, 'node_modules');
  await fs.mkdir(path.join(nm, '@tensorflow'), { recursive: true });
  for (const e of await fs.readdir(path.join(repo, 'node_modules'))) {
    if (e !== '@tensorflow') await fs.symlink(path.join(repo, 'node_modules', e), path.join(nm, e));
  }
  for (const e of await fs.readdir(path.join(repo, 'node_modules', '@tensorflow'))) {
    if (e !== 'tfjs-node') await fs.symlink(path.join(repo, 'node_modules', '@tensorflow', e), path.join(nm, '@tensorflow', e));
  }
  for (const part of ['package.json', 'dist', 'lib']) await fs.cp(path.join(tfjsNode, part), path.join(nm, '@tensorflow', 'tfjs-node', part), { recursive: true });
});
after(async () => { if (tmp) await fs.rm(tmp, { recursive: true, force: true }); });

/** The engine's info, and the libtensorflow files mapped into its process. */
async function engineInfo(env: Record<string, string>): Promise<{ info: InfoResult; mapped: string[] }> {
  const client = new EngineClient(path.join(ext, 'dist', 'engineHost.js'), { env });
  try {
    await client.ready;
    const info = await client.request({ type: 'info' }).result;
    const pid = (client as unknown as { child: { pid: number } }).child.pid;
    const mapped = [...new Set(readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').map((l) => l.split(/\s+/).slice(5).join(' ')).filter((f) => /libtensorflow/.test(f)))];
    return { info, mapped };
  } finally {
    client.dispose();
  }
}

test('the packaged engine: wasm without the libraries, tensorflow with them from global storage, wasm again after removal', { skip, timeout: 300_000 }, async () => {
  assert.ok(!existsSync(path.join(ext, 'node_modules', '@tensorflow', 'tfjs-node', 'deps')), 'the extension folder has no deps/');
  const bare = await engineInfo({});
  assert.equal(bare.info.backend, 'wasm');
  assert.deepEqual(bare.mapped, []);
  const reason = bare.info.tried.find((t) => t.name === 'tfjs-node')?.error ?? '';
  assert.match(reason, /^the TensorFlow library is not installed \(libtensorflow_cc\.so\.2 not found\): run "CXR Lab: Install Native Backend"/);

  // Install from this repository's libraries (a folder: hard links, instant) into a storage folder.
  const storage = path.join(tmp, 'globalStorage');
  const dir = nativeBackendDir(storage);
  const r = await installNative({ dir, variant: 'cpu', source: { kind: 'files', paths: [tfjsNode] }, signal: new AbortController().signal, emit: () => {} });
  assert.ok(r.bytes > 100e6, `libraries installed (${r.bytes} bytes)`);
  const { env } = nativeEnvForStorage(storage, {});
  assert.equal(env.LD_LIBRARY_PATH, path.join(dir, 'tensorflow'));

  const native = await engineInfo(env);
  assert.equal(native.info.backend, 'tensorflow', `tried: ${JSON.stringify(native.info.tried)}`);
  assert.match(native.info.versions['tensorflow'] ?? '', /^\d+\.\d+\.\d+/);
  assert.equal(native.info.native, dir);
  assert.ok(native.mapped.length >= 2 && native.mapped.every((f) => f.startsWith(path.join(dir, 'tensorflow') + path.sep)),
    `libtensorflow mapped from the install folder only: ${native.mapped.join(', ')}`);
  assert.match(native.info.gpu?.summary ?? '', /\.$/, 'a GPU sentence in info');

  // The extension's own check (a throwaway engine) agrees.
  const check = await checkNativeEngine(path.join(ext, 'dist', 'engineHost.js'), env);
  assert.equal(check.ok, true, JSON.stringify(check));

  await fs.rm(dir, { recursive: true });
  assert.deepEqual(nativeEnvForStorage(storage, {}).env, {});
  const removed = await engineInfo(nativeEnvForStorage(storage, {}).env);
  assert.equal(removed.info.backend, 'wasm');
});
