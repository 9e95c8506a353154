/**
 * `cxr-lab samples` / "Show Samples": a seeded draw of `perClass` images per class, each shown as the network sees it and
 * as the preset augments it (the flip and strengths drawn for it, as training would draw them), each class's intensity
 * histogram (over a seeded sample of `histogramImages` images) and the stored sizes of all its images. Writes the grid PNG
 * and/or the thumbnails when asked; nothing else is written.
 */
import * as path from 'node:path';
import sharp from 'sharp';
import type { JobEventSink, SamplesRequest } from '../../shared/engineProtocol';
import {
  DEFAULT_HISTOGRAM_IMAGES, DEFAULT_SAMPLES_PER_CLASS, HISTOGRAM_BINS, MAX_SAMPLES_PER_CLASS,
  type SampleClass, type SampleImage, type SamplesResult, type SizeSummary,
} from '../../shared/samples';
import { openImage } from '../dataset/decode';
import { loadAugmentedDisplayImage, loadDisplayImage } from '../dataset/preprocess';
import { scanDataset, type ImageItem } from '../dataset/scan';
import { describeAugment, drawAugment } from '../dataset/augment/params';
import { presetOf } from '../dataset/augment/presets';
import { renderSampleGridPng, type Thumbnails } from '../dataset/sampleGrid';
import { CancelledError, ConfigError } from '../errors';
import { writeFileAtomic } from '../io/atomic';
import { createRng } from '../random';

export type SamplesOptions = Omit<SamplesRequest, 'type' | 'id'> & { signal?: AbortSignal; emit: JobEventSink };

const DEFAULT_THUMBNAIL = 160;

export async function sampleGrid(o: SamplesOptions): Promise<SamplesResult> {
  const started = performance.now();
  const perClass = o.perClass ?? DEFAULT_SAMPLES_PER_CLASS;
  if (!Number.isInteger(perClass) || perClass < 1 || perClass > MAX_SAMPLES_PER_CLASS) throw new ConfigError(`perClass must be a whole number from 1 to ${MAX_SAMPLES_PER_CLASS}, got ${perClass}.`);
  const thumbnail = o.thumbnail ?? DEFAULT_THUMBNAIL;
  if (!Number.isInteger(thumbnail) || thumbnail < 32 || thumbnail > 512) throw new ConfigError(`thumbnail must be a whole number of pixels from 32 to 512, got ${thumbnail}.`);
  const histogramImages = o.histogramImages ?? DEFAULT_HISTOGRAM_IMAGES;
  const presetName = o.preset ?? 'recommended';
  const preset = presetOf(presetName);
  const seed = o.seed ?? 42;
  // Headers only: the images shown are decoded below, and one that fails is reported there.
  const scan = await scanDataset(path.resolve(o.root), { verify: false, signal: o.signal, onProgress: (done, total) => o.emit({ type: 'progress', phase: 'scan', done, total }) });
  const rng = createRng(seed).fork('samples');
  const flipP = preset.transforms.find((t) => t.name === 'hflip')?.p ?? 0;
  const byClass = scan.classes.map((c) => rng.fork(`class ${c}`).shuffle(scan.items.filter((it) => it.className === c)));
  const total = scan.items.length + byClass.reduce((n, items) => n + Math.min(histogramImages, items.length) + Math.min(perClass, items.length), 0);
  let done = 0;
  const tick = () => {
    if (o.signal?.aborted) throw new CancelledError();
    o.emit({ type: 'progress', phase: 'samples', done: ++done, total });
  };

  const classes: SampleClass[] = [];
  const thumbs: Thumbnails[][] = [];
  for (const [k, items] of byClass.entries()) {
    const size = await sizeSummary(items, tick);
    const histogram = await intensityHistogram(items.slice(0, histogramImages), tick);
    const samples: SampleImage[] = [];
    const row: Thumbnails[] = [];
    for (const item of items) {
      if (samples.length >= perClass) break;
      // Each image's own stream: the same image gets the same draw whatever else is drawn.
      const r = rng.fork(`augment ${item.rel}`);
      const flip = r.next() < flipP;
      const params = drawAugment(preset.transforms, r);
      try {
        const t = {
          original: await png(await loadDisplayImage(item.path, thumbnail)),
          augmented: await png(await loadAugmentedDisplayImage(item.path, thumbnail, flip, params)),
        };
        const info = (await openImage(item.path)).info;
        const base = `${k}-${samples.length}-seed${seed}-${presetName}`;
        const files = o.thumbnailsDir ? { original: path.join(o.thumbnailsDir, `${base}-original.png`), augmented: path.join(o.thumbnailsDir, `${base}-augmented.png`) } : undefined;
        if (files) {
          await writeFileAtomic(files.original, t.original);
          await writeFileAtomic(files.augmented, t.augmented);
        }
        samples.push({ file: item.path, rel: item.rel, width: info.width, height: info.height, ...files, augmentation: describeAugment(params, flip) });
        row.push(t);
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        o.emit({ type: 'log', level: 'warn', message: `Skipped ${item.rel}: ${(e as Error).message}` });
      }
      tick();
    }
    classes.push({ className: scan.classes[k], images: items.length, samples, histogram, size });
    thumbs.push(row);
  }
  const result: SamplesResult = { root: scan.root, preset: presetName, seed, perClass, thumbnail, classes, seconds: 0 };
  if (o.png) {
    await renderSampleGridPng(result, thumbs, path.resolve(o.png));
    result.png = path.resolve(o.png);
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

async function png(img: { data: Buffer; width: number; height: number }): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();
}

/** Stored width and height of every image (headers only). */
async function sizeSummary(items: ImageItem[], tick: () => void): Promise<SizeSummary> {
  const widths: number[] = [], heights: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      const info = await openImage(item.path).then((i) => i.info, () => undefined);
      if (info) { widths.push(info.width); heights.push(info.height); }
      tick();
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? s[(s.length - 1) >> 1] : 0;
  };
  return {
    images: widths.length, minWidth: widths.length ? Math.min(...widths) : 0, medianWidth: med(widths), maxWidth: widths.length ? Math.max(...widths) : 0,
    minHeight: heights.length ? Math.min(...heights) : 0, medianHeight: med(heights), maxHeight: heights.length ? Math.max(...heights) : 0,
  };
}

/** Share of pixels per bin of the grey value (the mean of R, G, B), at 128 px, over `items`. */
async function intensityHistogram(items: ImageItem[], tick: () => void): Promise<SampleClass['histogram']> {
  const counts = new Float64Array(HISTOGRAM_BINS);
  let n = 0, sum = 0, sumSq = 0, images = 0;
  for (const item of items) {
    const img = await loadDisplayImage(item.path, 128).catch(() => undefined);
    if (img) {
      images++;
      for (let i = 0; i < img.width * img.height; i++) {
        const v = (img.data[i * 3] + img.data[i * 3 + 1] + img.data[i * 3 + 2]) / 3;
        counts[Math.min(HISTOGRAM_BINS - 1, Math.floor((v * HISTOGRAM_BINS) / 256))]++;
        n++; sum += v; sumSq += v * v;
      }
    }
    tick();
  }
  const mean = n ? sum / n : 0;
  return { bins: Array.from(counts, (c) => (n ? c / n : 0)), images, mean, std: n ? Math.sqrt(Math.max(0, sumSq / n - mean * mean)) : 0 };
}
