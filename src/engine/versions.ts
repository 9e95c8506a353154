import * as tf from '@tensorflow/tfjs';

/** Versions recorded in every run.json and printed by `cxr-lab info`. */
export function engineVersions(): Record<string, string> {
  const v: Record<string, string> = { node: process.versions.node, tfjs: tf.version.tfjs };
  for (const pkg of ['sharp', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      v[pkg] = (require(`${pkg}/package.json`) as { version: string }).version;
    } catch { /* not installed */ }
  }
  v['cxr-lab'] = CXR_LAB_VERSION;
  return v;
}

declare const __CXR_LAB_VERSION__: string | undefined;
const CXR_LAB_VERSION = typeof __CXR_LAB_VERSION__ === 'string' ? __CXR_LAB_VERSION__ : 'dev';
