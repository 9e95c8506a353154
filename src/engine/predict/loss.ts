import * as tf from '@tensorflow/tfjs';

/**
 * Softmax cross-entropy of logits against integer labels (torch's nn.CrossEntropyLoss), mean or sum over the batch;
 * labelSmoothing ε mixes the one-hot target with the uniform one, (1 − ε)·y + ε/K, as torch's `label_smoothing`.
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor1D, numClasses: number, reduction: 'mean' | 'sum' = 'mean', labelSmoothing = 0): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClasses), logits, undefined, labelSmoothing,
    reduction === 'mean' ? tf.Reduction.MEAN : tf.Reduction.SUM) as tf.Scalar;
}
