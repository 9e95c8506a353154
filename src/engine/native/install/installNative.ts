/**
 * The "native-install" job: TensorFlow's C libraries into an install folder (the extension's global storage) for the
 * tfjs-node addon the .vsix carries. The folder is filled beside its final place and swapped in whole
 * (replaceDirAtomic), manifest.json last: a cancelled or failed install leaves the previous state untouched.
 * The job does not load the libraries — the engine process that runs it was started without them; the extension
 * checks them with a fresh engine forked with nativeEngineEnv().
 */
import * as path from 'node:path';
import type { JobEventSink, NativeInstallRequest, NativeInstallResult } from '../../../shared/engineProtocol';
import { NATIVE_MANIFEST_FILE, nativeUnsupportedReason, type NativeManifest, type NativeVariant } from '../../../shared/node/nativeLibs';
import { ConfigError } from '../../errors';
import { replaceDirAtomic, writeJsonAtomic } from '../../io/atomic';
import { pypiWheels, tensorflowCacheDir, tfjsTarball, type AcquireContext, type Acquired } from './acquire';
import { archiveName, finishLayout, folderBytes, type ArchiveName } from './libLayout';
import { unpackInto } from './unpack';

export type InstallNativeOptions = Omit<NativeInstallRequest, 'type' | 'id'> & {
  signal: AbortSignal;
  emit: JobEventSink;
  /** Test seams: the wheel cache, fetch, the Python running pip, the platform check. */
  cacheDir?: string;
  fetchImpl?: typeof fetch;
  python?: string;
  platform?: { platform: string; arch: string };
};

export async function installNative(o: InstallNativeOptions): Promise<NativeInstallResult> {
  const unsupported = nativeUnsupportedReason(o.platform?.platform, o.platform?.arch);
  if (unsupported) throw new ConfigError(unsupported);
  if (!path.isAbsolute(o.dir)) throw new ConfigError(`The install folder must be an absolute path, got '${o.dir}'.`);
  const started = Date.now();
  const log = (message: string) => o.emit({ type: 'log', level: 'info', message });
  const ctx: AcquireContext = {
    cacheDir: o.cacheDir ?? tensorflowCacheDir(), signal: o.signal, log, fetchImpl: o.fetchImpl, python: o.python,
    progress: (what, done, total) => o.emit({ type: 'progress', phase: 'download', done, total: total ?? 0, message: what }),
  };

  let acquired: Acquired;
  if (o.source.kind === 'files') {
    if (o.source.paths.length === 0) throw new ConfigError('No file was given: pick a TensorFlow wheel, a libtensorflow .tar.gz or a folder.');
    acquired = { files: o.source.paths, how: o.source.paths.length === 1 ? o.source.paths[0]! : `${o.source.paths.length} files (${o.source.paths.map((p) => path.basename(p)).join(', ')})` };
  } else {
    acquired = o.source.kind === 'pypi' ? await pypiWheels(o.variant, ctx) : await tfjsTarball(o.variant, ctx);
  }

  let result: NativeInstallResult | undefined;
  await replaceDirAtomic(o.dir, async (staging) => {
    const names: ArchiveName[] = [];
    for (const [i, file] of acquired.files.entries()) {
      o.signal.throwIfAborted();
      const named = archiveName(file);
      const what = named.project && named.version ? `${named.project} ${named.version}` : path.basename(file);
      const label = `unpacking ${what}${acquired.files.length > 1 ? ` (${i + 1} of ${acquired.files.length})` : ''}`;
      log(`Unpacking ${file} into ${o.dir}`);
      names.push(await unpackInto(staging, file, {
        signal: o.signal,
        // The progress bar runs over all archives: archive i fills [i, i+1) of n.
        onProgress: (f) => o.emit({ type: 'progress', phase: 'unpack', done: Math.round((i + (f ?? 0)) * 1000), total: acquired.files.length * 1000, message: label }),
      }));
    }
    const libDirs = await finishLayout(staging);
    const tf: Partial<ArchiveName> = names.find((n) => n.variant) ?? names.find((n) => n.kind !== 'wheel' || !n.project?.startsWith('nvidia')) ?? {};
    const variant: NativeVariant = tf.variant ?? (libDirs.length > 1 ? 'gpu' : 'cpu');
    if (o.variant === 'gpu' && variant === 'cpu') o.emit({ type: 'log', level: 'warn', message: 'The TensorFlow given is the CPU build (tensorflow-cpu): the GPU will not be used.' });
    if (variant === 'gpu' && libDirs.length === 1) o.emit({ type: 'log', level: 'warn', message: 'A CUDA build of TensorFlow without NVIDIA runtime wheels: it uses the CUDA libraries installed on the system, if any.' });
    const bytes = await folderBytes(staging);
    const manifest: NativeManifest = {
      format: 1, variant, tensorflow: tf.version ?? 'unknown', source: acquired.how, installedAt: new Date().toISOString(), libDirs, bytes,
    };
    await writeJsonAtomic(path.join(staging, NATIVE_MANIFEST_FILE), manifest);
    result = { dir: o.dir, variant, tensorflow: manifest.tensorflow, source: manifest.source, bytes, seconds: (Date.now() - started) / 1000, libDirs };
  });
  log(`TensorFlow ${result!.tensorflow} (${result!.variant}) installed in ${o.dir}: ${(result!.bytes / 1e6).toFixed(0)} MB in ${result!.seconds.toFixed(0)} s.`);
  return result!;
}

