/**
 * The LR finder's suggestions in Train Model's learning-rate step: the newest `.cxr-lab/lr-find/<id>/lr-find.json` of the
 * chosen dataset and architecture (`cxr-lab lr-find`, or "Run the LR finder…" in the step itself), as pick items.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { formatLr } from '../../shared/format';
import { LAB_DIR, LR_FIND_DIR, runFileReaders, type LrFindFile } from '../../shared/runFiles';
import { readTextIfExists } from '../../shared/node/runFs';

const { readLrFindFile } = runFileReaders({ readText: readTextIfExists, join: path.join });

export interface LrChoice { lr: number; label: string; description: string; detail: string }

/** The folder the extension's LR finder runs write to. */
export function lrFindRoot(workspaceRoot: string): string {
  return path.join(workspaceRoot, LAB_DIR, LR_FIND_DIR);
}

/** The newest readable LR finder result for `dataset` and `arch` (a broken file is skipped), or undefined. */
export async function latestLrFind(workspaceRoot: string, dataset: string, arch: string): Promise<LrFindFile | undefined> {
  const root = lrFindRoot(workspaceRoot);
  const dirs = await fs.readdir(root).catch(() => [] as string[]);
  const files = await Promise.all(dirs.map((d) => readLrFindFile(path.join(root, d)).catch(() => undefined)));
  return files
    .filter((f): f is LrFindFile => f !== undefined && f.suggestions !== null && path.resolve(f.dataset.root) === path.resolve(dataset) && f.config.arch === arch)
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))[0];
}

/** "valley 1.1e-3" and "steep 2.5e-4", each saying which LR finder run it came from. */
export function lrChoices(f: LrFindFile): LrChoice[] {
  if (!f.suggestions) return [];
  const when = f.createdAt.slice(0, 16).replace('T', ' ');
  const detail = `LR finder of ${when} UTC: ${f.config.preset ?? 'reference'} preset, ${f.config.imageSize} px, batch ${f.config.batchSize}, ${f.points.length} batches`;
  // Three significant digits, as shown: run.json then says 0.00112, not 0.0011220184543019634.
  const lr = (x: number) => Number(x.toPrecision(3));
  return [
    { lr: lr(f.suggestions.valley.lr), label: `$(sparkle) ${formatLr(f.suggestions.valley.lr)}`, description: "LR finder: valley (fastai's default suggestion)", detail },
    { lr: lr(f.suggestions.steep.lr), label: `$(sparkle) ${formatLr(f.suggestions.steep.lr)}`, description: 'LR finder: steepest descent', detail },
  ];
}
