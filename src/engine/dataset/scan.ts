/**
 * Scan a dataset folder: find the layout and classes, decode every image once to weed out broken files,
 * attach patient ids and metadata.csv's other columns (checked for confounders), and produce a health report. Broken files are excluded and reported; the scan only
 * fails (DatasetError) when nothing usable is left.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { SplitName } from '../../shared/engineProtocol';
import { errorText, IMAGE_EXTENSIONS, ImageDecodeError, openImage, type ImageInfo } from './decode';
import { DatasetError } from './errors';
import { buildHealthReport, listText } from './health';
import { confounderIssues } from './confounders';
import { assignPatients } from './metadata';
import { maskedClassFolder, maskIndex, maskOf } from './masks';
import type { DatasetScan, HealthIssue, ImageItem } from './types';

export type { SplitName };
export type { DatasetMetadata, DatasetScan, HealthIssue, HealthReport, ImageItem } from './types';
export { DatasetError };

export interface ScanOptions {
  /** Regex whose first capture group is the patient id, applied to the file name. */
  patientPattern?: string;
  /** Fully decode every image to catch truncation (default true); false reads headers only. */
  verify?: boolean;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Force class order/labels (e.g. from a trained run); other folders are reported and left out. */
  classes?: string[];
  /** Images decoded at once (default 4). */
  concurrency?: number;
}

const SPLIT_FOLDERS: Record<string, SplitName> = {
  train: 'train', training: 'train', val: 'val', valid: 'val', validation: 'val', test: 'test', testing: 'test',
};

/** Non-image files listed one by one; beyond this (say, an annotation file per image) they are summed up. */
const MAX_STRAY_ISSUES = 20;

interface Candidate { path: string; rel: string; className: string; presetSplit?: SplitName; mask?: string }

