/**
 * Lung masks beside a dataset's images. The COVID-19 Radiography Database ships each class as `<Class>/images/` +
 * `<Class>/masks/` (one mask per image, same file name): the scan reads such a class's images from `images/` only —
 * never the masks as training images — and gives each image its mask. `cxr-lab audit --masks <dir>` takes a folder
 * mirroring the class folders instead (same relative paths as the images). The audit (src/engine/audit) reads them.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { IMAGE_EXTENSIONS } from './decode';

/** Sub-folder names (any case) of a class folder in the COVID-19 Radiography Database layout. */
export const IMAGES_FOLDER = 'images';
export const MASKS_FOLDER = 'masks';

/** A class folder holding both `images/` and `masks/`: its images folder and its masks folder; else undefined. */
export async function maskedClassFolder(classDir: string): Promise<{ imagesDir: string; masksDir: string } | undefined> {
  const entries = await fs.readdir(classDir, { withFileTypes: true }).catch(() => []);
  const dirs = new Map<string, string>();
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const isDir = e.isDirectory() || (e.isSymbolicLink() && !!(await fs.stat(path.join(classDir, e.name)).catch(() => undefined))?.isDirectory());
    if (isDir) dirs.set(e.name.toLowerCase(), path.join(classDir, e.name));
  }
  const imagesDir = dirs.get(IMAGES_FOLDER), masksDir = dirs.get(MASKS_FOLDER);
  return imagesDir && masksDir ? { imagesDir, masksDir } : undefined;
}

/** A file's key for matching an image with its mask: its path without the extension, '/' separators. */
function stemKey(rel: string): string {
  const ext = path.extname(rel);
  return (IMAGE_EXTENSIONS.includes(ext.toLowerCase()) ? rel.slice(0, -ext.length) : rel).split(path.sep).join('/');
}

/** Every image file under `dir` (nested folders too) by its path without extension relative to `dir`. */
export async function maskIndex(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    const entries = await fs.readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(d, e.name);
      const st = e.isSymbolicLink() ? await fs.stat(full).catch(() => undefined) : undefined;
      if (e.isDirectory() || st?.isDirectory()) await walk(full);
      else if ((e.isFile() || st?.isFile()) && IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase())) {
        const key = stemKey(path.relative(dir, full));
        if (!out.has(key)) out.set(key, full);
      }
    }
  };
  await walk(dir);
  return out;
}

/** The mask of the image at `relInImages` (relative to its images folder) in an index made by maskIndex. */
export function maskOf(index: Map<string, string>, relInImages: string): string | undefined {
  return index.get(stemKey(relInImages));
}

/**
 * The mask of a dataset image in a `--masks` folder that mirrors the class folders: `<dir>/<rel>` (any image
 * extension); for an image of the Radiography layout (`<Class>/images/x.png`) also `<dir>/<Class>/masks/x.png` and
 * `<dir>/<Class>/x.png`.
 */
export function maskInFolder(index: Map<string, string>, rel: string): string | undefined {
  const parts = rel.split('/');
  const candidates = [rel];
  if (parts.length >= 3 && parts[1].toLowerCase() === IMAGES_FOLDER) {
    candidates.push([parts[0], MASKS_FOLDER, ...parts.slice(2)].join('/'), [parts[0], ...parts.slice(2)].join('/'));
  }
  for (const c of candidates) {
    const hit = index.get(stemKey(c));
    if (hit) return hit;
  }
  return undefined;
}
