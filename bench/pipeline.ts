/**
 * Decode + resize + normalise throughput of the training input path (BatchLoader with its defaults, random flips), and with
 * a preset's augmentations drawn as training draws them (epochInputs: rotation, zoom, lighting for 'recommended').
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchLoader } from '../src/engine/dataset/batchLoader';
import { DecodedImageCache } from '../src/engine/dataset/decodedCache';
import { decodeInto } from '../src/engine/dataset/preprocess';
import type { ImageItem } from '../src/engine/dataset/scan';
import { createRng } from '../src/engine/random';
import { epochInputs } from '../src/engine/train/epochInputs';
import type { Measured, PipelineTask } from './tasks';

export async function measurePipeline(t: PipelineTask): Promise<Omit<Measured, 'maxRssMB'>> {
  // cached: the decoded-image cache as training uses it from its second epoch on — filled by one untimed pass over the
  // files (in a temporary folder), then measured.
  const cacheDir = t.cached ? mkdtempSync(path.join(os.tmpdir(), 'cxr-bench-decoded-')) : undefined;
  const cache = cacheDir ? new DecodedImageCache(cacheDir) : undefined;
  try {
    return await measure(t, cache);
  } finally {
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  }
}

async function measure(t: PipelineTask, cache: DecodedImageCache | undefined): Promise<Omit<Measured, 'maxRssMB'>> {
  const opts = { imageSize: t.size, normalization: 'imagenet' as const, cache };
  // Warm-up: sharp/libvips load and the first decodes are not what a long epoch sees.
  const scratch = new Float32Array(t.size * t.size * 3);
  for (const f of t.files.slice(0, 4)) await decodeInto(f, opts, false, scratch, 0);

  const items: ImageItem[] = t.files.map((f) => ({ path: f, rel: f, label: 0, className: 'x', patient: f }));
  // The files in their order (no resampling), flips and augmentations as epoch 0 of a seed-1 training draws them.
  const { flips, augment } = epochInputs(items, { sampler: 'shuffle', preset: t.preset ?? 'reference' }, createRng(1), 0);
  if (cache) for await (const _ of new BatchLoader(items, t.batch, opts)) { /* fills the cache */ }
  const samples: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  let last = t0;
  for await (const batch of new BatchLoader(items, t.batch, { ...opts, flips, augment })) {
    failed += batch.failed.length;
    const now = performance.now();
    samples.push((now - last) / 1000);
    last = now;
  }
  if (failed > 0) throw new Error(`pipeline: ${failed} of ${items.length} files failed to decode (first: ${t.files[0]})`);
  const seconds = (performance.now() - t0) / 1000;
  return { value: items.length / seconds, samples, info: { images: items.length, seconds, preset: t.preset ?? 'reference', ...(cache ? { cache: { ...cache.stats } } : {}) } };
}
