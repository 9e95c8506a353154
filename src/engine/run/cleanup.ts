/**
 * Stale temporaries of a run: what atomic writes leave when their process is killed (`<file>.<pid>.<ms>.tmp`, a whole
 * `checkpoints/<name>.tmp-<pid>-<ms>` — 134 MB for ResNet18 — or `.old-*`). Removed when the run is resumed (after
 * restoreCheckpoints has renamed a complete copy into place, so no copy that stands in for a checkpoint is lost);
 * never one whose pid is a live process of this host other than this one (it may still be writing).
 */
import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { isStaleTemp, parseTempName } from '../../shared/runFiles';
import { pidAlive } from './runLock';

export interface CleanupOptions { ownPid?: number; alive?: (pid: number) => boolean }

/** Removes the run's stale temporaries; returns their paths (relative to the run) and the bytes freed. */
export async function cleanStaleTemporaries(runDir: string, o: CleanupOptions = {}): Promise<{ removed: string[]; bytes: number }> {
  const ownPid = o.ownPid ?? process.pid;
  const alive = o.alive ?? pidAlive;
  const removed: string[] = [];
  let bytes = 0;
  const walk = async (dir: string): Promise<void> => {
    const entries: Dirent[] = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const full = path.join(dir, e.name);
      const temp = parseTempName(e.name);
      if (temp && (e.isDirectory() || e.isFile()) && isStaleTemp(temp, ownPid, alive)) {
        const size = await diskUsage(full);
        const gone = await fs.rm(full, { recursive: true, force: true }).then(() => true, () => false);
        if (gone) {
          removed.push(path.relative(runDir, full));
          bytes += size;
        }
      } else if (!temp && e.isDirectory()) {
        await walk(full);
      }
    }
  };
  await walk(runDir);
  return { removed, bytes };
}

async function diskUsage(p: string): Promise<number> {
  const st = await fs.lstat(p).catch(() => undefined);
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  const names = await fs.readdir(p).catch(() => [] as string[]);
  let total = 0;
  for (const n of names) total += await diskUsage(path.join(p, n));
  return total;
}

/** "Removed 2 stale temporaries left by stopped processes (134.2 MB): checkpoints/last.tmp-…, …" — undefined when none. */
export function cleanupMessage(r: { removed: string[]; bytes: number }): string | undefined {
  if (r.removed.length === 0) return undefined;
  const n = r.removed.length;
  const shown = r.removed.slice(0, 3).join(', ') + (n > 3 ? `, and ${n - 3} more` : '');
  return `Removed ${n} stale temporar${n === 1 ? 'y' : 'ies'} left by a stopped process (${(r.bytes / 1e6).toFixed(1)} MB): ${shown}.`;
}
