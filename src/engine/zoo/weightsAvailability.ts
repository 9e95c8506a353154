/**
 * Whether `--pretrained` can be honoured before anything is trained: torchvision's ImageNet file in the download cache,
 * or its download answering a HEAD request within a few seconds (never a hang offline), or a file/folder that exists.
 * Whether a file or folder actually loads is left to the caller (the preflight loads it).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { PreflightWeights } from '../../shared/preflight';
import { listModels } from '../models/index';
import { defaultCacheDir, resolveDownloadUrl } from '../weights/download';
import { imagenetSource } from '../weights/sources';

export interface AvailabilityOptions { timeoutMs?: number; fetchImpl?: typeof fetch; env?: NodeJS.ProcessEnv; cacheDir?: string }

const DEFAULT_TIMEOUT_MS = 4000;

function detail(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; message?: string; name?: string };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

export async function weightsAvailability(arch: string, pretrained: string | undefined, o: AvailabilityOptions = {}): Promise<PreflightWeights> {
  if (!pretrained) return { source: 'none' };
  if (pretrained !== 'imagenet') {
    const exists = await fs.stat(pretrained).then(() => true, () => false);
    return exists ? { source: 'path', state: 'ok', path: pretrained } : { source: 'path', state: 'missing', path: pretrained, problem: 'no such file or folder.' };
  }
  const env = o.env ?? process.env;
  const cacheDir = o.cacheDir ?? defaultCacheDir(env);
  let source;
  try {
    source = imagenetSource(listModels(), arch, 'pth');
  } catch (err) {
    return { source: 'imagenet', state: 'unavailable', problem: (err as Error).message, cacheDir };
  }
  const file = path.join(cacheDir, source.fileName);
  if ((await fs.stat(file).catch(() => undefined))?.isFile()) return { source: 'imagenet', state: 'cached', file };
  const url = resolveDownloadUrl(source.url, env);
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const unreachable = (why: string): PreflightWeights => ({ source: 'imagenet', state: 'unreachable', url, fileName: source.fileName, cacheDir, problem: why });
  // A timer of our own, not AbortSignal.timeout(): that one is unref'd, and a process with nothing else to wait for
  // (the CLI) would end while the request hangs.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs);
  try {
    const response = await (o.fetchImpl ?? fetch)(url, { method: 'HEAD', redirect: 'follow', signal: controller.signal, headers: { 'Accept-Encoding': 'identity' } });
    await response.body?.cancel();
    if (!response.ok) return unreachable(`answered HTTP ${response.status}`);
    const length = Number(response.headers.get('content-length'));
    return { source: 'imagenet', state: 'download', url, ...(length > 0 ? { bytes: length } : {}) };
  } catch (err) {
    return unreachable(timedOut ? `did not answer within ${timeoutMs / 1000} s` : `cannot be reached (${detail(err)})`);
  } finally {
    clearTimeout(timer);
  }
}
