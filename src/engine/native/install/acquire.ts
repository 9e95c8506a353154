/**
 * Where the TensorFlow libraries come from when the user did not bring them: PyPI's pinned wheel (the copy that
 * `npm run install:native` already cached, else pip — which honours the machine's pip.conf index, proxy and
 * certificates — else a direct HTTPS download of the wheel checked against PyPI's SHA-256), or tfjs-node's own
 * libtensorflow tarball on storage.googleapis.com.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PINNED_TF_VERSION, TFJS_LIBTENSORFLOW_VERSION, type NativeVariant } from '../../../shared/node/nativeLibs';
import { downloadToCache } from '../../weights/download';
import { andCudaRequirements } from './libLayout';
import { extractZipEntries } from './zipEntries';

export interface AcquireContext {
  /** `<cache>/tensorflow` (tensorflowCacheDir): wheels/ and downloads/ go under it. */
  cacheDir: string;
  signal?: AbortSignal;
  log(message: string): void;
  /** Bytes downloaded / expected for the current file (expected unknown for pip). */
  progress(what: string, done: number, total: number | undefined): void;
  env?: NodeJS.ProcessEnv;
  fetchImpl?: typeof fetch;
  /** The Python that runs pip (default python3); tests point it at a missing one. */
  python?: string;
}

export interface Acquired { files: string[]; how: string }

/** The cache scripts/install-tfjs-node.sh uses: ${CXR_LAB_CACHE:-${XDG_CACHE_HOME:-~/.cache}/cxr-lab}/tensorflow. */
export function tensorflowCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.CXR_LAB_CACHE ? path.resolve(env.CXR_LAB_CACHE) : path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'cxr-lab');
  return path.join(root, 'tensorflow');
}

/** pip's platform tags for the pinned wheel (the C library inside does not depend on the Python version). */
const PIP_TAGS = ['--only-binary=:all:', '--python-version', '3.11', '--implementation', 'cp', '--platform', 'manylinux_2_17_x86_64'];
const WHEEL_PROJECT: Record<NativeVariant, string> = { cpu: 'tensorflow-cpu', gpu: 'tensorflow' };

const wheelPrefix = (project: string, version: string) => `${project.replace(/-/g, '_')}-${version}-`;

async function cachedWheel(dir: string, project: string, version: string): Promise<string | undefined> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const hit = names.filter((n) => n.startsWith(wheelPrefix(project, version)) && n.endsWith('.whl')).sort()[0];
  return hit && path.join(dir, hit);
}

/** The wheels of the pinned TensorFlow for the variant (GPU: plus its NVIDIA CUDA runtime wheels). */
export async function pypiWheels(variant: NativeVariant, ctx: AcquireContext): Promise<Acquired> {
  const wheels = path.join(ctx.cacheDir, 'wheels');
  await fs.mkdir(wheels, { recursive: true });
  const project = WHEEL_PROJECT[variant];
  let tf = await cachedWheel(wheels, project, PINNED_TF_VERSION);
  let how = `PyPI ${project} ${PINNED_TF_VERSION}`;
  if (tf) {
    ctx.log(`Using the cached wheel ${tf}.`);
    how += ' (cached wheel)';
  } else if (await hasPip(ctx)) {
    await pipDownload([`${project}==${PINNED_TF_VERSION}`], wheels, ctx);
    tf = await cachedWheel(wheels, project, PINNED_TF_VERSION);
    if (!tf) throw new Error(`pip reported success but no ${project} ${PINNED_TF_VERSION} wheel is in ${wheels}.`);
    how += ' (pip)';
  } else if (variant === 'cpu') {
    ctx.log('pip is not available (python3 -m pip); downloading the wheel from PyPI directly.');
    tf = await httpsWheel(project, PINNED_TF_VERSION, wheels, ctx);
    how += ' (HTTPS)';
  } else {
    throw new Error('The GPU install resolves TensorFlow\'s NVIDIA CUDA packages with pip, which is not available here (python3 -m pip). '
      + 'Install pip, or download tensorflow and its nvidia-*-cu12 wheels elsewhere (pip download "tensorflow[and-cuda]==2.20.0") and pick them with "Use files I have".');
  }
  if (variant === 'cpu') return { files: [tf], how };
  const requirements = andCudaRequirements(await wheelMetadata(tf, project, ctx.signal));
  if (requirements.length === 0) throw new Error(`${path.basename(tf)} lists no "and-cuda" requirements in its METADATA: not a CUDA build of TensorFlow?`);
  ctx.log(`TensorFlow's CUDA runtime packages: ${requirements.join(', ')}`);
  const nvidia = await pipDownload(requirements, wheels, ctx);
  return { files: [tf, ...nvidia], how: `${how} + ${nvidia.length} NVIDIA CUDA wheels (pip)` };
}

