/**
 * What goes where in the native-backend folder (src/shared/node/nativeLibs.ts): which entries of a TensorFlow or
 * NVIDIA wheel, or of a libtensorflow tarball, are the libraries tfjs-node's addon needs, and the names they must be
 * found under. Pure naming rules here; the file work is in unpack.ts.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TF_LIB_DIR, type NativeVariant } from '../../../shared/node/nativeLibs';

/** The TensorFlow C API: in libtensorflow.so.2 in the C tarball, in libtensorflow_cc.so.2 in the Python wheels. */
export const CAPI_NAMES = ['libtensorflow_cc.so.2', 'libtensorflow.so.2'] as const;
export const FRAMEWORK_NAME = 'libtensorflow_framework.so.2';

/** Where a wheel entry goes, relative to the install folder, or undefined when it is not needed. */
export function wheelEntryTarget(name: string): string | undefined {
  // tensorflow/libtensorflow_cc.so.2, tensorflow/libtensorflow_framework.so.2 (the wheel's top level only;
  // nothing under tensorflow/python or tensorflow/include is needed at run time).
  if (/^tensorflow\/libtensorflow(_cc|_framework)?\.so\.2$/.test(name)) return name;
  // nvidia/cublas/lib/libcublas.so.12 … (nvidia-*-cu12 wheels): the shared libraries only, not headers or stubs.
  if (/^nvidia\/[\w.-]+\/lib\/[\w.+-]+\.so(\.[\d.]+)?$/.test(name)) return name;
  return undefined;
}

export type ArchiveKind = 'wheel' | 'tarball' | 'folder';

export interface ArchiveName {
  kind: ArchiveKind;
  /** Normalised project name: tensorflow, tensorflow-cpu, nvidia-cudnn-cu12, libtensorflow-cpu, libtensorflow-gpu. */
  project?: string;
  version?: string;
  /** cpu or gpu where the name says so (tensorflow-cpu, libtensorflow-gpu); NVIDIA wheels say nothing on their own. */
  variant?: NativeVariant;
}

/** Reads what a wheel or tarball is from its file name (PEP 427: `{name}-{version}(-{build})?-{py}-{abi}-{platform}.whl`). */
export function archiveName(file: string): ArchiveName {
  const base = path.basename(file);
  const wheel = /^([A-Za-z0-9_.]+)-([^-]+)-.*\.whl$/.exec(base);
  if (wheel) {
    const project = wheel[1]!.toLowerCase().replace(/[_.]+/g, '-');
    const variant = project === 'tensorflow-cpu' ? 'cpu' : project === 'tensorflow' || project === 'tensorflow-gpu' ? 'gpu' : undefined;
    return { kind: 'wheel', project, version: wheel[2], variant };
  }
  const tar = /^(libtensorflow-(cpu|gpu))-[a-z]+-[a-z0-9_]+-([\d.]+)\.(tar\.gz|tgz)$/.exec(base);
  if (tar) return { kind: 'tarball', project: tar[1], version: tar[3], variant: tar[2] as NativeVariant };
  if (/\.(tar\.gz|tgz)$/.test(base)) return { kind: 'tarball' };
  if (base.endsWith('.whl')) return { kind: 'wheel' };
  return { kind: 'folder' };
}

/**
 * The requirements TensorFlow's wheel installs for `tensorflow[and-cuda]`: its METADATA's
 * `Requires-Dist: nvidia-cublas-cu12<13.0,>=12.5.3.2; extra == "and-cuda"` lines, as pip requirement strings.
 */
export function andCudaRequirements(metadata: string): string[] {
  const out: string[] = [];
  for (const line of metadata.split(/\r?\n/)) {
    const m = /^Requires-Dist:\s*([^;]+);\s*(.+)$/.exec(line);
    if (m && /extra\s*==\s*["']and[-_]cuda["']/.test(m[2]!)) out.push(m[1]!.replace(/\s+/g, '').replace(/^([\w.-]+)\((.*)\)$/, '$1$2'));
  }
  return out;
}

/**
 * Completes the install folder once the libraries are in place: checks TensorFlow's two libraries are there and gives
 * the C API library both of its names (our addon, built against a wheel, needs libtensorflow_cc.so.2; tfjs-node's own
 * prebuilt addon and the C tarball use libtensorflow.so.2). Returns the LD_LIBRARY_PATH folders, relative, TensorFlow's first.
 */
export async function finishLayout(dir: string): Promise<string[]> {
  const tfDir = path.join(dir, TF_LIB_DIR);
  const present = new Set(await fs.readdir(tfDir).catch(() => [] as string[]));
  if (!present.has(FRAMEWORK_NAME)) {
    throw new Error(`${FRAMEWORK_NAME} was not found in what was given: it is not a TensorFlow wheel (tensorflow / tensorflow-cpu, Linux x86-64) or a libtensorflow tarball.`);
  }
  const capi = CAPI_NAMES.find((n) => present.has(n));
  if (!capi) throw new Error(`Neither ${CAPI_NAMES.join(' nor ')} was found beside ${FRAMEWORK_NAME}: the TensorFlow C API library is missing.`);
  for (const alias of CAPI_NAMES) if (!present.has(alias)) await fs.symlink(capi, path.join(tfDir, alias));
  const nvidia = path.join(dir, 'nvidia');
  const packages = (await fs.readdir(nvidia).catch(() => [] as string[])).sort();
  const cudaDirs: string[] = [];
  for (const p of packages) if ((await fs.stat(path.join(nvidia, p, 'lib')).catch(() => undefined))?.isDirectory()) cudaDirs.push(path.join('nvidia', p, 'lib'));
  return [TF_LIB_DIR, ...cudaDirs];
}

/** Bytes of the regular files under a folder (symlinks not followed, not counted). */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await fs.stat(path.join(e.parentPath, e.name))).size;
  }
  return total;
}
