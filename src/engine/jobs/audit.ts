/**
 * The shortcut audit (`cxr-lab audit`, "Audit Shortcuts"): for every image of a run's split, the CAM of its predicted
 * class and where its mass lies — inside the lungs (when a lung mask is known), in the border band, on burned-in text
 * and markers found in the image — then per-class means, a verdict against documented thresholds
 * (src/engine/audit/verdict.ts) and a ranked gallery. Writes `<run>/audit/<split>[-<method>].json` (schema:
 * src/shared/runFiles/audit.ts) and the gallery's overlays beside it. An image that cannot be read is listed and the
 * rest goes on; an image without a usable mask is audited on the border band and markers only, and said so.
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import type { AuditRequest, AuditResult, JobEventSink } from '../../shared/engineProtocol';
import { auditName, RUN_FILES, RUN_LAYOUT_VERSION, type AuditFile, type AuditImage } from '../../shared/runFiles';
import { writeJsonAtomic } from '../io/atomic';
import { loadImageTensorData, type Normalization } from '../dataset/preprocess';
import { scanDataset } from '../dataset/scan';
import { splitFromRecord } from '../dataset/split';
import { maskIndex, maskInFolder } from '../dataset/masks';
import type { ImageItem } from '../dataset/types';
import { BaseCam } from '../cam/baseCam';
import { getCamMethod } from '../cam/methods';
import { openRunCheckpoint } from '../run/checkpoint';
import { readRunSplit } from '../run/runFiles';
import { RunStore } from '../run/runStore';
import { AUDIT_GRID, BORDER_FRACTION, borderBand, camShares } from '../audit/regions';
import { detectMarkers, type MarkerBox } from '../audit/markers';
import { loadGrey, loadLungMask, writeAuditOverlay } from '../audit/images';
import { AUDIT_THRESHOLDS, summarizeAudit } from '../audit/verdict';
import { CancelledError, ConfigError, DatasetError } from '../errors';

export type AuditOptions = Omit<AuditRequest, 'type' | 'id'> & { signal?: AbortSignal; emit: JobEventSink };

/** Images shown in each of the gallery's two rankings (outside the lungs; borders and markers): their overlays are written. */
export const GALLERY_SIZE = 24;

/** What the gallery's overlay of an image needs, kept only while the image may still rank in the gallery. */
interface Picture { grey: Uint8Array; cam: Float32Array; lungs?: Uint8Array; markers: MarkerBox[]; margin: number }