/** tfjs-node's own libtensorflow tarball (what its installer downloads), honouring its TFJS_NODE_BASE_URI override. */
export async function tfjsTarball(variant: NativeVariant, ctx: AcquireContext): Promise<Acquired> {
  const env = ctx.env ?? process.env;
  const base = env.TFJS_NODE_BASE_URI || `${env.TFJS_NODE_CDN_STORAGE || 'https://storage.googleapis.com/'}tensorflow/libtensorflow/libtensorflow-`;
  const fileName = `libtensorflow-${variant}-linux-x86_64-${TFJS_LIBTENSORFLOW_VERSION}.tar.gz`;
  const url = `${base}${variant}-linux-x86_64-${TFJS_LIBTENSORFLOW_VERSION}.tar.gz`;
  const file = await downloadToCache({ url, fileName }, {
    cacheDir: path.join(ctx.cacheDir, 'downloads'), signal: ctx.signal, fetchImpl: ctx.fetchImpl, env: { ...env, CXR_LAB_WEIGHTS_MIRROR: '' },
    label: `libtensorflow ${TFJS_LIBTENSORFLOW_VERSION} (${variant})`,
    advice: `download ${url} elsewhere and pick it with "Use files I have".`,
    onProgress: (done, total) => ctx.progress(fileName, done, total),
  });
  return { files: [file], how: `tfjs-node's libtensorflow ${TFJS_LIBTENSORFLOW_VERSION} (${url})` };
}

interface PypiRelease { urls: { filename: string; url: string; packagetype: string; digests: { sha256: string } }[] }

/** The wheel from PyPI's JSON API (the cp311 manylinux x86-64 one pip would pick), SHA-256 checked, resumable. */
async function httpsWheel(project: string, version: string, dir: string, ctx: AcquireContext): Promise<string> {
  const api = `https://pypi.org/pypi/${project}/${version}/json`;
  const fetchImpl = ctx.fetchImpl ?? fetch;
  let release: PypiRelease;
  try {
    const r = await fetchImpl(api, { signal: ctx.signal });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    release = await r.json() as PypiRelease;
  } catch (e) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    throw new Error(`Cannot reach PyPI (${api}: ${(e as Error).message}). Offline: download ${project}==${version} for Linux x86-64 elsewhere and pick it with "Use files I have".`, { cause: e });
  }
  const linux = release.urls.filter((u) => u.packagetype === 'bdist_wheel' && /manylinux[^-]*x86_64\.whl$/.test(u.filename));
  const wheel = linux.find((u) => u.filename.includes('-cp311-')) ?? linux[0];
  if (!wheel) throw new Error(`PyPI lists no Linux x86-64 wheel of ${project} ${version}.`);
  return downloadToCache({ url: wheel.url, fileName: wheel.filename, checksum: { algorithm: 'sha256', hex: wheel.digests.sha256 } }, {
    cacheDir: dir, signal: ctx.signal, fetchImpl: ctx.fetchImpl, env: { ...(ctx.env ?? process.env), CXR_LAB_WEIGHTS_MIRROR: '' },
    label: `${project} ${version}`, advice: `download ${wheel.filename} elsewhere and pick it with "Use files I have".`,
    onProgress: (done, total) => ctx.progress(wheel.filename, done, total),
  });
}

async function hasPip(ctx: AcquireContext): Promise<boolean> {
  return run(ctx.python ?? 'python3', ['-m', 'pip', '--version'], ctx.signal).then((r) => r.code === 0, () => false);
}

/** pip download --no-deps of the requirements into `dir`; returns the wheels pip saved or found already there. */
async function pipDownload(requirements: string[], dir: string, ctx: AcquireContext): Promise<string[]> {
  ctx.log(`pip download ${requirements.join(' ')} → ${dir}`);
  const started = Date.now();
  const timer = setInterval(() => ctx.progress(`pip download (${Math.round((Date.now() - started) / 1000)} s)`, 0, undefined), 1000);
  try {
    const r = await run(ctx.python ?? 'python3', ['-m', 'pip', 'download', '--no-deps', '--progress-bar', 'off', ...PIP_TAGS, '-d', dir, ...requirements], ctx.signal, ctx.log);
    if (r.code !== 0) throw new Error(`pip download ${requirements.join(' ')} failed (exit ${r.code}): ${r.tail.trim().split('\n').pop() ?? ''}. Offline: bring the wheel and pick it with "Use files I have".`);
    return pipSavedFiles(r.output, dir);
  } finally {
    clearInterval(timer);
  }
}

/** The wheel paths in pip download's output ("Saved ./x.whl", "File was already downloaded /d/x.whl"). */
export function pipSavedFiles(output: string, dir: string): string[] {
  const files = new Set<string>();
  for (const m of output.matchAll(/^\s*(?:Saved|File was already downloaded)\s+(\S+\.whl)\s*$/gm)) files.add(path.resolve(dir, path.basename(m[1]!)));
  return [...files];
}

/** The METADATA file of a wheel (streamed out of it; the GPU wheel is ~600 MB). */
async function wheelMetadata(wheel: string, project: string, signal?: AbortSignal): Promise<string> {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-lab-metadata-'));
  try {
    const dest = path.join(scratch, 'METADATA');
    const dist = project.replace(/-/g, '_');
    await extractZipEntries(wheel, (name) => (new RegExp(`^${dist}-[^/]+\\.dist-info/METADATA$`).test(name) ? dest : undefined), { signal });
    return await fs.readFile(dest, 'utf8').catch(() => { throw new Error(`${path.basename(wheel)} has no ${dist}-*.dist-info/METADATA.`); });
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], signal?: AbortSignal, onLine?: (line: string) => void): Promise<{ code: number; output: string; tail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], signal, env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
    let output = '';
    let tail = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const l of lines) if (l.trim()) onLine?.(l.trim());
    });
    child.stderr.on('data', (d: Buffer) => { tail = (tail + d.toString()).slice(-4000); });
    child.on('error', (e) => reject(signal?.aborted ? signal.reason : e));
    child.on('close', (code) => resolve({ code: code ?? 1, output, tail: tail || output.slice(-2000) }));
  });
}
