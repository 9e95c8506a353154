import { createHash, type Hash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Checksum, WeightSource } from './sources';
import { weightsCacheDir } from '../../shared/node/weightsCache';

/**
 * Downloads ImageNet weight files into a per-user cache, resumably and checked:
 *  - `<cacheDir>/<fileName>` is only ever a complete, verified file (written as `<fileName>.part`, renamed);
 *  - `<fileName>.verified` records size, mtime and the checksum it passed, so a 500 MB file is hashed once;
 *  - a broken download keeps its `.part` and the next call resumes it with an HTTP Range request.
 *
 * Environment:
 *  - CXR_LAB_CACHE: the weights cache directory itself (default $XDG_CACHE_HOME/cxr-lab/weights, else
 *    ~/.cache/cxr-lab/weights).
 *  - CXR_LAB_WEIGHTS_MIRROR: base URL of an internal mirror (hospitals without internet access). It replaces
 *    the origin and keeps the path, so https://download.pytorch.org/models/resnet18-f37072fd.pth is fetched
 *    from <mirror>/models/resnet18-f37072fd.pth and the Keras files from
 *    <mirror>/tensorflow/keras-applications/<dir>/<file>. Checksums are verified all the same.
 */

export interface DownloadOptions {
  cacheDir?: string;
  /** At most every ~100 ms while bytes arrive, plus a final call with the complete size. */
  onProgress?(received: number, total: number | undefined): void;
  /** Aborting keeps the `.part` file, so the next call resumes. */
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
  /** Give up when no byte arrives for this long, connecting included (default 60 s). */
  stallTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** What the messages call the file (default "<arch> ImageNet weights"). */
  label?: string;
  /** What to do when it cannot be downloaded (default: import-weights advice). */
  advice?: string;
}

/** What downloadToCache needs of a source: a weights file's, or any other checked file's (the TensorFlow wheel). */
export type DownloadSource = Pick<WeightSource, 'url' | 'fileName' | 'checksum'> & { arch?: string };

export type DownloadErrorKind = 'offline' | 'http' | 'interrupted' | 'checksum';

/** A download that failed for a reason the user can act on; `kind` lets callers and tests tell them apart. */
export class WeightsDownloadError extends Error {
  constructor(message: string, readonly kind: DownloadErrorKind) {
    super(message);
    this.name = 'WeightsDownloadError';
  }
}

const PROGRESS_INTERVAL_MS = 100;
const DEFAULT_STALL_MS = 60_000;

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return weightsCacheDir(env);
}

/** The URL actually fetched: the official one, or the same path under CXR_LAB_WEIGHTS_MIRROR. */
export function resolveDownloadUrl(url: string, env: NodeJS.ProcessEnv = process.env): string {
  const mirror = env.CXR_LAB_WEIGHTS_MIRROR?.trim();
  if (!mirror) return url;
  const official = new URL(url);
  return mirror.replace(/\/+$/, '') + official.pathname + official.search;
}

/** mtime rounded to whole ms: copies and utimes() land a hair off the exact value. */
interface VerifiedRecord { size: number; mtimeMs: number; checksum: Checksum | null }

const sidecarOf = (file: string) => `${file}.verified`;

function sameChecksum(recorded: Checksum | null, wanted: Checksum | undefined): boolean {
  if (!recorded || !wanted) return !recorded && !wanted;
  return recorded.algorithm === wanted.algorithm && recorded.hex.toLowerCase() === wanted.hex.toLowerCase();
}

function matches(digest: string, expected: Checksum): boolean {
  const hex = expected.hex.toLowerCase();
  return expected.prefixOnly ? digest.startsWith(hex) : digest === hex;
}

async function hashFile(file: string, algorithm: Checksum['algorithm'], into?: Hash): Promise<Hash> {
  const hash = into ?? createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash;
}

async function statOrUndefined(file: string) {
  return fs.stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
}

