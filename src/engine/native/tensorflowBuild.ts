/**
 * Which TensorFlow build tfjs-node loaded: the CUDA one ('gpu') or the CPU one, read from what installed it — the
 * manifest of "Install Native Backend" (CXR_LAB_NATIVE_DIR, set on the forked engine), else the stamp that
 * scripts/install-tfjs-node.sh leaves in tfjs-node's deps/ (the wheel or tarball it used), else the package name.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { NATIVE_DIR_ENV, readNativeManifest } from '../../shared/node/nativeLibs';
import type { TensorflowBuild } from './gpuProbe';

export function tensorflowBuild(pkg: string, env: NodeJS.ProcessEnv = process.env, resolve: (r: string) => string = require.resolve): TensorflowBuild {
  const dir = env[NATIVE_DIR_ENV];
  if (dir) {
    const read = readNativeManifest(dir);
    if (read.state === 'ok') return read.manifest.variant;
  }
  let stamp = '';
  try {
    stamp = readFileSync(path.join(path.dirname(resolve(`${pkg}/package.json`)), 'deps', 'cxr-lab-source'), 'utf8');
  } catch {
    // Installed by npm's own installer, or not at all.
  }
  const build = buildFromSource(stamp.split(' ')[0] ?? '');
  if (build) return build;
  return pkg.endsWith('-gpu') ? 'gpu' : 'unknown';
}

/** cpu / gpu from a wheel or tarball name (tensorflow_cpu-…whl, tensorflow-…whl, libtensorflow-gpu-…tar.gz). */
export function buildFromSource(source: string): 'cpu' | 'gpu' | undefined {
  const base = path.basename(source);
  if (/^tensorflow_cpu-|^libtensorflow-cpu-/.test(base)) return 'cpu';
  if (/^tensorflow(_gpu)?-\d|^libtensorflow-gpu-/.test(base)) return 'gpu';
  return undefined;
}
