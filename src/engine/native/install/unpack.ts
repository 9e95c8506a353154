/**
 * Puts the libraries of one wheel, libtensorflow tarball or folder into an install folder laid out as
 * src/shared/node/nativeLibs.ts describes (libLayout.ts has the naming rules).
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TF_LIB_DIR } from '../../../shared/node/nativeLibs';
import { archiveName, CAPI_NAMES, FRAMEWORK_NAME, wheelEntryTarget, type ArchiveName } from './libLayout';
import { extractZipEntries } from './zipEntries';

export interface UnpackOptions {
  signal?: AbortSignal;
  /** Fraction of this archive done, 0…1 (undefined while it cannot be told, as with tar). */
  onProgress?(fraction: number | undefined): void;
}

/** Unpacks `source` into `dir` and says what it was. Only the shared libraries are kept. */
export async function unpackInto(dir: string, source: string, opts: UnpackOptions = {}): Promise<ArchiveName> {
  const stat = await fs.stat(source).catch(() => undefined);
  if (!stat) throw new Error(`${source}: no such file or folder.`);
  const name = stat.isDirectory() ? { kind: 'folder' as const } : archiveName(source);
  if (name.kind === 'wheel') {
    const written = await extractZipEntries(source, (entry) => {
      const target = wheelEntryTarget(entry);
      return target && path.join(dir, target);
    }, { signal: opts.signal, onProgress: (read, total) => opts.onProgress?.(read / total) });
    if (written.length === 0) throw new Error(`${path.basename(source)} holds no TensorFlow or NVIDIA CUDA libraries (expected a tensorflow-cpu or tensorflow wheel for Linux x86-64, or an nvidia-*-cu12 wheel).`);
  } else if (name.kind === 'tarball') {
    opts.onProgress?.(undefined);
    const scratch = await fs.mkdtemp(path.join(dir, '.tar-'));
    try {
      await untar(source, scratch, opts.signal);
      await copyFolderLibs(dir, scratch);
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  } else {
    if (!stat.isDirectory()) throw new Error(`${source}: expected a .whl, a libtensorflow .tar.gz or a folder.`);
    await copyFolderLibs(dir, source);
  }
  opts.onProgress?.(1);
  return name;
}

/** GNU/busybox tar, present on every Linux the addon runs on; a missing one is said plainly. */
function untar(file: string, into: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['-xzf', file, '-C', into], { stdio: ['ignore', 'ignore', 'pipe'], signal });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-2000); });
    child.on('error', (e: NodeJS.ErrnoException) => reject(signal?.aborted ? signal.reason : new Error(e.code === 'ENOENT'
      ? 'The tar command is not installed; it is needed to unpack a libtensorflow .tar.gz (or pick the tensorflow-cpu wheel instead).'
      : `tar failed: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(file)} could not be unpacked (tar: ${err.trim().split('\n').pop() || `exit ${code}`}); is it a .tar.gz?`))));
  });
}

/**
 * The libraries of an unpacked tarball (lib/), of site-packages/tensorflow, or of any folder holding them: the real
 * files (symlinks resolved) under their SONAMEs in <dir>/tensorflow, and a sibling nvidia/ (site-packages) as is.
 */
async function copyFolderLibs(dir: string, folder: string): Promise<void> {
  const candidates = [folder, path.join(folder, 'lib'), path.join(folder, TF_LIB_DIR), path.join(folder, 'deps', 'lib')];
  const libDir = candidates.find((d) => existsSync(path.join(d, FRAMEWORK_NAME)));
  if (!libDir) throw new Error(`No ${FRAMEWORK_NAME} in ${folder} (looked in it and in lib/ and tensorflow/).`);
  const tfDir = path.join(dir, TF_LIB_DIR);
  await fs.mkdir(tfDir, { recursive: true });
  for (const name of [...CAPI_NAMES, FRAMEWORK_NAME]) {
    const from = path.join(libDir, name);
    if (existsSync(from)) await place(await fs.realpath(from), path.join(tfDir, name));
  }
  const nvidia = [path.join(folder, 'nvidia'), path.join(path.dirname(libDir), 'nvidia')].find((d) => existsSync(d));
  if (!nvidia) return;
  for (const pkg of await fs.readdir(nvidia)) {
    const lib = path.join(nvidia, pkg, 'lib');
    if (!existsSync(lib)) continue;
    for (const f of await fs.readdir(lib)) {
      const rel = `nvidia/${pkg}/lib/${f}`;
      if (wheelEntryTarget(rel)) await place(await fs.realpath(path.join(lib, f)), path.join(dir, rel));
    }
  }
}

/** A hard link when on the same file system (instant), else a copy. */
async function place(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true });
  await fs.rm(to, { force: true });
  await fs.link(from, to).catch(() => fs.copyFile(from, to));
}
