/**
 * The native backend's TensorFlow libraries outside node_modules: the .vsix carries tfjs-node's JavaScript and its
 * N-API addon, "Install Native Backend" puts the TensorFlow C libraries (~780 MB, too big for a .vsix) into the
 * extension's global storage, which an extension update keeps. This file is the one place that knows that folder's
 * layout and how the forked engine is pointed at it, for both Node sides (the engine's installer writes it, the
 * extension host reads it when it forks the engine).
 *
 *   <globalStorage>/native-backend/manifest.json           what is installed (written last: its presence means complete)
 *                                  tensorflow/libtensorflow_cc.so.2, libtensorflow.so.2 (one file, two names),
 *                                             libtensorflow_framework.so.2
 *                                  nvidia/<package>/lib/*.so*   GPU only: the CUDA runtime wheels, as in site-packages
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

export const NATIVE_DIR_NAME = 'native-backend';
export const NATIVE_MANIFEST_FILE = 'manifest.json';
/** Folder of the TensorFlow libraries inside the install folder (the wheel's own name for it). */
export const TF_LIB_DIR = 'tensorflow';
/** Set in the forked engine's environment: where its TensorFlow libraries came from (reported by `info`). */
export const NATIVE_DIR_ENV = 'CXR_LAB_NATIVE_DIR';
/** The tensorflow-cpu / tensorflow wheel version the installers pin (scripts/install-tfjs-node.sh: TF_VERSION). */
export const PINNED_TF_VERSION = '2.20.0';
/** libtensorflow's own release for tfjs-node 4.22 (its scripts/deps-constants.js LIBTENSORFLOW_VERSION). */
export const TFJS_LIBTENSORFLOW_VERSION = '2.9.1';

export const NATIVE_VARIANTS = ['cpu', 'gpu'] as const;
export type NativeVariant = (typeof NATIVE_VARIANTS)[number];

export const nativeManifestSchema = z.object({
  format: z.literal(1),
  /** gpu: a CUDA build of TensorFlow (it still runs on the CPU when no GPU is usable). */
  variant: z.enum(NATIVE_VARIANTS),
  /** TensorFlow version, from the wheel or tarball name ('unknown' for a folder). */
  tensorflow: z.string(),
  /** Where the libraries came from, in words: "PyPI tensorflow-cpu 2.20.0 (pip)", "file /media/usb/…whl". */
  source: z.string(),
  installedAt: z.string(),
  /** Folders for LD_LIBRARY_PATH, relative to the install folder, TensorFlow's first. */
  libDirs: z.array(z.string()).min(1),
  bytes: z.number().nonnegative(),
});
export type NativeManifest = z.infer<typeof nativeManifestSchema>;

/** The install folder inside a storage folder (the extension's globalStorageUri). */
export function nativeBackendDir(storageDir: string): string {
  return path.join(storageDir, NATIVE_DIR_NAME);
}

export type ManifestRead = { state: 'absent' } | { state: 'ok'; manifest: NativeManifest } | { state: 'invalid'; error: string };

/** The install folder's manifest; a folder without one is not (or not completely) installed. */
export function readNativeManifest(dir: string): ManifestRead {
  const file = path.join(dir, NATIVE_MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { state: 'absent' };
  }
  try {
    const parsed = nativeManifestSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { state: 'ok', manifest: parsed.data };
    const issue = parsed.error.issues[0]!;
    return { state: 'invalid', error: `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  } catch (e) {
    return { state: 'invalid', error: `${file}: ${(e as Error).message}` };
  }
}

/**
 * Environment for the engine process that loads tfjs-node with these libraries. The addon's NEEDED entries
 * (libtensorflow_cc.so.2 or libtensorflow.so.2, and libtensorflow_framework.so.2) are looked up in
 * LD_LIBRARY_PATH before its RUNPATH ($ORIGIN/../../deps/lib, empty in a .vsix); ld.so reads LD_LIBRARY_PATH once at
 * process start, which is why it is set on the fork and not from inside the engine. TensorFlow's GPU build dlopen()s
 * the CUDA libraries by name, found the same way.
 */
export function nativeEngineEnv(dir: string, manifest: NativeManifest, base: NodeJS.ProcessEnv = {}): Record<string, string> {
  const dirs = manifest.libDirs.map((d) => path.resolve(dir, d));
  const inherited = base.LD_LIBRARY_PATH?.split(path.delimiter).filter((d) => d && !dirs.includes(d)) ?? [];
  return { LD_LIBRARY_PATH: [...dirs, ...inherited].join(path.delimiter), [NATIVE_DIR_ENV]: dir };
}

/** The engine environment for a storage folder: {} when nothing (valid) is installed there. */
export function nativeEnvForStorage(storageDir: string, base: NodeJS.ProcessEnv = {}): { env: Record<string, string>; manifest?: NativeManifest; error?: string } {
  const dir = nativeBackendDir(storageDir);
  const read = readNativeManifest(dir);
  if (read.state === 'ok') return { env: nativeEngineEnv(dir, read.manifest, base), manifest: read.manifest };
  return { env: {}, error: read.state === 'invalid' ? read.error : undefined };
}

/** Why the native backend cannot run on this platform, or undefined where it can (the addon is built for linux-x64). */
export function nativeUnsupportedReason(platform: string = process.platform, arch: string = process.arch): string | undefined {
  if (platform === 'linux' && arch === 'x64') return undefined;
  return `The native backend is built for Linux x86-64; this is ${platform} ${arch}, so CXR Lab runs on WebAssembly here.`;
}

/** tfjs-node's prebuilt N-API addon inside an extension (or repository) folder, or undefined when it was not packaged. */
export function findNativeAddon(root: string): string | undefined {
  const lib = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node', 'lib');
  let dirs: string[];
  try {
    dirs = readdirSync(lib).filter((d) => /^napi-v\d+$/.test(d)).sort((a, b) => Number(b.slice(6)) - Number(a.slice(6)));
  } catch {
    return undefined;
  }
  return dirs.map((d) => path.join(lib, d, 'tfjs_binding.node')).find((f) => existsSync(f));
}
