import * as tf from '@tensorflow/tfjs';

/**
 * A named float32 tensor as a weight file stores it, in the file's own layout (torch OIHW, Keras HWIO).
 * Readers (.pth, .h5) produce these; the per-framework mappings turn them into a WeightPlan.
 */
export interface RawTensor {
  shape: number[];
  values: Float32Array;
}

/**
 * Values for our layers, by layer name, each list in the order `layer.getWeights()` returns them
 * (conv: kernel[, bias]; BatchNorm: gamma, beta, moving mean, moving variance; dense: kernel, bias).
 */
export type WeightPlan = Map<string, RawTensor[]>;

export interface AssignOptions {
  /** Layers left as initialised (the new N-class head) and plan entries for them ignored. */
  skipLayers?: string[];
}

function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Sets every weighted layer of `model` from `plan`, all or nothing: a layer without an entry, an entry
 * without a layer, a wrong count or shape of tensors is an error naming the layer, raised before any
 * weight is written.
 */
export function assignWeights(model: tf.LayersModel, plan: WeightPlan, opts: AssignOptions = {}): void {
  const skip = new Set(opts.skipLayers ?? []);
  const problems: string[] = [];
  const writes: { variable: tf.LayerVariable; value: RawTensor }[] = [];
  const used = new Set<string>();
  for (const layer of model.layers) {
    if (layer.weights.length === 0 || skip.has(layer.name)) continue;
    const values = plan.get(layer.name);
    if (!values) { problems.push(`layer '${layer.name}' has no weights in the file`); continue; }
    used.add(layer.name);
    if (values.length !== layer.weights.length) {
      problems.push(`layer '${layer.name}' needs ${layer.weights.length} tensors, the file gives ${values.length}`);
      continue;
    }
    layer.weights.forEach((variable, i) => {
      const want = variable.shape;
      const got = values[i].shape;
      if (want.length !== got.length || want.some((d, j) => d !== got[j])) {
        problems.push(`layer '${layer.name}' weight '${variable.name}' has shape ${shapeText(want)}, the file gives ${shapeText(got)}`);
      } else {
        writes.push({ variable, value: values[i] });
      }
    });
  }
  for (const name of plan.keys()) {
    if (!used.has(name) && !skip.has(name)) problems.push(`the file has weights for '${name}', which the model does not have`);
  }
  if (problems.length > 0) {
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new Error(`Weights do not fit model '${model.name}': ${problems.slice(0, 5).join('; ')}${more}.`);
  }
  for (const { variable, value } of writes) {
    const t = tf.tensor(value.values, value.shape, 'float32');
    variable.write(t);
    t.dispose();
  }
}
