/**
 * Decoded images at the size the augmentations start from (preprocess.ts: the plain resize to size × size, 8-bit,
 * 1 or 3 channels — flips, rotations, zoom and lighting all act on these pixels afterwards), kept on disk so a
 * full-size X-ray (2–4k px: tens of ms to decode and shrink) is decoded once per size, not once per epoch.
 *
 *  - Keyed by the SHA-1 of the file's bytes and the size: an image replaced under the same name misses, the same image
 *    under another name or in another dataset hits. Within a process the hash is remembered per (path, inode, size,
 *    mtime), so later epochs only stat the file.
 *  - Stored only where it pays: a source of at least 4 × size² pixels (a 256-px PNG decodes about as fast as an entry
 *    reads, and would only fill the disk).
 *  - Bounded: past `maxBytes` the least recently used entries go (a hit touches its entry's mtime).
 *  - Entries (`<dir>/<2 hex>/<sha1>-<size>.px`: a 16-byte header, then the pixels) are written to a temporary file and
 *    renamed; one that is short or malformed is a miss. A cache that cannot be written (full disk, read-only
 *    workspace) only costs the decode.
 * Default place: `.cxr-lab/cache/decoded` of the workspace holding the run; CXR_LAB_DECODE_CACHE=0 turns it off,
 * CXR_LAB_DECODE_CACHE_MB bounds it (default 2048).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LAB_DIR } from '../../shared/runFiles';

export interface CachedPixels { data: Buffer; width: number; height: number; channels: 1 | 3 }
/** What a decode returns: the pixels at `size`, and the source's own size (whether caching pays). */
export interface DecodedPixels extends CachedPixels { sourceWidth: number; sourceHeight: number }

const MAGIC = Buffer.from('CXRPX1\0\0');
const HEADER = 16;
export const DEFAULT_CACHE_MB = 2048;
/** Sources smaller than this many times the output area are decoded every time. */
const MIN_SHRINK_AREA = 4;

export class DecodedImageCache {
  /** path → content hash, valid while the file's inode, size and mtime stay the same. */
  private readonly hashes = new Map<string, { stamp: string; hash: string }>();
  /** `<hash>-<size>` of sources too small to store. */
  private readonly small = new Set<string>();
  /** Bytes in the cache folder, read once when the first entry is stored. */
  private bytes?: number;
  private evicting?: Promise<void>;
  readonly stats = { hits: 0, misses: 0, stored: 0, evicted: 0 };

  constructor(readonly dir: string, readonly maxBytes = DEFAULT_CACHE_MB * 2 ** 20) {}

  /** The pixels of `file` at `size`: from the cache, else from `decode()` (and stored when worth it). */
  async pixels(file: string, size: number, decode: () => Promise<DecodedPixels>): Promise<CachedPixels> {
    const hash = await this.contentHash(file);
    const id = `${hash}-${size}`;
    if (this.small.has(id)) return decode();
    const entry = path.join(this.dir, hash.slice(0, 2), `${id}.px`);
    const hit = await readEntry(entry, size);
    if (hit) {
      this.stats.hits++;
      const now = new Date();
      void fs.utimes(entry, now, now).catch(() => undefined);
      return hit;
    }
    this.stats.misses++;
    const px = await decode();
    if (px.sourceWidth * px.sourceHeight < MIN_SHRINK_AREA * size * size) {
      this.small.add(id);
    } else {
      await this.store(entry, px).catch(() => undefined);
    }
    return { data: px.data, width: px.width, height: px.height, channels: px.channels };
  }

  private async contentHash(file: string): Promise<string> {
    const st = await fs.stat(file);
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    const known = this.hashes.get(file);
    if (known?.stamp === stamp) return known.hash;
    const hash = createHash('sha1').update(await fs.readFile(file)).digest('hex');
    this.hashes.set(file, { stamp, hash });
    return hash;
  }

  private async store(entry: string, px: CachedPixels): Promise<void> {
    const header = Buffer.alloc(HEADER);
    MAGIC.copy(header, 0);
    header.writeUInt16LE(px.width, 8);
    header.writeUInt16LE(px.height, 10);
    header.writeUInt8(px.channels, 12);
    await fs.mkdir(path.dirname(entry), { recursive: true });
    this.bytes ??= await folderBytes(this.dir); // before this entry is in it
    const tmp = `${entry}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await fs.writeFile(tmp, Buffer.concat([header, px.data]));
      await fs.rename(tmp, entry);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    this.stats.stored++;
    this.bytes += HEADER + px.data.length;
    if (this.bytes > this.maxBytes) {
      this.evicting ??= this.evict().finally(() => { this.evicting = undefined; });
      await this.evicting;
    }
  }

  /** Least recently used first, down to 90 % of the bound (so the next few stores do not evict again). */
  private async evict(): Promise<void> {
    const entries: { file: string; size: number; mtimeMs: number }[] = [];
    for (const e of await fs.readdir(this.dir, { withFileTypes: true, recursive: true })) {
      if (!e.isFile() || !e.name.endsWith('.px')) continue;
      const file = path.join(e.parentPath, e.name);
      const st = await fs.stat(file).catch(() => undefined);
      if (st) entries.push({ file, size: st.size, mtimeMs: st.mtimeMs });
    }
    let total = entries.reduce((s, e) => s + e.size, 0);
    entries.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const e of entries) {
      if (total <= 0.9 * this.maxBytes) break;
      await fs.rm(e.file, { force: true });
      total -= e.size;
      this.stats.evicted++;
    }
    this.bytes = total;
  }
}

async function readEntry(entry: string, size: number): Promise<CachedPixels | undefined> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(entry);
  } catch {
    return undefined;
  }
  if (buf.length < HEADER || !buf.subarray(0, 8).equals(MAGIC)) return undefined;
  const width = buf.readUInt16LE(8);
  const height = buf.readUInt16LE(10);
  const channels = buf.readUInt8(12);
  if (width !== size || height !== size || (channels !== 1 && channels !== 3) || buf.length !== HEADER + width * height * channels) return undefined;
  return { data: buf.subarray(HEADER), width, height, channels };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (e.isFile() && e.name.endsWith('.px')) total += (await fs.stat(path.join(e.parentPath, e.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

const caches = new Map<string, DecodedImageCache>();

/**
 * The cache for a run: `.cxr-lab/cache/decoded` of the workspace whose `.cxr-lab` holds the run (a run elsewhere:
 * `.cxr-lab` beside it); one instance per folder in this process. Undefined when CXR_LAB_DECODE_CACHE=0.
 */
export function decodedCacheFor(runDir: string, env: NodeJS.ProcessEnv = process.env): DecodedImageCache | undefined {
  if (env.CXR_LAB_DECODE_CACHE === '0') return undefined;
  let lab = path.join(path.dirname(path.resolve(runDir)), LAB_DIR);
  for (let d = path.resolve(runDir); path.dirname(d) !== d; d = path.dirname(d)) {
    if (path.basename(d) === LAB_DIR) { lab = d; break; }
  }
  const dir = path.join(lab, 'cache', 'decoded');
  const mb = Number(env.CXR_LAB_DECODE_CACHE_MB);
  const maxBytes = (Number.isFinite(mb) && mb > 0 ? mb : DEFAULT_CACHE_MB) * 2 ** 20;
  let cache = caches.get(dir);
  if (!cache || cache.maxBytes !== maxBytes) caches.set(dir, cache = new DecodedImageCache(dir, maxBytes));
  return cache;
}
