/**
 * "Install Native Backend" without the 780 MB: fake wheels (fflate zips) and tarballs (tar) with small stand-in
 * libraries go through the real install job, and the folder layout, the manifest, the engine environment, the
 * one-tfjs check, the fallback sentences and the GPU probe's messages are checked. The real libraries and a real
 * engine process are nativeEngine.test.ts's.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { zipSync } from 'fflate';
import type { JobEvent } from '../../src/shared/engineProtocol';
import {
  NATIVE_DIR_ENV, nativeBackendDir, nativeEngineEnv, nativeEnvForStorage, nativeUnsupportedReason, readNativeManifest, findNativeAddon, type NativeManifest,
} from '../../src/shared/node/nativeLibs';
import { installNative } from '../../src/engine/native/install/installNative';
import { andCudaRequirements, archiveName, wheelEntryTarget } from '../../src/engine/native/install/libLayout';
import { pipSavedFiles, tensorflowCacheDir } from '../../src/engine/native/install/acquire';
import { extractZipEntries } from '../../src/engine/native/install/zipEntries';
import { secondTfjsReason } from '../../src/engine/native/oneTfjs';
import { nativeLoadReason } from '../../src/engine/native/loadError';
import { buildFromSource, tensorflowBuild } from '../../src/engine/native/tensorflowBuild';
import { parseLdconfig, parseSmi, probeGpu, CUDA_LIBS, type CommandResult } from '../../src/engine/native/gpuProbe';
import { InstallProgress, sourceChoices, variantChoices } from '../../src/extension/native/nativeChoices';
import { nativeFallbackReason } from '../../src/extension/native/verifyNative';
import { errorKind } from '../../src/engine/errors';

const bytes = (text: string) => new TextEncoder().encode(text);
const CPU_WHEEL = 'tensorflow_cpu-2.20.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl';

let tmp = '';
beforeEach(async () => { tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-native-')); });

/** A wheel-shaped zip: the two TensorFlow libraries (stand-in bytes) among entries the install must leave out. */
async function fakeWheel(name = CPU_WHEEL, extra: Record<string, Uint8Array> = {}): Promise<string> {
  const file = path.join(tmp, name);
  await fs.writeFile(file, zipSync({
    'tensorflow/libtensorflow_cc.so.2': bytes('capi'.repeat(50_000)),
    'tensorflow/libtensorflow_framework.so.2': bytes('framework'),
    'tensorflow/include/tensorflow/c/c_api.h': bytes('/* header */'),
    'tensorflow/python/_pywrap_tensorflow_internal.so': bytes('python only'),
    'tensorflow_cpu-2.20.0.dist-info/METADATA': bytes('Name: tensorflow-cpu\n'),
    ...extra,
  }, { level: 6 }));
  return file;
}

function collect(): { events: JobEvent[]; emit: (e: JobEvent) => void } {
  const events: JobEvent[] = [];
  return { events, emit: (e) => events.push(e) };
}

const job = (o: Partial<Parameters<typeof installNative>[0]> & Pick<Parameters<typeof installNative>[0], 'source'>) => installNative({
  dir: nativeBackendDir(path.join(tmp, 'storage')), variant: 'cpu', signal: new AbortController().signal, emit: () => {},
  cacheDir: path.join(tmp, 'cache'), python: path.join(tmp, 'no-python'), platform: { platform: 'linux', arch: 'x64' }, ...o,
});

