/** Decode + resize + normalise throughput of the training input path (BatchLoader with its defaults, random flips). */
import { BatchLoader } from '../src/engine/dataset/batchLoader';
import { decodeInto } from '../src/engine/dataset/preprocess';
import type { ImageItem } from '../src/engine/dataset/scan';
import type { Measured, PipelineTask } from './tasks';

export async function measurePipeline(t: PipelineTask): Promise<Omit<Measured, 'maxRssMB'>> {
  const opts = { imageSize: t.size, normalization: 'imagenet' as const };
  // Warm-up: sharp/libvips load and the first decodes are not what a long epoch sees.
  const scratch = new Float32Array(t.size * t.size * 3);
  for (const f of t.files.slice(0, 4)) await decodeInto(f, opts, false, scratch, 0);

  const items: ImageItem[] = t.files.map((f) => ({ path: f, rel: f, label: 0, className: 'x', patient: f }));
  const flips = items.map(() => Math.random() < 0.5);
  const samples: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  let last = t0;
  for await (const batch of new BatchLoader(items, t.batch, { ...opts, flips })) {
    failed += batch.failed.length;
    const now = performance.now();
    samples.push((now - last) / 1000);
    last = now;
  }
  if (failed > 0) throw new Error(`pipeline: ${failed} of ${items.length} files failed to decode (first: ${t.files[0]})`);
  const seconds = (performance.now() - t0) / 1000;
  return { value: items.length / seconds, samples, info: { images: items.length, seconds } };
}
