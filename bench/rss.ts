/**
 * Peak RSS of a real training run (the trainer the CLI and the extension use) for one epoch on `images` images:
 * symlinks in a temp dir cycling through ../shared/data/cxr, so 10,000 images cost no disk and nothing is copied.
 * Flat RSS from 1k to 10k images shows batches stream from disk instead of being loaded up front.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { train } from '../src/engine/train/trainer';
import type { Measured, RssTask } from './tasks';

const IMAGE = /\.(png|jpe?g)$/i;

/** `<tmp>/<class>/<i>-<name>` links, classes taken in turn so every class keeps its share. */
export async function linkDataset(source: string, images: number, dir: string): Promise<void> {
  const classes = (await fs.readdir(source, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const files = await Promise.all(classes.map(async (c) => (await fs.readdir(path.join(source, c))).filter((f) => IMAGE.test(f)).sort()));
  if (classes.length < 2 || files.some((f) => f.length === 0)) throw new Error(`rss: ${source} needs at least two class folders with images`);
  for (const c of classes) await fs.mkdir(path.join(dir, c), { recursive: true });
  for (let i = 0; i < images; i++) {
    const k = i % classes.length;
    const name = files[k][Math.floor(i / classes.length) % files[k].length];
    await fs.symlink(path.join(source, classes[k], name), path.join(dir, classes[k], `${i}-${name}`));
  }
}

export async function measureTrainingRss(t: RssTask): Promise<Omit<Measured, 'maxRssMB'>> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-bench-rss-'));
  try {
    const data = path.join(tmp, 'data');
    await linkDataset(t.source, t.images, data);
    const t0 = performance.now();
    let batches = 0;
    // RSS sampled at every progress event, per phase (scan, train, validate): says where a peak comes from.
    const peaks: Record<string, number> = {};
    const result = await train({
      dataset: data,
      runDir: path.join(tmp, 'run'),
      config: { arch: t.arch, imageSize: t.size, epochs: 1, batchSize: 20, valPerClass: 10, testPerClass: 10 },
      emit: (e) => {
        if (e.type !== 'progress') return;
        if (e.phase === 'train') batches = e.done;
        const key = `${e.phase}PeakMB`;
        peaks[key] = Math.max(peaks[key] ?? 0, Math.round(process.memoryUsage.rss() / 2 ** 20));
      },
    });
    if (result.status !== 'completed') throw new Error(`rss: training run ended '${result.status}' in ${result.runDir}`);
    const seconds = (performance.now() - t0) / 1000;
    return { value: process.resourceUsage().maxRSS / 1024, samples: [], info: { images: t.images, batches, seconds, ...peaks, ...memoryParts() } };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** Where the RSS sits at the end (MB): the wasm heap only grows, V8's heap and Buffers come and go. */
function memoryParts(): Record<string, number> {
  const mb = (b: number) => Math.round(b / 2 ** 20);
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.buffer.byteLength;
  const m = process.memoryUsage();
  return { rssEndMB: mb(m.rss), wasmHeapMB: heap ? mb(heap) : -1, v8HeapMB: mb(m.heapTotal), externalMB: mb(m.external) };
}
