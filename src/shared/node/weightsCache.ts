/** Where downloaded ImageNet weights are kept, for both Node sides: the engine downloads into it, the extension lists it. */
import * as os from 'node:os';
import * as path from 'node:path';

/** CXR_LAB_CACHE, else $XDG_CACHE_HOME/cxr-lab/weights, else ~/.cache/cxr-lab/weights. */
export function weightsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CXR_LAB_CACHE) return path.resolve(env.CXR_LAB_CACHE);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'cxr-lab', 'weights');
}
