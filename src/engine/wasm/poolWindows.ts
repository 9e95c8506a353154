import * as tf from '@tensorflow/tfjs';

/** The in-bounds part of one pooling window (NHWC offsets into x and dy); one object reused for every window. */
export interface PoolWindow { xBatch: number; rFrom: number; rTo: number; cFrom: number; cTo: number; dyBase: number }

/** Visits every output position's window, clipped to the input (padding cells are never visited). */
export function forEachPoolWindow(info: tf.backend_util.Conv2DInfo, visit: (w: PoolWindow) => void): void {
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sH, strideWidth: sW, filterHeight: kH, filterWidth: kW } = info;
  const { top: padTop, left: padLeft } = info.padInfo;
  const w: PoolWindow = { xBatch: 0, rFrom: 0, rTo: 0, cFrom: 0, cTo: 0, dyBase: 0 };
  for (let b = 0; b < batchSize; b++) {
    w.xBatch = b * H * W * C;
    for (let oh = 0; oh < OH; oh++) {
      const r0 = oh * sH - padTop;
      w.rFrom = Math.max(0, r0);
      w.rTo = Math.min(H, r0 + kH);
      for (let ow = 0; ow < OW; ow++) {
        const c0 = ow * sW - padLeft;
        w.cFrom = Math.max(0, c0);
        w.cTo = Math.min(W, c0 + kW);
        w.dyBase = ((b * OH + oh) * OW + ow) * C;
        visit(w);
      }
    }
  }
}
