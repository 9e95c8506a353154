/**
 * Pretrained weights already on this machine, for the Train Model weights step: the files in the ImageNet download
 * cache, and in the workspace every `.pth` / `.h5` file and every tfjs layers model folder (model.json with a weights
 * manifest). The walk is bounded (depth, entries, time), follows symlinked folders once, and skips hidden folders,
 * node_modules and the runs in .cxr-lab (their checkpoints are models of their own runs, not backbones).
 */
import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';

export type WeightsKind = 'cache' | 'file' | 'tfjs-folder';
export interface FoundWeights {
  path: string;
  kind: WeightsKind;
  /** The architecture the name or the import-weights record says, when one of `archs` matches. */
  arch?: string;
}

export interface FindWeightsOptions {
  roots: string[];
  cacheDir?: string;
  /** Known architecture names, to recognise them in file and folder names. */
  archs: string[];
  maxDepth?: number;
  maxEntries?: number;
  timeoutMs?: number;
}

const WEIGHT_FILE = /\.(pth|pt|h5|hdf5)$/i;
const SKIP_DIRS = new Set(['node_modules', '__pycache__']);

/** "mobilenet_v2-b0353104.pth", "MobileNetV2-0.35-imagenet-notop" → mobilenetv2; the longest known name that starts it wins. */
export function archFromName(name: string, archs: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const n = norm(name);
  return [...archs].sort((a, b) => norm(b).length - norm(a).length).find((a) => n.startsWith(norm(a)));
}

/** A tfjs layers model folder: its model.json has a weights manifest; `cxrLab.arch` when import-weights wrote it. */
async function tfjsModelFolder(dir: string): Promise<{ arch?: string } | undefined> {
  const text = await fs.readFile(path.join(dir, 'model.json'), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const json = JSON.parse(text) as { weightsManifest?: unknown; userDefinedMetadata?: { cxrLab?: { arch?: unknown } } };
    if (!Array.isArray(json.weightsManifest)) return undefined;
    const arch = json.userDefinedMetadata?.cxrLab?.arch;
    return typeof arch === 'string' ? { arch } : {};
  } catch {
    return undefined;
  }
}

export async function findWeights(o: FindWeightsOptions): Promise<FoundWeights[]> {
  const found: FoundWeights[] = [];
  const deadline = Date.now() + (o.timeoutMs ?? 3000);
  let budget = o.maxEntries ?? 20_000;
  const seen = new Set<string>();

  if (o.cacheDir) {
    for (const name of (await fs.readdir(o.cacheDir).catch(() => [] as string[])).sort()) {
      if (WEIGHT_FILE.test(name)) found.push({ path: path.join(o.cacheDir, name), kind: 'cache', ...withArch(archFromName(name, o.archs)) });
    }
  }

  const walk = async (dir: string, depth: number): Promise<void> => {
    const real = await fs.realpath(dir).catch(() => undefined);
    if (!real || seen.has(real)) return;
    seen.add(real);
    const model = await tfjsModelFolder(dir);
    if (model) {
      found.push({ path: dir, kind: 'tfjs-folder', ...withArch(model.arch ?? archFromName(path.basename(dir), o.archs)) });
      return;
    }
    const entries: Dirent[] = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => a.name.localeCompare(b.name));
    const subdirs: string[] = [];
    for (const e of entries) {
      if (--budget < 0 || Date.now() > deadline) return;
      const full = path.join(dir, e.name);
      const isDir = e.isDirectory() || (e.isSymbolicLink() && (await fs.stat(full).catch(() => undefined))?.isDirectory());
      if (isDir) {
        if (!e.name.startsWith('.') && !SKIP_DIRS.has(e.name)) subdirs.push(full);
      } else if (WEIGHT_FILE.test(e.name)) {
        found.push({ path: full, kind: 'file', ...withArch(archFromName(e.name, o.archs)) });
      }
    }
    if (depth < (o.maxDepth ?? 4)) for (const d of subdirs) await walk(d, depth + 1);
  };
  for (const root of o.roots) await walk(root, 0);
  return found;
}

const withArch = (arch: string | undefined) => (arch ? { arch } : {});

/** For the weights step: those for `arch` first, then those of unknown architecture, then those for another one. */
export function rankForArch(found: readonly FoundWeights[], arch: string): FoundWeights[] {
  const rank = (w: FoundWeights) => (w.arch === arch ? 0 : w.arch === undefined ? 1 : 2);
  return found.map((w, i) => ({ w, i })).sort((a, b) => rank(a.w) - rank(b.w) || a.i - b.i).map(({ w }) => w);
}
