import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { defaultCacheDir, downloadToCache, resolveDownloadUrl, WeightsDownloadError } from '../../src/engine/weights/download';
import { listModels } from '../../src/engine/models/index';
import { imagenetSource, torchvisionHashPrefix, type Checksum, type WeightSource } from '../../src/engine/weights/sources';

// A local server whose answers each test scripts; nothing here touches the real network.
type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let handler: Handler = (_req, res) => res.writeHead(500).end();
const requests: { url: string; range?: string }[] = [];
const server = http.createServer((req, res) => {
  requests.push({ url: req.url ?? '', range: req.headers.range });
  handler(req, res);
});
let base = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let cacheDir = '';
beforeEach(async () => {
  requests.length = 0;
  cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-dl-'));
});

const DATA = randomBytes(64 * 1024 + 123);
const digest = (algorithm: 'sha256' | 'md5', data: Buffer = DATA) => createHash(algorithm).update(data).digest('hex');

function source(checksum: Checksum | undefined, urlPath = '/w/resnet18-test.pth'): WeightSource {
  return { url: base + urlPath, fileName: path.basename(urlPath), checksum, arch: 'resnet18', format: 'pth' };
}
const SHA = (): Checksum => ({ algorithm: 'sha256', hex: digest('sha256') });

/** Serves `data` honouring `Range: bytes=N-` with 206, like download.pytorch.org. */
function serveWithRange(data: Buffer): Handler {
  return (req, res) => {
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (!m) { res.writeHead(200, { 'Content-Length': data.length }).end(data); return; }
    const start = Number(m[1]);
    if (start >= data.length) { res.writeHead(416, { 'Content-Range': `bytes */${data.length}` }).end(); return; }
    res.writeHead(206, { 'Content-Length': data.length - start, 'Content-Range': `bytes ${start}-${data.length - 1}/${data.length}` });
    res.end(data.subarray(start));
  };
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(() => true, () => false);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try { await p; } catch (err) { return err as Error; }
  assert.fail('expected the download to fail');
}

