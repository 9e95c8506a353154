/**
 * Average Drop and Increase in Confidence (Chattopadhyay et al., "Grad-CAM++", WACV 2018,
 * https://arxiv.org/abs/1710.11063), as torch-cam's metrics.ClassificationMetric computes them: the input is multiplied
 * by the map (the explanation map E·x, in normalised input units, as pytorch-grad-cam's multiply_tensor_with_cam), and
 * with p = softmax probability of the explained class on x and p' on E·x:
 *   Average Drop             max(0, p − p') / (p + 1e-7)   (lower is more faithful: the map alone keeps the evidence)
 *   Increase in Confidence   1 when p < p', else 0          (higher is more faithful)
 * Over a set of images each is the mean (the increase as a share of the images). pytorch-grad-cam's
 * DropInConfidence is max(0, p − p') without the division; its IncreaseInConfidence is this one.
 */
import type { FaithfulnessInput, FaithfulnessMetric, Perturbation } from './faithfulnessMetric';
import { probability } from './faithfulnessMetric';

/** torch-cam's guard against division by zero. */
const EPSILON = 1e-7;

/** E·x: every channel of the input times the map. */
export function camTimesInput(input: FaithfulnessInput): Perturbation {
  return {
    key: 'cam-times-input',
    make: () => {
      const { image, cam, channels } = input;
      const out = new Float32Array(image.length);
      for (let p = 0; p < cam.length; p++) for (let c = 0; c < channels; c++) out[p * channels + c] = image[p * channels + c] * cam[p];
      return out;
    },
  };
}

export const averageDrop: FaithfulnessMetric = {
  id: 'avg-drop',
  label: 'Average Drop',
  better: 'lower',
  perturbations: (input) => [camTimesInput(input)],
  value: ({ before, after, targetClass }) => {
    const p = probability(before, targetClass), masked = probability(after[0], targetClass);
    return Math.max(0, p - masked) / (p + EPSILON);
  },
};

export const increaseInConfidence: FaithfulnessMetric = {
  id: 'increase',
  label: 'Increase in Confidence',
  better: 'higher',
  perturbations: (input) => [camTimesInput(input)],
  value: ({ before, after, targetClass }) => (probability(before, targetClass) < probability(after[0], targetClass) ? 1 : 0),
};
