import * as tf from '@tensorflow/tfjs';

/** Softmax cross-entropy of logits against integer labels (torch's nn.CrossEntropyLoss), mean or sum over the batch. */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor1D, numClasses: number, reduction: 'mean' | 'sum' = 'mean'): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClasses), logits, undefined, 0,
    reduction === 'mean' ? tf.Reduction.MEAN : tf.Reduction.SUM) as tf.Scalar;
}
