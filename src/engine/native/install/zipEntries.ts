/**
 * Streams chosen entries out of a zip (a Python wheel) to disk with fflate's streaming Unzip: the archive is read
 * once in 1 MB chunks and only the picked entries are inflated, so a 260 MB wheel holding 780 MB of libraries never
 * sits in memory. Each file is written as `<dest>.part` and renamed when complete.
 */
import { closeSync, createReadStream, mkdirSync, openSync, promises as fs, renameSync, rmSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { Unzip, UnzipInflate } from 'fflate';

export interface ZipExtractOptions {
  signal?: AbortSignal;
  /** Bytes of the archive read so far, and its size. */
  onProgress?(read: number, total: number): void;
}

/**
 * Extracts the entries for which `pick(name)` returns a destination path; returns the paths written.
 * An entry picked twice (the same destination) is written once.
 */
export async function extractZipEntries(file: string, pick: (entryName: string) => string | undefined, opts: ZipExtractOptions = {}): Promise<string[]> {
  const total = (await fs.stat(file)).size;
  const written: string[] = [];
  const open = new Map<string, number>();
  let failure: Error | undefined;
  const unzip = new Unzip((entry) => {
    const dest = pick(entry.name);
    if (!dest || open.has(dest) || written.includes(dest)) return; // not started: fflate skips its bytes
    mkdirSync(path.dirname(dest), { recursive: true });
    const fd = openSync(`${dest}.part`, 'w');
    open.set(dest, fd);
    entry.ondata = (err, chunk, final) => {
      if (failure) return;
      try {
        if (err) throw err;
        writeSync(fd, chunk);
        if (final) {
          closeSync(fd);
          open.delete(dest);
          renameSync(`${dest}.part`, dest);
          written.push(dest);
        }
      } catch (e) {
        failure = new Error(`${path.basename(file)}: cannot extract ${entry.name}: ${(e as Error).message}`);
      }
    };
    entry.start();
  });
  unzip.register(UnzipInflate);
  let read = 0;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      opts.signal?.throwIfAborted();
      unzip.push(chunk as Buffer);
      if (failure) throw failure;
      read += (chunk as Buffer).length;
      opts.onProgress?.(read, total);
    }
    unzip.push(new Uint8Array(0), true);
    if (failure) throw failure;
  } catch (e) {
    for (const [dest, fd] of open) { closeSync(fd); rmSync(`${dest}.part`, { force: true }); }
    if (opts.signal?.aborted) throw e;
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(path.basename(file)) ? msg : `${file} is not a readable zip/wheel (${msg}); download it again.`, { cause: e });
  }
  if (open.size) {
    for (const [dest, fd] of open) { closeSync(fd); rmSync(`${dest}.part`, { force: true }); }
    throw new Error(`${file} ends in the middle of ${[...open.keys()].map((d) => path.basename(d)).join(', ')}: the download is incomplete; download it again.`);
  }
  return written;
}