describe('downloadToCache', () => {
  it('downloads, verifies the sha256 and leaves no .part behind', async () => {
    handler = serveWithRange(DATA);
    const file = await downloadToCache(source(SHA()), { cacheDir });
    assert.equal(file, path.join(cacheDir, 'resnet18-test.pth'));
    assert.deepEqual(await fs.readFile(file), DATA);
    assert.equal(await exists(`${file}.part`), false);
    assert.equal(await exists(`${file}.verified`), true);
    assert.equal(requests.length, 1);
    assert.equal(requests[0].range, undefined);
  });

  it('returns a cached file without a request and without re-hashing it; a changed file is checked again', async () => {
    handler = serveWithRange(DATA);
    const file = await downloadToCache(source(SHA()), { cacheDir });
    assert.equal(requests.length, 1);
    // Same size and mtime but different bytes: the .verified record vouches for it, so no hash is taken.
    const { atime, mtimeMs } = await fs.stat(file);
    const mtime = new Date(Math.round(mtimeMs)); // the whole milliseconds the record keeps
    const tampered = Buffer.from(DATA);
    tampered[10] ^= 0xff;
    await fs.writeFile(file, tampered);
    await fs.utimes(file, atime, mtime);
    assert.equal(await downloadToCache(source(SHA()), { cacheDir }), file);
    assert.equal(requests.length, 1);
    // A new mtime invalidates the record: the file is hashed, found wrong and removed.
    await fs.utimes(file, atime, new Date(mtime.getTime() + 5000));
    const err = await rejection(downloadToCache(source(SHA()), { cacheDir }));
    assert.ok(err instanceof WeightsDownloadError && err.kind === 'checksum', err.message);
    assert.match(err.message, new RegExp(`expected sha256 ${digest('sha256')}, got ${digest('sha256', tampered)}`));
    assert.equal(await exists(file), false);
    assert.equal(requests.length, 1);
  });

  it('verifies a file the user put in the cache by hand once, then trusts its record', async () => {
    await fs.writeFile(path.join(cacheDir, 'resnet18-test.pth'), DATA);
    handler = (_req, res) => res.writeHead(500).end();
    const file = await downloadToCache(source(SHA()), { cacheDir });
    assert.deepEqual(await fs.readFile(file), DATA);
    assert.equal(requests.length, 0);
    assert.equal(await exists(`${file}.verified`), true);
  });

  it('on a checksum mismatch throws expected vs actual and deletes the download', async () => {
    const wrong = Buffer.from(DATA);
    wrong[DATA.length - 1] ^= 1;
    handler = serveWithRange(wrong);
    const err = await rejection(downloadToCache(source(SHA()), { cacheDir }));
    assert.ok(err instanceof WeightsDownloadError && err.kind === 'checksum');
    assert.ok(err.message.includes(`expected sha256 ${digest('sha256')}`), err.message);
    assert.ok(err.message.includes(`got ${digest('sha256', wrong)}`), err.message);
    assert.deepEqual(await fs.readdir(cacheDir), []);
  });

  it('accepts md5 checksums and torchvision sha256 prefixes, and rejects a wrong prefix', async () => {
    handler = serveWithRange(DATA);
    await downloadToCache(source({ algorithm: 'md5', hex: digest('md5') }, '/a.h5'), { cacheDir });
    await downloadToCache(source({ algorithm: 'sha256', hex: digest('sha256').slice(0, 8), prefixOnly: true }, '/b.pth'), { cacheDir });
    const badPrefix = (digest('sha256').startsWith('0') ? '1' : '0') + digest('sha256').slice(1, 8);
    const err = await rejection(downloadToCache(source({ algorithm: 'sha256', hex: badPrefix, prefixOnly: true }, '/c.pth'), { cacheDir }));
    assert.ok(err instanceof WeightsDownloadError && err.kind === 'checksum');
    assert.ok(err.message.includes(`expected sha256 ${badPrefix}…`), err.message);
    assert.deepEqual((await fs.readdir(cacheDir)).sort(), ['a.h5', 'a.h5.verified', 'b.pth', 'b.pth.verified']);
  });

  it('resumes a dropped connection with a Range request from the bytes it kept', async () => {
    const half = Math.floor(DATA.length / 2);
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Length': DATA.length });
      res.write(DATA.subarray(0, half));
      setTimeout(() => res.socket?.destroy(), 50);
    };
    const first = await rejection(downloadToCache(source(SHA()), { cacheDir }));
    assert.ok(first instanceof WeightsDownloadError && first.kind === 'interrupted', first.message);
    assert.match(first.message, /interrupted at .* of .*run again to resume/);
    assert.ok(!first.message.includes('\n'));
    const part = path.join(cacheDir, 'resnet18-test.pth.part');
    assert.equal((await fs.stat(part)).size, half);

    handler = serveWithRange(DATA);
    const file = await downloadToCache(source(SHA()), { cacheDir });
    assert.equal(requests.at(-1)!.range, `bytes=${half}-`);
    assert.deepEqual(await fs.readFile(file), DATA);
    assert.equal(await exists(part), false);
  });

  it('starts over when the server ignores Range and answers 200', async () => {
    await fs.writeFile(path.join(cacheDir, 'resnet18-test.pth.part'), randomBytes(1000));
    handler = (_req, res) => res.writeHead(200, { 'Content-Length': DATA.length }).end(DATA);
    const file = await downloadToCache(source(SHA()), { cacheDir });
    assert.equal(requests[0].range, 'bytes=1000-');
    assert.deepEqual(await fs.readFile(file), DATA);
  });

  it('on 416 treats a complete .part as done and a stale one as a fresh start', async () => {
    handler = serveWithRange(DATA);
    await fs.writeFile(path.join(cacheDir, 'done.pth.part'), DATA);
    const done = await downloadToCache(source(SHA(), '/done.pth'), { cacheDir });
    assert.deepEqual(await fs.readFile(done), DATA);
    assert.equal(requests.length, 1);

    await fs.writeFile(path.join(cacheDir, 'stale.pth.part'), randomBytes(DATA.length + 10));
    const stale = await downloadToCache(source(SHA(), '/stale.pth'), { cacheDir });
    assert.deepEqual(await fs.readFile(stale), DATA);
    assert.deepEqual(requests.slice(1).map((r) => r.range), [`bytes=${DATA.length + 10}-`, undefined]);
  });

  it('follows redirects, keeping the Range header of a resume', async () => {
    await fs.writeFile(path.join(cacheDir, 'resnet18-test.pth.part'), DATA.subarray(0, 500));
    const ranged = serveWithRange(DATA);
    handler = (req, res) => {
      if (req.url === '/w/resnet18-test.pth') { res.writeHead(302, { Location: `${base}/bucket/resnet18-test.pth` }).end(); return; }
      ranged(req, res);
    };
    const file = await downloadToCache(source(SHA()), { cacheDir });
    assert.deepEqual(requests.map((r) => [r.url, r.range]), [
      ['/w/resnet18-test.pth', 'bytes=500-'], ['/bucket/resnet18-test.pth', 'bytes=500-'],
    ]);
    assert.deepEqual(await fs.readFile(file), DATA);
  });

  it('reports an HTTP error in one line with the URL and what to do', async () => {
    handler = (_req, res) => res.writeHead(404).end('not here');
    const err = await rejection(downloadToCache(source(SHA()), { cacheDir }));
    assert.ok(err instanceof WeightsDownloadError && err.kind === 'http');
    assert.ok(err.message.startsWith(`Cannot download resnet18 ImageNet weights from ${base}/w/resnet18-test.pth (HTTP 404 Not Found)`), err.message);
    assert.ok(err.message.includes('cxr-lab import-weights <file> --arch resnet18 --out <dir>'));
    assert.ok(!err.message.includes('\n'));
    assert.deepEqual(await fs.readdir(cacheDir), []);
  });

  it('says the machine seems offline when the connection is refused', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const src: WeightSource = { ...source(SHA()), url: `http://127.0.0.1:${port}/models/resnet18-test.pth` };
    const err = await rejection(downloadToCache(src, { cacheDir }));
    assert.ok(err instanceof WeightsDownloadError && err.kind === 'offline', err.message);
    assert.match(err.message, /^Cannot download resnet18 ImageNet weights from http:\/\/127\.0\.0\.1:\d+\/models\/resnet18-test\.pth \(.*ECONNREFUSED.*\)\. This machine seems offline/);
    assert.ok(err.message.endsWith(`or put it in ${cacheDir}.`), err.message);
    assert.ok(!err.message.includes('\n'));
  });

  it('says the machine seems offline when the name does not resolve', async () => {
    // What undici's fetch throws for a DNS failure, without making a real lookup.
    const fetchImpl = (async () => {
      const cause = Object.assign(new Error('getaddrinfo ENOTFOUND download.pytorch.org'), { code: 'ENOTFOUND' });
      throw new TypeError('fetch failed', { cause });
    }) as typeof fetch;
    const err = await rejection(downloadToCache(source(SHA()), { cacheDir, fetchImpl }));
    assert.ok(err instanceof WeightsDownloadError && err.kind === 'offline');
    assert.ok(err.message.includes('(getaddrinfo ENOTFOUND download.pytorch.org). This machine seems offline: download the file elsewhere'), err.message);
  });

  it('gives up on a server that stops sending, keeping the .part', async () => {
    handler = (_req, res) => { res.writeHead(200, { 'Content-Length': DATA.length }); res.write(DATA.subarray(0, 1000)); };
    const err = await rejection(downloadToCache(source(SHA()), { cacheDir, stallTimeoutMs: 300 }));
    assert.ok(err instanceof WeightsDownloadError && err.kind === 'interrupted', err.message);
    assert.match(err.message, /no data for 0\.3 s/);
    assert.equal((await fs.stat(path.join(cacheDir, 'resnet18-test.pth.part'))).size, 1000);
    server.closeAllConnections();
  });

  it('reports progress at most every ~100 ms, increasing, with the total, and a final call', async () => {
    const chunks = 5;
    const size = DATA.length;
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Length': size });
      let i = 0;
      const next = () => {
        const end = Math.round(((i + 1) * size) / chunks);
        res.write(DATA.subarray(Math.round((i * size) / chunks), end));
        if (++i === chunks) res.end(); else setTimeout(next, 130);
      };
      next();
    };
    const calls: [number, number | undefined, number][] = [];
    await downloadToCache(source(SHA()), { cacheDir, onProgress: (r, t) => calls.push([r, t, Date.now()]) });
    assert.ok(calls.length >= 3 && calls.length <= chunks + 1, `calls: ${calls.length}`);
    for (let i = 1; i < calls.length; i++) assert.ok(calls[i][0] >= calls[i - 1][0]);
    assert.ok(calls.slice(0, -1).every(([r], i) => i === 0 || r > calls[i - 1][0]), 'throttled calls increase strictly');
    assert.ok(calls.every(([, t]) => t === size));
    assert.deepEqual(calls.at(-1)!.slice(0, 2), [size, size]);
  });

  it('on abort keeps the .part and the next call resumes it', async () => {
    const half = 20_000;
    handler = (_req, res) => { res.writeHead(200, { 'Content-Length': DATA.length }); res.write(DATA.subarray(0, half)); };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const err = await rejection(downloadToCache(source(SHA()), { cacheDir, signal: controller.signal }));
    assert.equal(err.name, 'AbortError');
    assert.equal((await fs.stat(path.join(cacheDir, 'resnet18-test.pth.part'))).size, half);
    server.closeAllConnections();

    handler = serveWithRange(DATA);
    const file = await downloadToCache(source(SHA()), { cacheDir });
    assert.equal(requests.at(-1)!.range, `bytes=${half}-`);
    assert.deepEqual(await fs.readFile(file), DATA);
  });

  it('fetches from CXR_LAB_WEIGHTS_MIRROR with the official path', async () => {
    handler = serveWithRange(DATA);
    const official: WeightSource = { ...source(SHA()), url: 'https://download.pytorch.org/models/resnet18-test.pth' };
    const env = { CXR_LAB_WEIGHTS_MIRROR: `${base}/mirror/` };
    await downloadToCache(official, { cacheDir, env });
    assert.deepEqual(requests.map((r) => r.url), ['/mirror/models/resnet18-test.pth']);
    assert.equal(resolveDownloadUrl(official.url, {}), official.url);
  });

  it('picks the cache directory from CXR_LAB_CACHE, then XDG_CACHE_HOME, then ~/.cache', () => {
    assert.equal(defaultCacheDir({ CXR_LAB_CACHE: '/x/c', XDG_CACHE_HOME: '/y' }), path.resolve('/x/c'));
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/y' }), path.join('/y', 'cxr-lab', 'weights'));
    assert.equal(defaultCacheDir({}), path.join(os.homedir(), '.cache', 'cxr-lab', 'weights'));
  });
});

