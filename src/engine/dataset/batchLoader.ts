/**
 * Streams batches from disk in the given order, decoding up to `prefetch` batches ahead of the consumer with
 * `concurrency` images in flight (sharp decodes on libuv's thread pool, so this overlaps with training).
 * Memory stays bounded: nothing is decoded before it is within `prefetch` batches of the one asked for.
 * A file that fails to decode is reported in `failed` and its batch is just smaller. Aborting the signal
 * rejects the pending `next()` at once with the signal's reason and starts no further decodes.
 */
import { errorText } from './decode';
import { decodeInto, type PreprocessOptions } from './preprocess';
import type { AugmentParams } from './augment/params';
import type { ImageItem } from './scan';

export interface Batch {
  /** n * size * size * 3, HWC, normalised. */
  x: Float32Array;
  labels: Int32Array;
  items: ImageItem[];
  failed: { item: ImageItem; error: string }[];
}

/** Decode one item into `out` at `offset` (size*size*3 floats); the default reads the file with preprocess. */
export type ItemDecoder = (item: ImageItem, flip: boolean, out: Float32Array, offset: number, augment?: AugmentParams) => Promise<void>;

export interface BatchLoaderOptions extends PreprocessOptions {
  /** Horizontal flip per item (index-aligned with items). */
  flips?: boolean[];
  /** A training preset's augmentation per item (index-aligned with items; undefined: none). */
  augment?: (AugmentParams | undefined)[];
  /** Batches decoded ahead of the one being consumed (default 2). */
  prefetch?: number;
  /** Images decoded at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Replace file decoding (tests, synthetic data). */
  decoder?: ItemDecoder;
}

export class BatchLoader implements AsyncIterable<Batch> {
  readonly numBatches: number;

  constructor(private readonly items: ImageItem[], private readonly batchSize: number, private readonly opts: BatchLoaderOptions) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`batchSize must be a positive whole number, got ${batchSize}.`);
    if (opts.flips && opts.flips.length !== items.length) throw new Error(`flips has ${opts.flips.length} entries for ${items.length} items.`);
    if (opts.augment && opts.augment.length !== items.length) throw new Error(`augment has ${opts.augment.length} entries for ${items.length} items.`);
    this.numBatches = Math.ceil(items.length / batchSize);
  }

  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    return new BatchIteration(this.items, this.batchSize, this.numBatches, this.opts);
  }
}

class BatchIteration implements AsyncIterator<Batch> {
  private nextIndex = 0;
  private scheduledUpTo = -1;
  private readonly pending = new Map<number, Promise<Batch>>();
  private readonly slots: Semaphore;
  private readonly prefetch: number;
  private readonly decode: ItemDecoder;

  constructor(private readonly items: ImageItem[], private readonly batchSize: number, private readonly numBatches: number,
    private readonly opts: BatchLoaderOptions) {
    this.prefetch = Math.max(0, Math.floor(opts.prefetch ?? 2));
    this.slots = new Semaphore(Math.max(1, Math.floor(opts.concurrency ?? 4)));
    this.decode = opts.decoder ?? ((item, flip, out, offset, augment) => decodeInto(item.path, opts, flip, out, offset, augment));
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = () => this.close();

  async next(): Promise<IteratorResult<Batch>> {
    const signal = this.opts.signal;
    if (signal?.aborted) { this.close(); throw signal.reason; }
    if (this.nextIndex >= this.numBatches || this.slots.closed) return { done: true, value: undefined };
    const k = this.nextIndex++;
    for (let i = this.scheduledUpTo + 1; i <= Math.min(k + this.prefetch, this.numBatches - 1); i++) {
      this.pending.set(i, this.build(i));
      this.scheduledUpTo = i;
    }
    const batch = this.pending.get(k)!;
    this.pending.delete(k);
    const value = await abortable(batch, signal);
    if (k === this.numBatches - 1) this.detach();
    return { done: false, value };
  }

  async return(): Promise<IteratorResult<Batch>> {
    this.close();
    return { done: true, value: undefined };
  }

  private close(): void {
    this.slots.close();
    this.pending.clear();
    this.detach();
  }

  /** One loader per epoch shares the run's signal: drop our listener so they do not pile up on it. */
  private detach(): void {
    this.opts.signal?.removeEventListener('abort', this.onAbort);
  }

  /** Never rejects: per-item errors go to `failed`. */
  private async build(index: number): Promise<Batch> {
    const start = index * this.batchSize;
    const items = this.items.slice(start, start + this.batchSize);
    const per = this.opts.imageSize * this.opts.imageSize * 3;
    const x = new Float32Array(items.length * per);
    const errors: (string | undefined)[] = await Promise.all(items.map(async (item, j) => {
      let release: (() => void) | undefined;
      try {
        release = await this.slots.acquire();
        await this.decode(item, this.opts.flips?.[start + j] ?? false, x, j * per, this.opts.augment?.[start + j]);
        return undefined;
      } catch (e) {
        return errorText(e);
      } finally {
        release?.();
      }
    }));
    const okIdx = items.flatMap((_, j) => (errors[j] === undefined ? [j] : []));
    const failed = items.flatMap((item, j) => (errors[j] === undefined ? [] : [{ item, error: errors[j]! }]));
    let packed = x;
    if (failed.length > 0) {
      packed = new Float32Array(okIdx.length * per);
      okIdx.forEach((j, k) => packed.set(x.subarray(j * per, (j + 1) * per), k * per));
    }
    return { x: packed, labels: Int32Array.from(okIdx, (j) => items[j].label), items: okIdx.map((j) => items[j]), failed };
  }
}

/** Counting semaphore, FIFO so earlier batches get their decodes first; close() fails every waiter. */
class Semaphore {
  private free: number;
  private readonly waiters: { resolve: (release: () => void) => void; reject: (e: Error) => void }[] = [];
  closed = false;

  constructor(n: number) {
    this.free = n;
  }

  acquire(): Promise<() => void> {
    if (this.closed) return Promise.reject(new Error('batch loader closed'));
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error('batch loader closed'));
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const w = this.closed ? undefined : this.waiters.shift();
      if (w) w.resolve(this.releaser());
      else this.free++;
    };
  }
}

function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}
