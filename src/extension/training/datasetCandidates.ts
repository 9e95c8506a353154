/**
 * Folders of the workspace that look like a dataset, for the Train Model dataset step: the workspace folder itself and
 * each folder directly in it (symlinks followed) that holds a metadata.csv, train/ val/ test/ folders, or at least two
 * sub-folders with an image among their first entries. A quick look, not a scan: the engine scans the one chosen.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

const IMAGE = /\.(png|jpe?g|bmp|tiff?|webp)$/i;
const SPLITS = new Set(['train', 'training', 'val', 'valid', 'validation', 'test', 'testing']);
/** Entries of a class folder looked at for an image (an images/ sub-folder counts too). */
const PEEK = 50;

async function subfolders(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory() || (e.isSymbolicLink() && (await fs.stat(full).catch(() => undefined))?.isDirectory())) out.push(full);
  }
  return out.sort();
}

async function holdsImage(dir: string): Promise<boolean> {
  const names = (await fs.readdir(dir).catch(() => [] as string[])).slice(0, PEEK);
  if (names.some((n) => IMAGE.test(n))) return true;
  return names.includes('images') && (await fs.readdir(path.join(dir, 'images')).catch(() => [] as string[])).slice(0, PEEK).some((n) => IMAGE.test(n));
}

export async function looksLikeDataset(dir: string): Promise<boolean> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  if (names.some((n) => n.toLowerCase() === 'metadata.csv')) return true;
  const subs = await subfolders(dir);
  if (subs.some((s) => SPLITS.has(path.basename(s).toLowerCase()))) return true;
  let withImages = 0;
  for (const s of subs) if (await holdsImage(s) && ++withImages >= 2) return true;
  return false;
}

/** The workspace folder (when it looks like a dataset) and the dataset folders directly in it, in name order. */
export async function datasetCandidates(workspaceRoot: string): Promise<string[]> {
  const out: string[] = [];
  if (await looksLikeDataset(workspaceRoot)) out.push(workspaceRoot);
  for (const s of await subfolders(workspaceRoot)) if (await looksLikeDataset(s)) out.push(s);
  return out;
}