export async function auditRun(o: AuditOptions): Promise<AuditResult> {
  const method = getCamMethod(o.method);
  if (o.limit !== undefined && !(Number.isInteger(o.limit) && o.limit >= 1)) throw new ConfigError(`limit must be a whole number of at least 1, not ${o.limit}.`);
  const masksDir = o.masks === undefined ? undefined : path.resolve(o.masks);
  if (masksDir && !(await fs.stat(masksDir).catch(() => undefined))?.isDirectory()) throw new ConfigError(`The masks folder ${masksDir} does not exist.`);
  const run = await RunStore.open(o.runDir);
  const { classes } = run.info.dataset;
  const split = o.split ?? 'test';
  const log = (message: string) => o.emit({ type: 'log', level: 'warn', message });

  const scan = await scanDataset(run.info.dataset.root, { classes, signal: o.signal, onProgress: (done, total) => o.emit({ type: 'progress', phase: 'scan', done, total }) });
  const record = await readRunSplit(run.dir);
  const inSplit = splitFromRecord(scan, record, run.info.config.seed)[split];
  const failed: AuditFile['failed'] = [];
  // Images of the split that the scan had to leave out (they no longer decode): listed, the rest goes on.
  for (const e of scan.excluded) {
    const rel = path.relative(scan.root, e.file).split(path.sep).join('/');
    if (record[rel] === split) failed.push({ file: e.file, rel, error: e.reason });
  }
  const undecodable = failed.length;
  const items = o.limit !== undefined ? spreadOverClasses(inSplit, o.limit) : inSplit;
  if (items.length === 0 && failed.length === 0) throw new DatasetError(`Nothing to audit: the ${split} split of run ${run.info.id} has no image.`);
  const folderMasks = masksDir ? await maskIndex(masksDir) : undefined;
  const maskFile = (it: ImageItem) => (folderMasks ? maskInFolder(folderMasks, it.rel) : it.mask);

  const { model, meta } = await openRunCheckpoint(run, o.checkpoint, log);
  const layer = o.layer ?? run.info.model.camLayer;
  if (!model.layers.some((l) => l.name === layer)) {
    model.dispose();
    throw new ConfigError(`Layer "${layer}" is not in this model; the run's CAM layer is ${run.info.model.camLayer}.`);
  }
  const cam = new BaseCam(model, layer, method);
  const norm = { imageSize: run.info.config.imageSize, normalization: run.info.model.normalization as Normalization };
  const grid = Math.max(AUDIT_GRID, norm.imageSize);
  const band = borderBand(grid, BORDER_FRACTION);
  const images: AuditImage[] = [];
  const pictures = new Map<string, Picture>();
  const masks = { found: 0, missing: 0, resized: 0 };
  const started = Date.now();
  try {
    for (const [i, it] of items.entries()) {
      if (o.signal?.aborted) throw new CancelledError();
      const eta = i > 0 ? ((Date.now() - started) / 1000 / i) * (items.length - i) : undefined;
      o.emit({ type: 'progress', phase: 'audit', done: i, total: items.length, message: path.basename(it.path), ...(eta !== undefined ? { etaSeconds: eta } : {}) });
      try {
        const input = tf.tensor4d(await loadImageTensorData(it.path, norm), [1, norm.imageSize, norm.imageSize, 3]);
        const result = (() => { try { return cam.compute(input); } finally { input.dispose(); } })();
        const map = resizeMap(result.cam, result.width, result.height, grid);
        const { grey, width, height } = await loadGrey(it.path, grid);
        const found = detectMarkers(grey, grid, grid);
        const file = maskFile(it);
        const mask = file ? await loadLungMask(file, width, height, grid) : undefined;
        const lungs = mask && 'region' in mask ? mask : undefined;
        const shares = camShares(map, { lungs: lungs?.region, border: band, markers: found.region });
        if (lungs) masks.found++; else masks.missing++;
        if (lungs?.resized) masks.resized++;
        const note = shares.mass === 0 ? 'flat map: no positive evidence for the predicted class, nothing to place'
          : !file ? 'no lung mask: audited on the border band and markers only'
            : mask && 'problem' in mask ? `${mask.problem}: audited on the border band and markers only` : undefined;
        images.push({
          file: it.path, rel: it.rel, label: it.label, predicted: result.classIndex, probability: result.probabilities[result.classIndex],
          lungs: shares.lungs, border: shares.border, markers: shares.markers, borderMarkers: shares.borderMarkers,
          lungArea: lungs ? lungs.area : null, markerArea: areaOf(found.region),
          markerBoxes: found.boxes.map((b) => ({ x: b.x0 / grid, y: b.y0 / grid, w: (b.x1 - b.x0) / grid, h: (b.y1 - b.y0) / grid })),
          mask: lungs && file ? file : null, maskResized: lungs?.resized ?? false, ...(note ? { note } : {}),
        });
        pictures.set(it.rel, { grey, cam: map, lungs: lungs?.region, markers: found.boxes, margin: found.margin });
        keepRanked(images, pictures);
      } catch (e) {
        if (e instanceof CancelledError || o.signal?.aborted) throw e;
        const error = (e as Error).message;
        failed.push({ file: it.path, rel: it.rel, error });
        log(`Skipped ${it.rel}: ${error}`);
      }
    }
    o.emit({ type: 'progress', phase: 'audit', done: items.length, total: items.length });
  } finally {
    cam.dispose();
    model.dispose();
  }

  const name = auditName(split, method.id);
  const auditDir = path.join(run.dir, RUN_FILES.audit);
  const galleryDir = path.join(auditDir, name);
  await fs.rm(galleryDir, { recursive: true, force: true });
  await fs.mkdir(galleryDir, { recursive: true });
  for (const img of images) {
    const picture = pictures.get(img.rel);
    if (!picture) continue;
    img.overlay = path.join(galleryDir, `${img.rel.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/\.[A-Za-z0-9]+$/, '')}.png`);
    await writeAuditOverlay(img.overlay, { ...picture, size: grid, band: Math.round(grid * BORDER_FRACTION) });
  }
  const { perClass, overall, verdict } = summarizeAudit(images, classes, AUDIT_THRESHOLDS);
  const source: AuditFile['masks']['source'] = masksDir ? 'folder' : items.some((it) => it.mask) ? 'dataset' : 'none';
  const file: AuditFile = {
    format: RUN_LAYOUT_VERSION, runId: run.info.id, split, method: method.id, layer, checkpoint: { which: o.checkpoint ?? 'best', epoch: meta.epoch },
    createdAt: new Date().toISOString(), grid, borderFraction: BORDER_FRACTION, gallery: GALLERY_SIZE, classes,
    masks: { source, ...(masksDir ? { dir: masksDir } : {}), ...masks }, splitImages: inSplit.length + undecodable,
    images, failed, perClass, overall, thresholds: AUDIT_THRESHOLDS, verdict,
    notes: auditNotes({ images, failed, classes, source, limit: o.limit, audited: items.length, inSplit: inSplit.length, split }),
  };
  const jsonPath = path.join(auditDir, `${name}.json`);
  await writeJsonAtomic(jsonPath, file);
  return { ...file, jsonPath };
}

