/**
 * node:fs bindings of the pure run-file code in src/shared/runFiles, for both Node sides (the engine with the CLI,
 * and the extension host, which must not import src/engine). Webviews never import src/shared/node.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { numberedFolderName, type CheckpointFs } from '../runFiles';

const absent = (e: NodeJS.ErrnoException) => e.code === 'ENOENT' || e.code === 'ENOTDIR';

/** A file's text, or undefined when it does not exist. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if (absent(e as NodeJS.ErrnoException)) return undefined;
    throw e;
  }
}

/** The file system of shared/runFiles/checkpointFiles.ts: which checkpoint folder to read, complete copies, sizes. */
export const checkpointFs: CheckpointFs = {
  list: (dir) => fs.readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (absent(e)) return [];
    throw e;
  }),
  readText: readTextIfExists,
  size: (file) => fs.stat(file).then((s) => (s.isFile() ? s.size : undefined), (e: NodeJS.ErrnoException) => {
    if (absent(e)) return undefined;
    throw e;
  }),
  join: path.join,
};

/** Whether a process exists on this host: signal 0 tests without sending anything (EPERM: it exists, not ours). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Creates a new, empty folder `<parent>/<name>` (or `<name>-2`, `-3` … when taken) and returns its path. mkdir without
 * `recursive` fails when the folder exists, so two processes starting in the same second never get the same folder.
 */
export async function claimNewFolder(parent: string, name: string): Promise<string> {
  await fs.mkdir(parent, { recursive: true });
  for (let n = 1; ; n++) {
    const dir = path.join(parent, numberedFolderName(name, n));
    try {
      await fs.mkdir(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
