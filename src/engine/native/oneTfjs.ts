/**
 * One tfjs in the engine process. tfjs-node registers its 'tensorflow' backend and kernels on the @tensorflow/tfjs
 * (and through it tfjs-core) that it resolves from its own folder; if that were a second copy — a nested
 * node_modules, or tfjs-node loaded from another tree than the engine's — the backend would land where the engine
 * never looks, and a model built by the engine's tfjs would silently run on wasm. Checked before tfjs-node is loaded,
 * by resolving both packages from both sides and comparing the real folders.
 */
import { realpathSync } from 'node:fs';
import * as path from 'node:path';

type Resolve = (request: string, options?: { paths?: string[] }) => string;

/** The real folder of `pkg` as Node resolves it from `from` (or from this module when `from` is undefined). */
function packageDir(resolve: Resolve, pkg: string, from?: string): string {
  const json = resolve(`${pkg}/package.json`, from ? { paths: [from] } : undefined);
  return realpathSync(path.dirname(json));
}

/**
 * undefined when `nativePkg` would share the engine's @tensorflow/tfjs and tfjs-core; else one sentence naming the
 * second copy. `resolve` is the engine's own require.resolve (a test passes one rooted elsewhere).
 */
export function secondTfjsReason(nativePkg: string, resolve: Resolve = require.resolve): string | undefined {
  const nativeDir = packageDir(resolve, nativePkg);
  const ours = { tfjs: packageDir(resolve, '@tensorflow/tfjs') };
  const theirs = { tfjs: packageDir(resolve, '@tensorflow/tfjs', nativeDir) };
  if (theirs.tfjs !== ours.tfjs) return secondCopy(nativePkg, '@tensorflow/tfjs', theirs.tfjs, ours.tfjs);
  // The engine imports tfjs-core directly too (kernel registrations): the core behind tfjs must be that one.
  const oursCore = packageDir(resolve, '@tensorflow/tfjs-core');
  const theirsCore = packageDir(resolve, '@tensorflow/tfjs-core', theirs.tfjs);
  if (theirsCore !== oursCore) return secondCopy(nativePkg, '@tensorflow/tfjs-core', theirsCore, oursCore);
  return undefined;
}

function secondCopy(nativePkg: string, dep: string, theirs: string, ours: string): string {
  return `${nativePkg} would load a second ${dep} (${theirs}) beside the engine's (${ours}), and its backend would register where `
    + `the engine never looks; remove the second copy so both resolve to one.`;
}