describe('wheel and tarball names, requirements, pip output', () => {
  it('keeps only the run-time libraries of TensorFlow and NVIDIA wheels', () => {
    assert.equal(wheelEntryTarget('tensorflow/libtensorflow_cc.so.2'), 'tensorflow/libtensorflow_cc.so.2');
    assert.equal(wheelEntryTarget('tensorflow/libtensorflow_framework.so.2'), 'tensorflow/libtensorflow_framework.so.2');
    assert.equal(wheelEntryTarget('nvidia/cudnn/lib/libcudnn.so.9'), 'nvidia/cudnn/lib/libcudnn.so.9');
    assert.equal(wheelEntryTarget('nvidia/cuda_runtime/lib/libcudart.so.12'), 'nvidia/cuda_runtime/lib/libcudart.so.12');
    for (const no of ['tensorflow/include/tensorflow/c/c_api.h', 'tensorflow/python/_pywrap_tensorflow_internal.so', 'nvidia/cudnn/include/cudnn.h', 'tensorflow/libtensorflow_cc.so.2.20.0.params']) {
      assert.equal(wheelEntryTarget(no), undefined, no);
    }
  });

  it('reads project, version and build from wheel and tarball names', () => {
    assert.deepEqual(archiveName(`/x/${CPU_WHEEL}`), { kind: 'wheel', project: 'tensorflow-cpu', version: '2.20.0', variant: 'cpu' });
    assert.deepEqual(archiveName('tensorflow-2.20.0-cp311-cp311-manylinux_2_17_x86_64.whl'), { kind: 'wheel', project: 'tensorflow', version: '2.20.0', variant: 'gpu' });
    assert.equal(archiveName('nvidia_cudnn_cu12-9.3.0.75-py3-none-manylinux2014_x86_64.whl').variant, undefined);
    assert.equal(archiveName('nvidia_cudnn_cu12-9.3.0.75-py3-none-manylinux2014_x86_64.whl').project, 'nvidia-cudnn-cu12');
    assert.deepEqual(archiveName('libtensorflow-gpu-linux-x86_64-2.9.1.tar.gz'), { kind: 'tarball', project: 'libtensorflow-gpu', version: '2.9.1', variant: 'gpu' });
    assert.deepEqual(archiveName('my-tf.tgz'), { kind: 'tarball' });
  });

  it('lists the and-cuda requirements of a TensorFlow METADATA, nothing else', () => {
    const metadata = [
      'Metadata-Version: 2.1', 'Name: tensorflow', 'Requires-Dist: numpy>=1.26.0',
      'Requires-Dist: nvidia-cublas-cu12<13.0,>=12.5.3.2; extra == "and-cuda"',
      "Requires-Dist: nvidia-cudnn-cu12 (<10.0,>=9.3.0.75) ; extra == 'and-cuda'",
      'Requires-Dist: tensorflow-io-gcs-filesystem>=0.23.1; python_version < "3.12"',
      'Requires-Dist: nvidia-nccl-cu12<3.0,>=2.25.1; extra == "and-cuda"', '', 'Long description: extra == "and-cuda"',
    ].join('\n');
    assert.deepEqual(andCudaRequirements(metadata), ['nvidia-cublas-cu12<13.0,>=12.5.3.2', 'nvidia-cudnn-cu12<10.0,>=9.3.0.75', 'nvidia-nccl-cu12<3.0,>=2.25.1']);
  });

  it('finds the wheels pip saved or already had', () => {
    const out = 'Collecting tensorflow-cpu==2.20.0\n  Saved ./wheels/tensorflow_cpu-2.20.0-cp311-x.whl\nFile was already downloaded /c/w/nvidia_cudnn_cu12-9.3-py3-none-x.whl\nSuccessfully downloaded tensorflow-cpu\n';
    assert.deepEqual(pipSavedFiles(out, '/c/w'), ['/c/w/tensorflow_cpu-2.20.0-cp311-x.whl', '/c/w/nvidia_cudnn_cu12-9.3-py3-none-x.whl']);
  });

  it('uses the cache install:native uses', () => {
    assert.equal(tensorflowCacheDir({ CXR_LAB_CACHE: '/c' }), '/c/tensorflow');
    assert.equal(tensorflowCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/cxr-lab/tensorflow');
    assert.equal(tensorflowCacheDir({ HOME: os.homedir() }), path.join(os.homedir(), '.cache', 'cxr-lab', 'tensorflow'));
  });
});

describe('install folder', () => {
  it('a tensorflow-cpu wheel: the two libraries, the C API under both names, a manifest; nothing else', async () => {
    const wheel = await fakeWheel();
    const { events, emit } = collect();
    const r = await job({ source: { kind: 'files', paths: [wheel] }, emit });
    const dir = r.dir;
    assert.deepEqual((await fs.readdir(dir)).sort(), ['manifest.json', 'tensorflow']);
    assert.deepEqual((await fs.readdir(path.join(dir, 'tensorflow'))).sort(), ['libtensorflow.so.2', 'libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']);
    assert.equal(await fs.readFile(path.join(dir, 'tensorflow', 'libtensorflow_cc.so.2'), 'utf8'), 'capi'.repeat(50_000));
    assert.equal(await fs.readlink(path.join(dir, 'tensorflow', 'libtensorflow.so.2')), 'libtensorflow_cc.so.2');
    const read = readNativeManifest(dir);
    assert.equal(read.state, 'ok');
    const m = (read as { manifest: NativeManifest }).manifest;
    assert.deepEqual({ variant: m.variant, tensorflow: m.tensorflow, libDirs: m.libDirs, bytes: m.bytes }, { variant: 'cpu', tensorflow: '2.20.0', libDirs: ['tensorflow'], bytes: 200_000 + 9 });
    assert.equal(m.source, wheel);
    assert.deepEqual({ variant: r.variant, tensorflow: r.tensorflow, bytes: r.bytes }, { variant: 'cpu', tensorflow: '2.20.0', bytes: m.bytes });
    const unpack = events.filter((e) => e.type === 'progress' && e.phase === 'unpack') as { done: number; total: number }[];
    assert.ok(unpack.length >= 1 && unpack.at(-1)!.done === unpack.at(-1)!.total, 'unpack progress reaches its total');
    assert.deepEqual((await fs.readdir(path.dirname(dir))).filter((n) => n !== path.basename(dir)), [], 'no staging folder left');
  });

  it('a GPU install: the tensorflow wheel plus NVIDIA wheels lay out nvidia/<pkg>/lib, each a library folder', async () => {
    const tfWheel = await fakeWheel('tensorflow-2.20.0-cp311-cp311-manylinux_2_17_x86_64.whl');
    const nv = path.join(tmp, 'nvidia_cudnn_cu12-9.3.0.75-py3-none-manylinux2014_x86_64.whl');
    await fs.writeFile(nv, zipSync({ 'nvidia/cudnn/lib/libcudnn.so.9': bytes('cudnn'), 'nvidia/cudnn/include/cudnn.h': bytes('h'), 'nvidia/__init__.py': bytes('') }));
    const r = await job({ variant: 'gpu', source: { kind: 'files', paths: [tfWheel, nv] } });
    assert.equal(r.variant, 'gpu');
    assert.deepEqual(r.libDirs, ['tensorflow', 'nvidia/cudnn/lib']);
    assert.deepEqual(await fs.readdir(path.join(r.dir, 'nvidia', 'cudnn', 'lib')), ['libcudnn.so.9']);
    const env = nativeEngineEnv(r.dir, (readNativeManifest(r.dir) as { manifest: NativeManifest }).manifest, { LD_LIBRARY_PATH: '/opt/other' });
    assert.equal(env.LD_LIBRARY_PATH, [path.join(r.dir, 'tensorflow'), path.join(r.dir, 'nvidia/cudnn/lib'), '/opt/other'].join(':'));
    assert.equal(env[NATIVE_DIR_ENV], r.dir);
  });

  it('asking for GPU with a tensorflow-cpu wheel installs the CPU build and says the GPU will not be used', async () => {
    const { events, emit } = collect();
    const r = await job({ variant: 'gpu', source: { kind: 'files', paths: [await fakeWheel()] }, emit });
    assert.equal(r.variant, 'cpu');
    assert.ok(events.some((e) => e.type === 'log' && e.level === 'warn' && /CPU build.*GPU will not be used/.test(e.message)));
  });

  it('a libtensorflow tarball (lib/ with version symlinks): the real file under its SONAME, plus the wheel name', { skip: spawnSync('tar', ['--version']).status === 0 ? false : 'no tar command' }, async () => {
    const src = path.join(tmp, 'tarsrc');
    await fs.mkdir(path.join(src, 'lib'), { recursive: true });
    await fs.mkdir(path.join(src, 'include', 'tensorflow', 'c'), { recursive: true });
    await fs.writeFile(path.join(src, 'lib', 'libtensorflow.so.2.9.1'), 'capi 2.9.1');
    await fs.symlink('libtensorflow.so.2.9.1', path.join(src, 'lib', 'libtensorflow.so.2'));
    await fs.writeFile(path.join(src, 'lib', 'libtensorflow_framework.so.2.9.1'), 'framework 2.9.1');
    await fs.symlink('libtensorflow_framework.so.2.9.1', path.join(src, 'lib', 'libtensorflow_framework.so.2'));
    await fs.writeFile(path.join(src, 'include', 'tensorflow', 'c', 'c_api.h'), '');
    const tarball = path.join(tmp, 'libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz');
    assert.equal(spawnSync('tar', ['-czf', tarball, '-C', src, '.']).status, 0);
    const r = await job({ source: { kind: 'files', paths: [tarball] } });
    assert.equal(r.tensorflow, '2.9.1');
    const tfDir = path.join(r.dir, 'tensorflow');
    assert.deepEqual((await fs.readdir(tfDir)).sort(), ['libtensorflow.so.2', 'libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']);
    assert.equal(await fs.readFile(path.join(tfDir, 'libtensorflow.so.2'), 'utf8'), 'capi 2.9.1');
    assert.ok(!(await fs.lstat(path.join(tfDir, 'libtensorflow.so.2'))).isSymbolicLink(), 'the real file, not a dangling link into the scratch folder');
    assert.equal(await fs.readlink(path.join(tfDir, 'libtensorflow_cc.so.2')), 'libtensorflow.so.2');
    assert.equal(await fs.readFile(path.join(tfDir, 'libtensorflow_framework.so.2'), 'utf8'), 'framework 2.9.1');
    assert.ok(!(await fs.readdir(r.dir)).some((n) => n.startsWith('.tar-')), 'scratch folder removed');
  });

  it('what is not TensorFlow is refused in one sentence, and a previous install stays untouched', async () => {
    const good = await job({ source: { kind: 'files', paths: [await fakeWheel()] } });
    const before = await fs.readFile(path.join(good.dir, 'manifest.json'), 'utf8');
    const other = path.join(tmp, 'numpy-2.0.0-cp311-cp311-manylinux_2_17_x86_64.whl');
    await fs.writeFile(other, zipSync({ 'numpy/__init__.py': bytes('') }));
    await assert.rejects(job({ source: { kind: 'files', paths: [other] } }), /numpy-2\.0\.0.*holds no TensorFlow or NVIDIA CUDA libraries/);
    const onlyCapi = path.join(tmp, 'tensorflow_cpu-9.9.9-cp311-cp311-manylinux_2_17_x86_64.whl');
    await fs.writeFile(onlyCapi, zipSync({ 'tensorflow/libtensorflow_cc.so.2': bytes('x') }));
    await assert.rejects(job({ source: { kind: 'files', paths: [onlyCapi] } }), /libtensorflow_framework\.so\.2 was not found/);
    const truncated = path.join(tmp, CPU_WHEEL.replace('2.20.0', '2.20.1'));
    const whole = await fs.readFile(await fakeWheel(CPU_WHEEL, { 'tensorflow/libtensorflow_framework.so.2': new Uint8Array(randomBytes(300_000)) }));
    await fs.writeFile(truncated, whole.subarray(0, whole.length >> 1));
    await assert.rejects(job({ source: { kind: 'files', paths: [truncated] } }), /incomplete|not a readable zip/);
    await assert.rejects(job({ source: { kind: 'files', paths: [path.join(tmp, 'missing.whl')] } }), /missing\.whl: no such file/);
    assert.equal(await fs.readFile(path.join(good.dir, 'manifest.json'), 'utf8'), before, 'the earlier install is still in place');
    assert.deepEqual((await fs.readdir(path.dirname(good.dir))).sort(), [path.basename(good.dir)], 'no staging folders left');
  });

  it('cancelled while unpacking: a cancelled job, the previous state kept', async () => {
    // Random padding does not compress: the wheel spans several 1 MB reads, so the abort lands mid-archive.
    const wheel = await fakeWheel(CPU_WHEEL, Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`pad/${i}.bin`, new Uint8Array(randomBytes(1 << 20))])));
    const controller = new AbortController();
    const emit = (e: JobEvent) => { if (e.type === 'progress' && e.phase === 'unpack' && e.done > 0) controller.abort(); };
    const err = await job({ source: { kind: 'files', paths: [wheel] }, signal: controller.signal, emit }).then(() => undefined, (e: unknown) => e);
    assert.ok(err, 'the job was stopped');
    assert.equal(errorKind(err), 'cancelled');
    assert.equal(existsSync(nativeBackendDir(path.join(tmp, 'storage'))), false, 'nothing installed');
    assert.deepEqual(await fs.readdir(path.join(tmp, 'storage')), [], 'no staging folder left');
  });

  it('PyPI: reuses the wheel install:native cached, without pip or network', async () => {
    const wheels = path.join(tmp, 'cache', 'wheels');
    await fs.mkdir(wheels, { recursive: true });
    await fs.rename(await fakeWheel(), path.join(wheels, CPU_WHEEL));
    const fetchImpl = (() => { throw new Error('no network in this test'); }) as unknown as typeof fetch;
    const r = await job({ source: { kind: 'pypi' }, fetchImpl });
    assert.equal(r.source, 'PyPI tensorflow-cpu 2.20.0 (cached wheel)');
    assert.equal(r.tensorflow, '2.20.0');
  });

  it('PyPI without pip: the wheel over HTTPS, checked against PyPI\'s SHA-256; a wrong digest is refused', async () => {
    const wheelBytes = await fs.readFile(await fakeWheel());
    const sha = createHash('sha256').update(wheelBytes).digest('hex');
    const seen: string[] = [];
    const fetchWith = (digest: string) => (async (url: string | URL) => {
      seen.push(String(url));
      if (String(url).endsWith('/json')) {
        return Response.json({ urls: [
          { filename: 'tensorflow_cpu-2.20.0-cp310-cp310-win_amd64.whl', url: 'https://files/win.whl', packagetype: 'bdist_wheel', digests: { sha256: '0' } },
          { filename: CPU_WHEEL, url: 'https://files/linux.whl', packagetype: 'bdist_wheel', digests: { sha256: digest } },
        ] });
      }
      return new Response(wheelBytes, { headers: { 'content-length': String(wheelBytes.length) } });
    }) as unknown as typeof fetch;
    const { events, emit } = collect();
    const r = await job({ source: { kind: 'pypi' }, fetchImpl: fetchWith(sha), emit });
    assert.deepEqual(seen, ['https://pypi.org/pypi/tensorflow-cpu/2.20.0/json', 'https://files/linux.whl']);
    assert.equal(r.source, 'PyPI tensorflow-cpu 2.20.0 (HTTPS)');
    assert.ok(events.some((e) => e.type === 'log' && /pip is not available/.test(e.message)));
    assert.ok(events.some((e) => e.type === 'progress' && e.phase === 'download' && e.done === wheelBytes.length && e.total === wheelBytes.length));
    assert.ok(existsSync(path.join(tmp, 'cache', 'wheels', CPU_WHEEL)), 'kept in the cache for next time');
    await fs.rm(path.join(tmp, 'cache'), { recursive: true });
    await assert.rejects(job({ source: { kind: 'pypi' }, fetchImpl: fetchWith('ab'.repeat(32)) }), /Checksum mismatch for tensorflow_cpu-2\.20\.0/);
  });

  it('offline without pip: one sentence saying what to bring', async () => {
    const offline = (async () => { throw new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND pypi.org') }); }) as unknown as typeof fetch;
    await assert.rejects(job({ source: { kind: 'pypi' }, fetchImpl: offline }), (e: Error) => {
      assert.match(e.message, /^Cannot reach PyPI \(https:\/\/pypi\.org\/pypi\/tensorflow-cpu\/2\.20\.0\/json: fetch failed\)\. Offline: download tensorflow-cpu==2\.20\.0/);
      assert.match(e.message, /"Use files I have"/);
      return true;
    });
  });

  it('GPU from PyPI needs pip, and says how to do without', async () => {
    await assert.rejects(job({ variant: 'gpu', source: { kind: 'pypi' } }), /GPU install resolves TensorFlow's NVIDIA CUDA packages with pip, which is not available here.*pip download "tensorflow\[and-cuda\]==2\.20\.0"/);
  });

  it('only on Linux x86-64, and only into an absolute folder', async () => {
    await assert.rejects(job({ source: { kind: 'pypi' }, platform: { platform: 'darwin', arch: 'arm64' } }), /built for Linux x86-64; this is darwin arm64/);
    await assert.rejects(job({ source: { kind: 'pypi' }, dir: 'relative/dir' }), /must be an absolute path/);
    assert.equal(nativeUnsupportedReason('linux', 'x64'), undefined);
    assert.match(nativeUnsupportedReason('win32', 'x64') ?? '', /runs on WebAssembly here/);
  });

  it('streams only the picked entries of a zip', async () => {
    const wheel = await fakeWheel();
    const out = path.join(tmp, 'out');
    const written = await extractZipEntries(wheel, (n) => (n.endsWith('METADATA') ? path.join(out, 'M') : undefined));
    assert.deepEqual(written, [path.join(out, 'M')]);
    assert.equal(readFileSync(path.join(out, 'M'), 'utf8'), 'Name: tensorflow-cpu\n');
    assert.deepEqual(await fs.readdir(out), ['M']);
  });
});

describe('the engine side: environment, one tfjs, fallback sentences', () => {
  it('no manifest, no environment; a broken manifest is reported, not used', async () => {
    const storage = path.join(tmp, 'storage');
    assert.deepEqual(nativeEnvForStorage(storage), { env: {}, error: undefined });
    await fs.mkdir(nativeBackendDir(storage), { recursive: true });
    await fs.writeFile(path.join(nativeBackendDir(storage), 'manifest.json'), JSON.stringify({ format: 1, variant: 'tpu' }));
    const r = nativeEnvForStorage(storage);
    assert.deepEqual(r.env, {});
    assert.match(r.error ?? '', /manifest\.json: variant: /);
  });

  it('finds the addon a package carries, newest N-API first', async () => {
    assert.equal(findNativeAddon(tmp), undefined);
    const lib = path.join(tmp, 'node_modules', '@tensorflow', 'tfjs-node', 'lib');
    for (const v of ['napi-v3', 'napi-v8']) {
      await fs.mkdir(path.join(lib, v), { recursive: true });
      await fs.writeFile(path.join(lib, v, 'tfjs_binding.node'), '');
    }
    assert.equal(findNativeAddon(tmp), path.join(lib, 'napi-v8', 'tfjs_binding.node'));
  });

  it('one tfjs: a tfjs-node that would resolve a second @tensorflow/tfjs or tfjs-core is named', async () => {
    const pkg = async (dir: string, name: string) => {
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, version: '4.22.0', main: 'index.js' }));
    };
    // One tree per case: Node caches resolutions by request and starting folder.
    const tree = async (name: string, nested?: string[]) => {
      const nm = path.join(tmp, name, 'node_modules', '@tensorflow');
      for (const n of ['tfjs', 'tfjs-core', 'tfjs-node']) await pkg(path.join(nm, n), `@tensorflow/${n}`);
      if (nested) await pkg(path.join(nm, ...nested), `@tensorflow/${nested.at(-1)}`);
      return createRequire(path.join(tmp, name, 'engineHost.js')).resolve;
    };
    assert.equal(secondTfjsReason('@tensorflow/tfjs-node', await tree('one')), undefined, 'one copy of each');
    // A second tfjs-core under tfjs (what a version mismatch makes npm do), beside the one the engine imports directly.
    assert.match(secondTfjsReason('@tensorflow/tfjs-node', await tree('core', ['tfjs', 'node_modules', '@tensorflow', 'tfjs-core'])) ?? '',
      /^@tensorflow\/tfjs-node would load a second @tensorflow\/tfjs-core \(.*tfjs\/node_modules\/@tensorflow\/tfjs-core\) beside the engine's/);
    // A second tfjs nested in tfjs-node.
    assert.match(secondTfjsReason('@tensorflow/tfjs-node', await tree('tfjs', ['tfjs-node', 'node_modules', '@tensorflow', 'tfjs'])) ?? '',
      /would load a second @tensorflow\/tfjs \(.*tfjs-node\/node_modules\/@tensorflow\/tfjs\).*register where the engine never looks/);
  });

  it('one tfjs in this repository, where tfjs-node is installed', { skip: existsSync(path.join(__dirname, '../../node_modules/@tensorflow/tfjs-node/package.json')) ? false : 'tfjs-node is not installed here' }, () => {
    assert.equal(secondTfjsReason('@tensorflow/tfjs-node'), undefined);
  });

  it('why tfjs-node could not load, as a sentence with the way out', () => {
    const missing = new Error('libtensorflow_cc.so.2: cannot open shared object file: No such file or directory');
    assert.match(nativeLoadReason('@tensorflow/tfjs-node', missing, {}), /^the TensorFlow library is not installed \(libtensorflow_cc\.so\.2 not found\): run "CXR Lab: Install Native Backend" in VS Code, or `npm run install:native`/);
    assert.match(nativeLoadReason('@tensorflow/tfjs-node', missing, { [NATIVE_DIR_ENV]: '/g/native-backend' }), /^libtensorflow_cc\.so\.2 is not in \/g\/native-backend .*Install Native Backend" again/);
    assert.match(nativeLoadReason('@tensorflow/tfjs-node', new Error('/x/tfjs_binding.node: undefined symbol: TFE_Foo'), {}), /does not match the addon/);
    assert.match(nativeLoadReason('@tensorflow/tfjs-node', new Error('/g/native-backend/tensorflow/libtensorflow_cc.so.2: invalid ELF header'), {}),
      /^\/g\/native-backend\/tensorflow\/libtensorflow_cc\.so\.2 is not a usable library \(invalid ELF header\): the TensorFlow libraries are damaged or for another platform; install them again/);
    assert.match(nativeLoadReason('@tensorflow/tfjs-node', new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: /x.\nPlease run'), {}), /^tfjs-node's native addon was not built/);
    assert.equal(nativeLoadReason('@tensorflow/tfjs-node', new Error("Cannot find module '@tensorflow/tfjs-node'\nRequire stack:\n- x"), {}), "Cannot find module '@tensorflow/tfjs-node'");
    assert.equal(nativeFallbackReason({ backend: 'wasm', tried: [{ name: 'tfjs-node-gpu', error: 'Cannot find module' }, { name: 'tfjs-node', error: 'the TensorFlow library is not installed' }] }),
      'the engine started on wasm: tfjs-node — the TensorFlow library is not installed');
  });

  it('which TensorFlow build: the manifest, else install:native\'s stamp, else the package name', async () => {
    assert.equal(buildFromSource(`/c/${CPU_WHEEL}`), 'cpu');
    assert.equal(buildFromSource('/c/tensorflow-2.20.0-cp311-cp311-manylinux_2_17_x86_64.whl'), 'gpu');
    assert.equal(buildFromSource('libtensorflow-gpu-linux-x86_64-2.9.1.tar.gz'), 'gpu');
    assert.equal(buildFromSource('/some/folder'), undefined);
    const r = await job({ variant: 'gpu', source: { kind: 'files', paths: [await fakeWheel('tensorflow-2.20.0-cp311-cp311-manylinux_2_17_x86_64.whl')] } });
    const none = () => { throw new Error('not installed'); };
    assert.equal(tensorflowBuild('@tensorflow/tfjs-node', { [NATIVE_DIR_ENV]: r.dir }, none), 'gpu');
    assert.equal(tensorflowBuild('@tensorflow/tfjs-node', {}, none), 'unknown');
    assert.equal(tensorflowBuild('@tensorflow/tfjs-node-gpu', {}, none), 'gpu');
    const pkgDir = path.join(tmp, 'tfjs-node');
    await fs.mkdir(path.join(pkgDir, 'deps'), { recursive: true });
    await fs.writeFile(path.join(pkgDir, 'deps', 'cxr-lab-source'), `/cache/${CPU_WHEEL} 1:2 libtensorflow_cc.so.2 node-api-9\n`);
    assert.equal(tensorflowBuild('@tensorflow/tfjs-node', {}, () => path.join(pkgDir, 'package.json')), 'cpu');
  });
});

describe('GPU probe (no GPU here: its answers from scripted nvidia-smi and ldconfig)', () => {
  const smiOk = 'NVIDIA H200, 550.54.15, 143771\n';
  const ldAll = CUDA_LIBS.map((l) => `\t${l} (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/${l}`).join('\n');
  const runner = (smi: CommandResult, ldconfig = '') => async (cmd: string): Promise<CommandResult> =>
    (cmd === 'nvidia-smi' ? smi : { code: 0, stdout: ldconfig, stderr: '' });
  const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: '' });
  const probe = (o: Parameters<typeof probeGpu>[0]) => probeGpu({ exists: () => false, env: {}, ...o });

  it('parses nvidia-smi and ldconfig', () => {
    assert.deepEqual(parseSmi('NVIDIA H200, 550.54.15, 143771\nTesla T4, 535.1, 15360\n'), [
      { name: 'NVIDIA H200', driver: '550.54.15', memoryMiB: 143771 }, { name: 'Tesla T4', driver: '535.1', memoryMiB: 15360 }]);
    assert.deepEqual([...parseLdconfig('2 libs found in cache\n\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/libcuda.so.1\n\tlibcuda.so.1 (libc6) => /usr/lib32/libcuda.so.1\n')], ['libcuda.so.1']);
  });

  it('no driver tools, a driver that is not loaded, no GPU listed: CPU, each with its reason', async () => {
    const none = await probe({ build: 'gpu', run: runner({ code: null, stdout: '', stderr: '', missing: true }, ldAll) });
    assert.deepEqual([none.usable, none.summary], [false, 'No GPU: nvidia-smi is not installed (no NVIDIA driver); TensorFlow runs on the CPU.']);
    const failing = await probe({ build: 'gpu', run: runner({ code: 9, stdout: '', stderr: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n" }, ldAll) });
    assert.equal(failing.usable, false);
    assert.match(failing.summary, /^No GPU usable: nvidia-smi failed \(NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver\.\): the NVIDIA driver is not loaded; TensorFlow runs on the CPU\.$/);
    const empty = await probe({ build: 'gpu', run: runner(ok(''), ldAll) });
    assert.deepEqual([empty.usable, empty.summary], [false, 'No GPU: nvidia-smi lists none; TensorFlow runs on the CPU.']);
  });

  it('a GPU whose CUDA libraries do not resolve: named, with the install to run', async () => {
    const r = await probe({ build: 'gpu', run: runner(ok(smiOk), '\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/libcuda.so.1\n') });
    assert.equal(r.usable, false);
    assert.deepEqual(r.missingLibs, CUDA_LIBS.filter((l) => l !== 'libcuda.so.1'));
    assert.match(r.summary, /^GPU found: NVIDIA H200 \(140 GiB, driver 550\.54\.15\), but CUDA libraries are missing: libcudart\.so\.12, .*libnvJitLink\.so\.12; install the native backend's GPU variant \(npm run install:native -- --gpu\); TensorFlow runs on the CPU\.$/);
  });

  it('libraries found through LD_LIBRARY_PATH (the NVIDIA wheels of the GPU install) count', async () => {
    const wheelDir = '/g/native-backend/nvidia/all/lib';
    const r = await probe({ build: 'gpu', env: { LD_LIBRARY_PATH: wheelDir }, run: runner(ok(smiOk), '\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/libcuda.so.1\n'), exists: (f) => f.startsWith(wheelDir) });
    assert.deepEqual([r.usable, r.missingLibs], [true, []]);
    assert.equal(r.summary, 'GPU usable: NVIDIA H200 (140 GiB, driver 550.54.15); TensorFlow\'s CUDA build places its operations on it.');
  });

  it('a GPU with the CPU build of TensorFlow, or on wasm: found, not used, and why', async () => {
    const cpu = await probe({ build: 'cpu', run: runner(ok(smiOk), ldAll) });
    assert.equal(cpu.usable, false);
    assert.match(cpu.summary, /but the installed TensorFlow is the CPU build \(tensorflow-cpu\): install the GPU variant to use it; TensorFlow runs on the CPU\.$/);
    const wasm = await probe({ build: 'none', run: runner(ok(smiOk), ldAll) });
    assert.equal(wasm.usable, false);
    assert.match(wasm.summary, /^GPU found: NVIDIA H200 .*this backend does not use it/);
  });

  it('on this machine: an answer and a sentence, whatever is installed', async () => {
    const r = await probeGpu({ build: 'gpu' });
    assert.equal(typeof r.usable, 'boolean');
    assert.match(r.summary, /^(No GPU|GPU found|GPU usable)/);
    assert.ok(r.summary.endsWith('.'));
  });
});

describe('the command\'s choices and progress bar', () => {
  it('CPU and GPU, then PyPI, files or tfjs-node\'s tarball', () => {
    assert.deepEqual(variantChoices().map((c) => c.value), ['cpu', 'gpu']);
    assert.match(variantChoices()[1]!.detail, /untested/);
    assert.deepEqual(sourceChoices('cpu').map((c) => c.value), ['pypi', 'files', 'tfjs']);
    assert.match(sourceChoices('gpu')[0]!.description, /tensorflow\[and-cuda\] 2\.20\.0/);
  });

  it('one bar: download first half, unpack second; never backwards', () => {
    const bar = new InstallProgress();
    const steps = [
      bar.next({ phase: 'download', done: 50, total: 100, message: 'w.whl' }),
      bar.next({ phase: 'download', done: 100, total: 100, message: 'w.whl' }),
      bar.next({ phase: 'unpack', done: 500, total: 1000, message: 'unpacking w.whl' }),
      bar.next({ phase: 'unpack', done: 400, total: 1000, message: 'unpacking w.whl' }),
      bar.next({ phase: 'unpack', done: 1000, total: 1000, message: 'unpacking w.whl' }),
    ];
    assert.deepEqual(steps.map((s) => s.increment), [25, 25, 25, 0, 25]);
    assert.equal(steps[0]!.message, 'downloading w.whl — 0 MB of 0 MB');
    assert.equal(steps[2]!.message, 'unpacking w.whl — 50 %');
    const unpackOnly = new InstallProgress();
    assert.equal(unpackOnly.next({ phase: 'unpack', done: 500, total: 1000 }).increment, 50, 'without a download, unpacking fills the whole bar');
  });
});
