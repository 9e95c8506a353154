import * as tf from '@tensorflow/tfjs';

/**
 * BatchNormalization in training mode on tfjs-node through TensorFlow's fused kernels (FusedBatchNormV3 and
 * FusedBatchNormGradV3), as PyTorch does on the CPU. Stock tfjs-layers builds it from moments and elementwise
 * ops and differentiates those one at a time: about a third of a ResNet18 training step here.
 * Only NHWC inputs normalised over the last axis with scale and centre (all our architectures); anything
 * else, inference, and other backends keep the stock code. The moving variance is updated with the unbiased
 * batch variance, as torch does (stock tfjs uses the biased one).
 */

interface NodeBackend {
  binding: { TF_FLOAT: number; TF_ATTR_TYPE: number; TF_ATTR_FLOAT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number };
  executeMultipleOutputs(name: string, attrs: object[], inputs: tf.Tensor[], numOutputs: number): tf.Tensor[];
}

interface BatchNormLayer extends tf.layers.Layer {
  axis: number; epsilon: number; momentum: number; scale: boolean; center: boolean;
  gamma: tf.LayerVariable; beta: tf.LayerVariable; movingMean: tf.LayerVariable; movingVariance: tf.LayerVariable;
}

type Call = (this: BatchNormLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }) => tf.Tensor;

let stockCall: Call | undefined;

/** Attributes shared by FusedBatchNormV3 and FusedBatchNormGradV3 in training mode. */
function attrs(b: NodeBackend, epsilon: number): object[] {
  const { binding: n } = b;
  return [
    { name: 'T', type: n.TF_ATTR_TYPE, value: n.TF_FLOAT },
    { name: 'U', type: n.TF_ATTR_TYPE, value: n.TF_FLOAT },
    { name: 'epsilon', type: n.TF_ATTR_FLOAT, value: epsilon },
    { name: 'data_format', type: n.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'is_training', type: n.TF_ATTR_BOOL, value: true },
  ];
}

/**
 * y, and the batch mean and unbiased variance, with TensorFlow's fused gradient for x, gamma and beta.
 * The caller disposes mean and variance.
 */
export function fusedBatchNormTraining(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number):
  { y: tf.Tensor4D; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const backend = tf.backend() as unknown as NodeBackend;
  const opAttrs = attrs(backend, epsilon);
  // the forward op also takes the running-average factor; 1 = this batch's statistics only
  const forwardAttrs = [...opAttrs, { name: 'exponential_avg_factor', type: backend.binding.TF_ATTR_FLOAT, value: 1 }];
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const forward = tf.customGrad((...args: (tf.Tensor | ((ts: tf.Tensor[]) => void))[]) => {
    const [input, scale, offset] = args as tf.Tensor[];
    const save = args[3] as (ts: tf.Tensor[]) => void;
    const empty = tf.tensor1d([]);
    // outputs: y, batch mean, batch variance (Bessel-corrected), reserve spaces 1-3 (for the gradient)
    const [y, m, v, r1, r2, r3] = backend.executeMultipleOutputs('FusedBatchNormV3', forwardAttrs, [input, scale, offset, empty, empty], 6);
    empty.dispose();
    // kept past customGrad's scope, which disposes what its forward function does not return; disposed by the caller
    mean = tf.keep(m) as tf.Tensor1D;
    variance = tf.keep(v) as tf.Tensor1D;
    save([input, scale, r1, r2, r3]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [dx, dScale, dOffset, r4, r5] = backend.executeMultipleOutputs('FusedBatchNormGradV3', opAttrs,
          [dy as tf.Tensor, ...saved], 5);
        tf.dispose([r4, r5]);
        return [dx, dScale, dOffset];
      },
    };
  });
  const y = forward(x, gamma, beta) as tf.Tensor4D;
  return { y, mean: mean!, variance: variance! };
}

function fusedCall(this: BatchNormLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  const supported = kwargs?.training === true && tf.getBackend() === 'tensorflow' && x.rank === 4 &&
    x.dtype === 'float32' && (this.axis === -1 || this.axis === 3) && this.scale && this.center;
  if (!supported) return stockCall!.call(this, inputs, kwargs);
  return tf.tidy(() => {
    const { y, mean, variance } = fusedBatchNormTraining(x as tf.Tensor4D, this.gamma.read() as tf.Tensor1D,
      this.beta.read() as tf.Tensor1D, this.epsilon);
    // the stock layer's moving averages: moving -= (moving - batch) * (1 - momentum)
    for (const [variable, value] of [[this.movingMean, mean], [this.movingVariance, variance]] as const) {
      const old = variable.read();
      variable.write(tf.sub(old, tf.mul(tf.sub(old, value), 1 - this.momentum)));
    }
    tf.dispose([mean, variance]);
    return y;
  });
}

/** Routes every BatchNormalization layer's training call through fusedCall (idempotent; false restores stock). */
export function useFusedBatchNorm(enabled = true): void {
  const proto = Object.getPrototypeOf(tf.layers.batchNormalization({})) as { call: Call };
  if (!stockCall) stockCall = proto.call;
  proto.call = enabled ? fusedCall : stockCall;
}
