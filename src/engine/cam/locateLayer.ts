import * as tf from '@tensorflow/tfjs';

/**
 * Pick a CAM target layer automatically, like torch-cam's `locate_candidate_layer`: the last layer
 * (in execution order) whose output is 4-D with a spatial size above 1, i.e. the stage just before
 * flattening or global pooling. Unknown (null) spatial sizes count as spatial.
 */
export function locateCandidateLayer(model: tf.LayersModel): string {
  // model.layers is topologically ordered, inputs first.
  for (let i = model.layers.length - 1; i >= 0; i--) {
    const layer = model.layers[i];
    if (layer.getClassName() === 'InputLayer') continue;
    const shapes = outputShapes(layer);
    const spatial = shapes.some((s) => s.length === 4 && (s[1] === null || s[1] > 1 || s[2] === null || s[2] > 1));
    if (spatial) return layer.name;
  }
  throw new Error('CAM: no layer with a 4-D spatial output found; pass a layer name explicitly');
}

/** Output shapes of a layer's first call (`outputShape` would throw for a layer called more than once). */
function outputShapes(layer: tf.layers.Layer): (number | null)[][] {
  const node = layer.inboundNodes[0];
  if (!node) return [];
  const out = node.outputShapes as unknown;
  // A single shape is number[]; several outputs give number[][].
  if (Array.isArray(out) && out.length > 0 && Array.isArray(out[0])) return out as (number | null)[][];
  return [out as (number | null)[]];
}
