import * as tf from '@tensorflow/tfjs';

/**
 * Gradient of FusedBatchNorm with per-channel factors broadcast instead of tiled. The stock tfjs-core gradient
 * tiles 1/sqrt(var) to the full activation size and multiplies full-size tensors ~11 times (measured ~80 ms of
 * a 750 ms ResNet18 64 px batch-4 step on wasm); this one needs ~6 full-size passes. Same formulas:
 *   r = 1/sqrt(var + eps), g = scale * r
 *   dx = dy * g;  dmean = -g * sum(dy);  dvar = -0.5 * g * r^2 * sum(dy * (x - mean))
 *   dscale = r * sum(dy * (x - mean));  doffset = sum(dy)
 * tfjs runs each closure in its own tidy, so nothing full-size is shared between them.
 */
export const broadcastBatchNormGradConfig: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const grad = Array.isArray(dy) ? dy[0] : dy;
    const [x, mean, variance, scale] = saved;
    const eps = (attrs as { varianceEpsilon: number }).varianceEpsilon;
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const perChannel = (t: tf.Tensor) => tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, mean.shape);
    const r = tf.rsqrt(tf.add(variance, tf.scalar(eps)));
    const g = scale == null ? r : tf.mul(scale, r);
    const sumDyCentered = () => perChannel(tf.mul(grad, tf.sub(x, mean)));
    return {
      x: () => tf.mul(grad, g),
      mean: () => tf.reshape(tf.mul(tf.neg(g), perChannel(grad)), mean.shape),
      variance: () => tf.reshape(tf.mul(tf.mul(tf.mul(g, tf.square(r)), tf.scalar(-0.5)), sumDyCentered()), mean.shape),
      scale: () => tf.reshape(tf.mul(r, sumDyCentered()), mean.shape),
      offset: () => perChannel(grad),
    };
  },
};

let stockConfig: tf.GradConfig | undefined;

/** Replaces tfjs-core's FusedBatchNorm gradient (a global registry shared by all backends; results agree to float rounding). */
export function registerBroadcastBatchNormGradient(): void {
  const current = tf.getGradient('FusedBatchNorm');
  if (current === broadcastBatchNormGradConfig) return;
  stockConfig = current;
  tf.registerGradient(broadcastBatchNormGradConfig);
}

/** tfjs-core's own gradient as it was before ours replaced it (for tests that compare the two). */
export function stockBatchNormGradConfig(): tf.GradConfig | undefined {
  return stockConfig;
}
