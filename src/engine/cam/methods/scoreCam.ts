import * as tf from '@tensorflow/tfjs';
import type { CamMethod } from '../camMethod';

/**
 * Score-CAM: Wang et al., "Score-CAM: Score-Weighted Visual Explanations for Convolutional Neural Networks",
 * CVPR workshops 2020, https://arxiv.org/abs/1910.01279 — as pytorch-grad-cam's ScoreCAM computes it: each
 * activation channel upsampled to the input size (bilinear, align_corners=True as torch's UpsamplingBilinear2d),
 * min-max scaled ((x − min) / (max − min + 1e-8)), multiplied with the input; the target logit of each masked
 * input, through the whole model in batches of `batchSize`; the channel weights are the softmax of those logits
 * over the channels. No gradients: one forward pass per channel (512 for ResNet18, 1024 for DenseNet121).
 */
export const scoreCam: CamMethod = {
  id: 'scorecam',
  label: 'Score-CAM',
  usesGradients: false,
  cam: ({ activations, input, targetClass, scoreFn, batchSize }) => {
    const [, h, w, channels] = activations.shape;
    const [, height, width] = input.shape;
    const scores: tf.Tensor1D[] = [];
    for (let start = 0; start < channels; start += batchSize) {
      const n = Math.min(batchSize, channels - start);
      // Its own tidy: only the n scores outlive the batch (masked inputs and activations of the model go).
      scores.push(tf.tidy(() => {
        const slice = activations.slice([0, 0, 0, start], [1, h, w, n]);
        const upsampled = tf.image.resizeBilinear(slice, [height, width], true);
        const min = upsampled.min([1, 2], true);
        const max = upsampled.max([1, 2], true);
        const masks = upsampled.sub(min).div(max.sub(min).add(1e-8)).transpose([3, 1, 2, 0]); // [n,H,W,1]
        const logits = scoreFn(input.mul(masks) as tf.Tensor4D);
        return logits.slice([0, targetClass], [n, 1]).reshape([n]) as tf.Tensor1D;
      }));
    }
    return { weights: tf.softmax(tf.concat(scores)) };
  },
};