export async function scanDataset(root: string, opts: ScanOptions = {}): Promise<DatasetScan> {
  root = path.resolve(root);
  const st = await fs.stat(root).catch(() => undefined);
  if (!st) throw new DatasetError(`The dataset folder ${root} does not exist.`);
  if (!st.isDirectory()) throw new DatasetError(`The dataset path ${root} is a file, not a folder of class folders.`);
  opts.signal?.throwIfAborted();

  const issues: HealthIssue[] = [];
  const excluded: DatasetScan['excluded'] = [];
  /** Image-named links that lead nowhere, per class ('' outside class folders). */
  const brokenImages = new Map<string, string[]>();
  const brokenLink = (file: string, rel: string, className?: string) => {
    issues.push({ severity: 'error', kind: 'broken-link', file, ...(className ? { className } : {}), message: `${rel} is a broken or looping symlink; left out.` });
    excluded.push({ file, reason: 'broken-link: a broken or looping symlink' });
    if (isImageName(file)) brokenImages.set(className ?? '', [...(brokenImages.get(className ?? '') ?? []), rel]);
  };
  const top = await listVisible(root);
  for (const b of top.broken) brokenLink(path.join(root, b), b);
  const splitDirs = top.dirs.filter((d) => SPLIT_FOLDERS[d.toLowerCase()] !== undefined);
  const splitDirsWithClasses = [];
  for (const d of splitDirs) if ((await listVisible(path.join(root, d))).dirs.length > 0) splitDirsWithClasses.push(d);
  const layout: DatasetScan['layout'] = splitDirsWithClasses.length > 0 ? 'split-folders' : 'class-folders';

  // Class folders: (split?, class name, folder).
  const classDirs: { split?: SplitName; className: string; dir: string; rel: string }[] = [];
  const strayImage = (rel: string, where: string) => issues.push({ severity: 'warning', kind: 'stray-file', file: path.join(root, rel), message: `${rel} is an image ${where}, not inside a class folder, and was ignored.` });
  if (layout === 'split-folders') {
    for (const d of top.dirs) {
      if (!splitDirsWithClasses.includes(d)) {
        issues.push({ severity: 'warning', kind: 'stray-folder', file: path.join(root, d), message: `Folder ${d} is not a train, val or test folder and was ignored.` });
        continue;
      }
      const split = SPLIT_FOLDERS[d.toLowerCase()];
      const inner = await listVisible(path.join(root, d));
      for (const b of inner.broken) brokenLink(path.join(root, d, b), `${d}/${b}`);
      for (const c of inner.dirs) classDirs.push({ split, className: c, dir: path.join(root, d, c), rel: `${d}/${c}` });
      for (const f of inner.files) if (isImageName(f)) strayImage(`${d}/${f}`, `directly in ${d}/`);
    }
  } else {
    for (const c of top.dirs) classDirs.push({ className: c, dir: path.join(root, c), rel: c });
  }
  for (const f of top.files) if (isImageName(f)) strayImage(f, 'at the dataset root');

  const folderClasses = [...new Set(classDirs.map((c) => c.className))].sort();
  if (folderClasses.length === 0) {
    throw new DatasetError(`No class folders found in ${root}: expected one sub-folder per class (e.g. COVID/, Normal/), or train/, val/ and test/ folders holding class folders.`);
  }
  const forced = opts.classes;
  if (forced) {
    const missing = forced.filter((c) => !folderClasses.includes(c));
    if (missing.length > 0) issues.push({ severity: 'warning', kind: 'missing-class', message: `The dataset has no folder for class${missing.length > 1 ? 'es' : ''} ${listText(missing)}, which the model knows.` });
  }

  // Walk class folders: images become candidates, anything else is a stray file.
  const candidates: Candidate[] = [];
  let strayCount = 0;
  for (const cd of classDirs) {
    // <Class>/images/ + <Class>/masks/ (COVID-19 Radiography Database): images from images/ only, each with its mask.
    const masked = await maskedClassFolder(cd.dir);
    const masks = masked ? await maskIndex(masked.masksDir) : undefined;
    const { files, broken } = await walkFiles(masked?.imagesDir ?? cd.dir);
    for (const b of broken) brokenLink(b, `${cd.rel}/${path.relative(cd.dir, b).split(path.sep).join('/')}`, cd.className);
    const unknown = forced !== undefined && !forced.includes(cd.className);
    let unknownCount = 0;
    for (const f of files) {
      const rel = `${cd.rel}/${path.relative(cd.dir, f).split(path.sep).join('/')}`;
      if (!isImageName(f)) {
        if (++strayCount <= MAX_STRAY_ISSUES) issues.push({ severity: 'info', kind: 'stray-file', file: f, className: cd.className, message: `${rel} is not an image file and was ignored.` });
      } else if (unknown) {
        excluded.push({ file: f, reason: `class folder ${cd.className} is not one of the model's classes` });
        unknownCount++;
      } else {
        const mask = masked && masks ? maskOf(masks, path.relative(masked.imagesDir, f)) : undefined;
        candidates.push({ path: f, rel, className: cd.className, presetSplit: cd.split, ...(mask ? { mask } : {}) });
      }
    }
    if (unknown) issues.push({ severity: 'warning', kind: 'unknown-class', className: cd.className, file: cd.dir, message: `Folder ${cd.rel} is not one of the model's classes (${listText(forced!)}); its ${unknownCount} images were left out.` });
    if (masked && masks && !unknown) issues.push(maskFolderIssue(cd, masked, masks.size, candidates.filter((c) => c.className === cd.className && c.presetSplit === cd.split && !c.mask).length));
  }
  if (strayCount > MAX_STRAY_ISSUES) {
    const more = strayCount - MAX_STRAY_ISSUES;
    issues.push({ severity: 'info', kind: 'stray-file', message: `${more} more non-image file${more === 1 ? ' was' : 's were'} ignored in the class folders.` });
  }
  candidates.sort((a, b) => compare(a.rel, b.rel));

  // Decode every candidate (verify) or read its header, a few at a time.
  const verify = opts.verify ?? true;
  const probes = await probeAll(candidates, verify, opts);
  const usable: { cand: Candidate; info: ImageInfo }[] = [];
  probes.forEach((p, i) => {
    const cand = candidates[i];
    if ('info' in p) { usable.push({ cand, info: p.info }); return; }
    excluded.push({ file: cand.path, reason: `${p.kind}: ${p.message}` });
    issues.push({ severity: 'error', kind: p.kind, file: cand.path, className: cand.className, message: `${cand.rel} ${p.message}; it was left out.` });
  });

  // Classes: folder classes with at least one usable image (or the forced list, as is).
  const usableCount = new Map<string, number>();
  for (const u of usable) usableCount.set(u.cand.className, (usableCount.get(u.cand.className) ?? 0) + 1);
  const emptyClasses = (forced ?? folderClasses).filter((c) => !usableCount.get(c) && folderClasses.includes(c));
  for (const c of emptyClasses) {
    const tried = candidates.filter((k) => k.className === c).length;
    const links = brokenImages.get(c)?.length ?? 0;
    const why = tried === 0
      ? (links > 0 ? `has no usable image (its ${links} image file${links === 1 ? ' is a broken or looping symlink' : 's are broken or looping symlinks'})` : 'has no image files')
      : `has no usable image (all ${tried} failed to decode${links > 0 ? `, ${links} more ${links === 1 ? 'is a broken or looping symlink' : 'are broken or looping symlinks'}` : ''})`;
    issues.push({ severity: 'warning', kind: 'empty-class', className: c, message: forced ? `Class folder ${c} ${why}.` : `Class folder ${c} ${why}, so ${c} is not used as a class.` });
  }
  const classes = forced ? [...forced] : folderClasses.filter((c) => usableCount.get(c));
  const allBroken = [...brokenImages].filter(([c]) => c !== '' && (!forced || forced.includes(c))).flatMap(([, rels]) => rels).sort(compare);
  if (usable.length === 0 && forced && candidates.length === 0 && allBroken.length === 0 && excluded.some((e) => e.reason.startsWith('class folder'))) {
    throw new DatasetError(`No class folder in ${root} matches the model's classes (${listText(forced)}).`);
  }
  if (usable.length === 0 && candidates.length === 0 && allBroken.length > 0) {
    throw new DatasetError(`No image in the class folders of ${root} can be read: all ${allBroken.length} image file${allBroken.length === 1 ? ' is a broken or looping symlink' : 's are broken or looping symlinks'} (e.g. ${allBroken[0]}).`);
  }
  if (usable.length === 0) {
    const first = excluded.find((e) => !e.reason.startsWith('class folder'));
    throw new DatasetError(
      candidates.length === 0
        ? `No image files (${IMAGE_EXTENSIONS.join(', ')}) were found in the class folders of ${root}.`
        : `None of the ${candidates.length} image files in ${root} could be used; for example ${first ? `${path.relative(root, first.file)} (${first.reason})` : 'every one failed to decode'}.`,
    );
  }

  const items: ImageItem[] = usable.map(({ cand }) => ({
    path: cand.path, rel: cand.rel, label: classes.indexOf(cand.className), className: cand.className, patient: cand.rel,
    ...(cand.presetSplit ? { presetSplit: cand.presetSplit } : {}), ...(cand.mask ? { mask: cand.mask } : {}),
  }));
  const patients = await assignPatients(root, items, opts.patientPattern);
  issues.push(...patients.issues);
  if (patients.metadata) issues.push(...confounderIssues(patients.metadata, items.map((it) => it.label), classes));

  const health = buildHealthReport({
    classes, items, infos: usable.map((u) => u.info), issues,
    presetSplits: layout === 'split-folders' ? [...new Set(splitDirsWithClasses.map((d) => SPLIT_FOLDERS[d.toLowerCase()]))] : undefined,
  });
  const hash = createHash('sha256');
  usable.forEach(({ cand, info }) => hash.update(`${cand.rel}\t${info.bytes}\n`));
  return { root, layout, classes, items, excluded, health, patientSource: patients.source, ...(patients.metadata ? { metadata: patients.metadata } : {}), hash: hash.digest('hex') };
}

