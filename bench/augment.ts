/**
 * `node --import tsx bench/augment.ts`: where should the recommended preset's rotation + zoom run? The cost per 224-px
 * grey image of (a) our JavaScript warp on the resized pixels (src/engine/dataset/augment/warp.ts, the one training uses),
 * (b) sharp's affine on the same raw pixels (a second libvips pass; it has no reflection padding), (c) tf.image.transform
 * on a batch of 20 (ImageProjectiveV3; the backend of `--backend`, default the best available). Not part of `npm run bench`.
 */
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { initBackend, type BackendPreference } from '../src/engine/backend';
import { warpPixels } from '../src/engine/dataset/augment/warp';
import { NO_AUGMENT } from '../src/engine/dataset/augment/params';

const S = 224, BATCH = 20, N = 400;
const backendArg = process.argv.indexOf('--backend');
const image = Uint8Array.from({ length: S * S }, (_, i) => (i * 7 + (i >> 8)) % 256);
const angle = (i: number) => ((i % 21) - 10) * Math.PI / 180;

async function time(label: string, n: number, fn: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < 20; i++) await fn(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const ms = (performance.now() - t0) / n;
  console.log(`${label.padEnd(48)} ${ms.toFixed(3)} ms`);
  return ms;
}

async function main(): Promise<void> {
  const backend = await initBackend((backendArg > 0 ? process.argv[backendArg + 1] : 'auto') as BackendPreference);
  console.log(`backend ${backend.name}, ${S} px grey, rotation ±10° and zoom 1.1 per image`);
  await time('JS warp (bilinear, reflection), per image', N, (i) => warpPixels({ data: image, width: S, height: S, channels: 1 }, { ...NO_AUGMENT, rotate: ((i % 21) - 10), zoom: 1.1, cx: 0.4, cy: 0.6 }, i % 2 === 0));
  await time('sharp affine (bilinear, no reflection), per image', N, async (i) => {
    const c = Math.cos(angle(i)) * 1.1, s = Math.sin(angle(i)) * 1.1;
    const { data } = await sharp(image, { raw: { width: S, height: S, channels: 1 } })
      .affine([[c, -s], [s, c]], { interpolator: sharp.interpolators.bilinear, background: '#000' })
      .raw().toBuffer({ resolveWithObject: true });
    return data;
  });
  const batch = tf.tensor4d(Float32Array.from({ length: BATCH * S * S }, (_, i) => image[i % (S * S)] / 255), [BATCH, S, S, 1]);
  const perBatch = await time(`tf.image.transform, per batch of ${BATCH}`, Math.ceil(N / BATCH), (i) => {
    const m = Array.from({ length: BATCH }, (_, k) => {
      const a = angle(i * BATCH + k), c = Math.cos(a) / 1.1, s = Math.sin(a) / 1.1;
      return [c, -s, 0, s, c, 0, 0, 0];
    });
    const out = tf.tidy(() => tf.image.transform(batch, tf.tensor2d(m), 'bilinear', 'reflect'));
    out.dataSync();
    out.dispose();
  }).catch((e: Error) => {
    console.log(`tf.image.transform: not available here (${e.message})`);
    return undefined;
  });
  if (perBatch !== undefined) console.log(`${'  = per image'.padEnd(48)} ${(perBatch / BATCH).toFixed(3)} ms`);
  batch.dispose();
}

void main();