/** Bilinear resize of a CAM to the audit grid (BaseCam's convention: half-pixel centres), clipped to [0,1]. */
function resizeMap(cam: Float32Array, width: number, height: number, size: number): Float32Array {
  if (width === size && height === size) return cam;
  return tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(cam, [1, height, width, 1]), [size, size], false, true).clipByValue(0, 1).dataSync() as Float32Array);
}

function areaOf(region: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < region.length; i++) n += region[i];
  return n / region.length;
}

/** The two rankings of the gallery, highest first: most mass outside the lungs (images with masks); most on borders and markers. */
export function galleryRankings(images: AuditImage[]): { outsideLungs: AuditImage[]; borderMarkers: AuditImage[] } {
  const by = (key: (i: AuditImage) => number | null) => images.filter((i) => key(i) !== null)
    .sort((a, b) => key(b)! - key(a)! || (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { outsideLungs: by((i) => (i.lungs === null ? null : 1 - i.lungs)), borderMarkers: by((i) => i.borderMarkers) };
}

/** Drops the pictures of images that can no longer enter either ranking's top GALLERY_SIZE. */
function keepRanked(images: AuditImage[], pictures: Map<string, Picture>): void {
  if (pictures.size <= 2 * GALLERY_SIZE) return;
  const { outsideLungs, borderMarkers } = galleryRankings(images);
  const keep = new Set([...outsideLungs.slice(0, GALLERY_SIZE), ...borderMarkers.slice(0, GALLERY_SIZE)].map((i) => i.rel));
  for (const rel of pictures.keys()) if (!keep.has(rel)) pictures.delete(rel);
}

/** `limit` images of the split, taken from each class in turn (file order within a class), so every class is seen. */
export function spreadOverClasses(items: ImageItem[], limit: number): ImageItem[] {
  const byClass = new Map<number, ImageItem[]>();
  for (const it of [...items].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))) byClass.set(it.label, [...(byClass.get(it.label) ?? []), it]);
  const queues = [...byClass.entries()].sort((a, b) => a[0] - b[0]).map(([, q]) => q);
  const out: ImageItem[] = [];
  for (let k = 0; out.length < Math.min(limit, items.length); k++) {
    for (const q of queues) if (k < q.length && out.length < limit) out.push(q[k]);
  }
  return out;
}

/** Sentences on what could not be measured: missing or unusable masks (per class), resized masks, flat maps, failures, the limit. */
export function auditNotes(o: {
  images: AuditImage[]; failed: AuditFile['failed']; classes: string[]; source: AuditFile['masks']['source']; limit?: number; audited: number; inSplit: number; split: string;
}): string[] {
  const notes: string[] = [];
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const perClass = (list: AuditImage[]) => o.classes.map((c, k) => [c, list.filter((i) => i.label === k).length] as const).filter(([, n]) => n > 0)
    .map(([c, n]) => `${c} ${n}`).join(', ');
  const noMask = o.images.filter((i) => i.mask === null && !i.note?.includes('its mask'));
  if (noMask.length > 0) {
    notes.push(o.source === 'none'
      ? `No lung masks were found (neither <Class>/masks/ beside the images nor --masks): all ${plural(noMask.length, 'image')} were audited on the border band and markers only.`
      : `${plural(noMask.length, 'image')} (${perClass(noMask)}) ${noMask.length === 1 ? 'has' : 'have'} no lung mask: audited on the border band and markers only.`);
  }
  const badMask = o.images.filter((i) => i.note?.includes('its mask'));
  if (badMask.length > 0) notes.push(`${plural(badMask.length, 'mask')} could not be used (${badMask.slice(0, 3).map((i) => i.note!.replace(/: audited.*$/, '')).join('; ')}${badMask.length > 3 ? '; …' : ''}): ${badMask.length === 1 ? 'that image was' : 'those images were'} audited on the border band and markers only.`);
  const resized = o.images.filter((i) => i.maskResized).length;
  if (resized > 0) notes.push(`${plural(resized, 'mask')} had another size than ${resized === 1 ? 'its image and was' : 'their images and were'} resized (nearest neighbour).`);
  const flat = o.images.filter((i) => i.border === null).length;
  if (flat > 0) notes.push(`${plural(flat, 'image')} ${flat === 1 ? 'has' : 'have'} a flat map (no positive evidence for the predicted class): left out of the means.`);
  if (o.failed.length > 0) notes.push(`${plural(o.failed.length, 'image')} could not be read or explained and ${o.failed.length === 1 ? 'is' : 'are'} listed as failed; the rest were audited.`);
  if (o.limit !== undefined && o.audited < o.inSplit) notes.push(`--limit ${o.limit}: ${o.audited} of the ${o.split} split's ${o.inSplit} readable images, taken from each class in turn.`);
  return notes;
}