describe('imagenetSource', () => {
  const MODELS = listModels();
  const ARCHS = ['densenet121', 'resnet18', 'resnet50', 'squeezenet1_1', 'vgg16', 'mobilenetv2'];

  it('gives every architecture a torchvision file whose name carries its sha256 prefix', () => {
    for (const arch of ARCHS) {
      const s = imagenetSource(MODELS, arch, 'pth');
      assert.ok(s.url.startsWith('https://download.pytorch.org/models/') && s.url.endsWith(`/${s.fileName}`), s.url);
      assert.equal(s.checksum?.algorithm, 'sha256');
      assert.equal(s.checksum?.prefixOnly, true);
      assert.equal(s.checksum?.hex, torchvisionHashPrefix(s.fileName));
      assert.match(s.checksum!.hex, /^[0-9a-f]{8,}$/);
    }
    assert.equal(imagenetSource(MODELS, 'resnet18', 'pth').url, 'https://download.pytorch.org/models/resnet18-f37072fd.pth');
  });

  it('gives Keras files with and without top, md5-checked where Keras publishes a hash', () => {
    for (const arch of ['densenet121', 'resnet50', 'vgg16']) {
      const top = imagenetSource(MODELS, arch, 'h5');
      const notop = imagenetSource(MODELS, arch, 'h5', { includeTop: false });
      assert.ok(notop.fileName.endsWith('_notop.h5') && !top.fileName.includes('notop'));
      for (const s of [top, notop]) {
        assert.ok(s.url.startsWith('https://storage.googleapis.com/tensorflow/keras-applications/') && s.url.endsWith(s.fileName));
        assert.equal(s.checksum?.algorithm, 'md5');
        assert.match(s.checksum!.hex, /^[0-9a-f]{32}$/);
      }
      assert.notEqual(top.checksum!.hex, notop.checksum!.hex);
    }
    const small = imagenetSource(MODELS, 'mobilenetv2', 'h5', { alpha: 0.35, includeTop: false });
    assert.equal(small.fileName, 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5');
    assert.equal(imagenetSource(MODELS, 'mobilenetv2', 'h5').fileName, 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5');
    assert.equal(small.checksum, undefined);
  });

  it('names what exists when a combination does not', () => {
    assert.throws(() => imagenetSource(MODELS, 'resnet18', 'h5'), /No ImageNet weights for 'resnet18' from Keras Applications \(\.h5\); available: .*densenet121/);
    assert.throws(() => imagenetSource(MODELS, 'alexnet', 'pth'), /No ImageNet weights for 'alexnet' from torchvision \(\.pth\); available: .*resnet18/);
    assert.throws(() => imagenetSource(MODELS, 'mobilenetv2', 'h5', { alpha: 0.5 }), /alpha 1\.0 or 0\.35/);
    assert.throws(() => imagenetSource(MODELS, 'mobilenetv2', 'pth', { alpha: 0.35 }), /width 1\.0 only/);
  });
});
