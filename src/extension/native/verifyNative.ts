/**
 * After an install: does a fresh engine process, forked exactly as EngineService forks it (same host script, the
 * native environment), pick the 'tensorflow' backend? The engine that ran the install cannot tell: ld.so read its
 * LD_LIBRARY_PATH when it started. Uses the engine's own `info` job, so the answer names TensorFlow's version and
 * the GPU the engine sees, or why it fell back.
 */
import type { InfoResult } from '../../shared/engineProtocol';
import { EngineClient } from '../engine/engineClient';

export type NativeCheck = { ok: true; info: InfoResult } | { ok: false; reason: string };

export async function checkNativeEngine(hostScript: string, env: Record<string, string>, timeoutMs = 120_000): Promise<NativeCheck> {
  // auto, not 'tensorflow': an explicit preference that fails throws, and the engine would exit before saying why.
  const client = new EngineClient(hostScript, { env });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`the engine did not answer within ${timeoutMs / 1000} s`)), timeoutMs); });
    await Promise.race([client.ready, timeout]);
    const info = await Promise.race([client.request({ type: 'info' }).result, timeout]);
    return info.backend === 'tensorflow' ? { ok: true, info } : { ok: false, reason: nativeFallbackReason(info) };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
    client.dispose();
  }
}

/** Why the engine is not on tensorflow, from its info: tfjs-node's one-line reason (src/engine/native/loadError.ts). */
export function nativeFallbackReason(info: Pick<InfoResult, 'backend' | 'tried'>): string {
  const node = info.tried.find((t) => t.name === 'tfjs-node') ?? info.tried.find((t) => t.name.startsWith('tfjs-node'));
  return `the engine started on ${info.backend}${node ? `: tfjs-node — ${node.error}` : ''}`;
}