/** One line per class folder of the COVID-19 Radiography Database layout: where its images and its masks are read. */
function maskFolderIssue(cd: { className: string; dir: string; rel: string }, f: { imagesDir: string; masksDir: string }, masks: number, without: number): HealthIssue {
  const sub = (d: string) => `${cd.rel}/${path.basename(d)}`;
  return {
    severity: 'info', kind: 'mask-folder', className: cd.className, file: f.masksDir,
    message: `${cd.rel} holds ${path.basename(f.imagesDir)}/ and ${path.basename(f.masksDir)}/ (the COVID-19 Radiography Database layout): its images are read from ${sub(f.imagesDir)}; ` +
      `the ${masks} file${masks === 1 ? '' : 's'} in ${sub(f.masksDir)} are lung masks for the shortcut audit, not training images` +
      (without > 0 ? ` (${without} image${without === 1 ? ' has' : 's have'} no mask)` : '') + '.',
  };
}

type Probe = { info: ImageInfo } | { kind: string; message: string };

async function probeAll(cands: Candidate[], verify: boolean, opts: ScanOptions): Promise<Probe[]> {
  const out: Probe[] = new Array(cands.length);
  let next = 0;
  let done = 0;
  opts.onProgress?.(0, cands.length);
  const worker = async () => {
    while (next < cands.length) {
      opts.signal?.throwIfAborted();
      const i = next++;
      try {
        out[i] = { info: (await openImage(cands[i].path, verify)).info };
      } catch (e) {
        out[i] = e instanceof ImageDecodeError ? { kind: e.kind, message: e.message } : { kind: 'unreadable', message: `could not be read (${errorText(e)})` };
      }
      opts.onProgress?.(++done, cands.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
  opts.signal?.throwIfAborted();
  return out;
}

/** Non-hidden entries of a folder, sorted; symlinks are followed, and those that lead nowhere (dangling, or a loop) are `broken`. */
async function listVisible(dir: string): Promise<{ dirs: string[]; files: string[]; broken: string[] }> {
  const dirs: string[] = [];
  const files: string[] = [];
  const broken: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const s = await fs.stat(path.join(dir, e.name)).catch(() => undefined); // ENOENT: dangling; ELOOP: a loop
      if (!s) broken.push(e.name);
      isDir = !!s?.isDirectory();
      isFile = !!s?.isFile();
    }
    if (isDir) dirs.push(e.name);
    else if (isFile) files.push(e.name);
  }
  return { dirs: dirs.sort(compare), files: files.sort(compare), broken: broken.sort(compare) };
}

/** All non-hidden files under `dir` (nested folders too, like ImageFolder) and the broken links among them; a symlink loop of folders is walked once. */
async function walkFiles(dir: string, seen = new Set<string>()): Promise<{ files: string[]; broken: string[] }> {
  const real = await fs.realpath(dir);
  if (seen.has(real)) return { files: [], broken: [] };
  seen.add(real);
  const { dirs, files, broken } = await listVisible(dir);
  const out = { files: files.map((f) => path.join(dir, f)), broken: broken.map((f) => path.join(dir, f)) };
  for (const d of dirs) {
    const sub = await walkFiles(path.join(dir, d), seen);
    out.files.push(...sub.files);
    out.broken.push(...sub.broken);
  }
  return out;
}

function isImageName(f: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(f).toLowerCase());
}

/** Code-point order, independent of locale (matches Python's sorted()). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