async function writeSidecar(file: string, checksum: Checksum | undefined): Promise<void> {
  const stat = await fs.stat(file);
  const record: VerifiedRecord = { size: stat.size, mtimeMs: Math.round(stat.mtimeMs), checksum: checksum ?? null };
  await fs.writeFile(sidecarOf(file), JSON.stringify(record));
}

function checksumMessage(source: DownloadSource, where: string, expected: Checksum, actual: string): string {
  const want = `${expected.algorithm} ${expected.hex}${expected.prefixOnly ? '…' : ''}`;
  return `Checksum mismatch for ${source.fileName} (${where}): expected ${want}, got ${actual}. The file was deleted; run again to download it anew.`;
}

/** The cached file when present and valid; hashes it only when no matching `.verified` record exists. */
async function cachedFile(source: DownloadSource, target: string): Promise<string | undefined> {
  const stat = await statOrUndefined(target);
  if (!stat?.isFile()) return undefined;
  const record = await fs.readFile(sidecarOf(target), 'utf8').then((t) => JSON.parse(t) as VerifiedRecord).catch(() => undefined);
  if (record && record.size === stat.size && record.mtimeMs === Math.round(stat.mtimeMs) && sameChecksum(record.checksum, source.checksum)) {
    return target;
  }
  // A file put here by hand, or one verified against another checksum: check it once.
  if (source.checksum) {
    const digest = (await hashFile(target, source.checksum.algorithm)).digest('hex');
    if (!matches(digest, source.checksum)) {
      await fs.rm(target, { force: true });
      await fs.rm(sidecarOf(target), { force: true });
      throw new WeightsDownloadError(checksumMessage(source, `cached at ${target}`, source.checksum, digest), 'checksum');
    }
  }
  await writeSidecar(target, source.checksum);
  return target;
}

function errorDetail(err: unknown): string {
  const e = err as { cause?: unknown; message?: string; code?: string; errors?: unknown[] };
  // fetch wraps the socket error: TypeError('fetch failed', { cause: Error('getaddrinfo ENOTFOUND host') }).
  const inner = (e?.cause ?? e) as { message?: string; code?: string; errors?: { message?: string }[] };
  const first = inner?.errors?.[0]?.message;
  return inner?.message || first || inner?.code || String(err);
}

function bytesText(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${n} bytes`;
}

/** Total size from `Content-Range: bytes a-b/total` or `bytes *\/total`. */
function rangeTotal(header: string | null): number | undefined {
  const m = /\/(\d+)\s*$/.exec(header ?? '');
  return m ? Number(m[1]) : undefined;
}

function rangeStart(header: string | null): number | undefined {
  const m = /^bytes\s+(\d+)-/.exec(header ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * The path of a verified copy of `source` in the cache, downloading (or resuming) it when needed.
 * Errors are one line, name the URL and say what to do on an offline machine.
 */
export async function downloadToCache(source: DownloadSource, opts: DownloadOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const cacheDir = opts.cacheDir ?? defaultCacheDir(env);
  const target = path.join(cacheDir, source.fileName);
  const cached = await cachedFile(source, target);
  if (cached) return cached;

  const url = resolveDownloadUrl(source.url, env);
  const part = `${target}.part`;
  const fetchImpl = opts.fetchImpl ?? fetch;
  const stallMs = opts.stallTimeoutMs ?? DEFAULT_STALL_MS;
  const label = opts.label ?? `${source.arch} ImageNet weights`;
  const advice = opts.advice ?? `download the file elsewhere and run \`cxr-lab import-weights <file> --arch ${source.arch} --out <dir>\`, or put it in ${cacheDir}.`;
  const offline = (detail: string) => new WeightsDownloadError(
    `Cannot download ${label} from ${url} (${detail}). This machine seems offline: ${advice}`, 'offline');
  await fs.mkdir(cacheDir, { recursive: true });

  opts.signal?.throwIfAborted();
  const controller = new AbortController();
  const onUserAbort = () => controller.abort(opts.signal!.reason);
  opts.signal?.addEventListener('abort', onUserAbort, { once: true });
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const armStallTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => { stalled = true; controller.abort(new Error('stalled')); }, stallMs);
  };

  let digest: string | undefined;
  try {
    let offset = (await statOrUndefined(part))?.size ?? 0;
    for (let attempt = 0; ; attempt++) {
      armStallTimer();
      let response: Response;
      try {
        response = await fetchImpl(url, {
          // identity: a compressed body would break Content-Length and byte offsets for Range.
          headers: { 'Accept-Encoding': 'identity', ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}) },
          redirect: 'follow',
          signal: controller.signal,
        });
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason;
        throw offline(stalled ? `no answer for ${stallMs / 1000} s` : errorDetail(err));
      }

      let total: number | undefined;
      let append = false;
      if (response.status === 416 && offset > 0) {
        // Range past the end: the .part is already complete (hashed below), or stale; then start over once.
        await response.body?.cancel();
        if (rangeTotal(response.headers.get('content-range')) === offset) break;
        if (attempt > 0) throw new WeightsDownloadError(`Cannot download ${label} from ${url} (HTTP 416 for a fresh download).`, 'http');
        await fs.rm(part, { force: true });
        offset = 0;
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
        throw new WeightsDownloadError(`Cannot download ${label} from ${url} (${status}): ${advice}`, 'http');
      }
      if (response.status === 206) {
        const start = rangeStart(response.headers.get('content-range'));
        if (start !== offset) {
          await response.body?.cancel();
          if (attempt > 0) throw new WeightsDownloadError(`Cannot download ${label} from ${url} (a Range request for byte ${offset} was answered from byte ${start}).`, 'http');
          await fs.rm(part, { force: true });
          offset = 0;
          continue;
        }
        append = true;
        total = rangeTotal(response.headers.get('content-range'));
      } else {
        // 200: a fresh download, or a server that ignores Range; either way the body starts at byte 0.
        offset = 0;
        const length = response.headers.get('content-length');
        total = length !== null ? Number(length) : undefined;
      }

      const hash = source.checksum ? createHash(source.checksum.algorithm) : undefined;
      if (append && hash) await hashFile(part, source.checksum!.algorithm, hash);
      let received = offset;
      // Awaited writes: what is in the .part when this fails is exactly what was received.
      const out = await fs.open(part, append ? 'a' : 'w');
      let lastReport = Date.now();
      try {
        const reader = response.body?.getReader();
        while (reader) {
          const { done, value } = await reader.read();
          if (done) break;
          armStallTimer();
          await out.write(value);
          hash?.update(value);
          received += value.byteLength;
          const now = Date.now();
          if (opts.onProgress && now - lastReport >= PROGRESS_INTERVAL_MS) { lastReport = now; opts.onProgress(received, total); }
        }
      } catch (err) {
        await out.close();
        if (opts.signal?.aborted) throw opts.signal.reason;
        const why = stalled ? `no data for ${stallMs / 1000} s` : errorDetail(err);
        throw new WeightsDownloadError(
          `Download of ${label} from ${url} was interrupted at ${bytesText(received)}${total ? ` of ${bytesText(total)}` : ''} (${why}); ${part} is kept: run again to resume.`,
          'interrupted');
      }
      await out.close();
      if (total !== undefined && received !== total) {
        throw new WeightsDownloadError(
          `Download of ${label} from ${url} ended at ${bytesText(received)} of ${bytesText(total)}; ${part} is kept: run again to resume.`,
          'interrupted');
      }
      opts.onProgress?.(received, total);
      digest = hash?.digest('hex');
      break;
    }
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onUserAbort);
    controller.abort(); // releases a response body left unread by an error
  }

  if (source.checksum) {
    digest ??= (await hashFile(part, source.checksum.algorithm)).digest('hex');
    if (!matches(digest, source.checksum)) {
      await fs.rm(part, { force: true });
      throw new WeightsDownloadError(checksumMessage(source, `from ${url}`, source.checksum, digest), 'checksum');
    }
  }
  // Same directory, so the rename is atomic: readers see no file or the whole verified file.
  await fs.rename(part, target);
  await writeSidecar(target, source.checksum);
  return target;
}
