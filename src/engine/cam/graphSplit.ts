import * as tf from '@tensorflow/tfjs';

/**
 * A layers model cut in two at a target layer, so gradients can be taken w.r.t. that layer's activation:
 * - `features`: model input -> [activation, ...extras] (stops at the target: the logits come from
 *   the head, which has to run anyway for the gradient)
 * - `head`:     [activation, ...extras] -> logits, made of the same layer objects (shared weights).
 * `extras` are tensors the downstream layers consume that do not depend on the target
 * (e.g. the shortcut of a residual block around it); the head takes them as additional inputs.
 */
export interface GraphSplit {
  features: tf.LayersModel;
  head: tf.LayersModel;
  activationShape: number[];
  numExtras: number;
  /** Size of the logits' last axis (-1 if unknown). */
  numClasses: number;
}

type Sym = tf.SymbolicTensor;

/** Find the single tensor the named layer produces inside this model's graph. */
function findTargetTensor(outputs: Sym[], layerName: string): Sym {
  const seen = new Set<number>();
  const hits = new Map<string, Sym>(); // node key -> tensor
  const stack = [...outputs];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    if (t.sourceLayer.name === layerName) hits.set(`${t.nodeIndex}:${t.tensorIndex}`, t);
    stack.push(...t.inputs);
  }
  if (hits.size === 0) {
    throw new Error(`CAM: layer "${layerName}" is not on the path from the model input to its output`);
  }
  if (hits.size > 1) {
    throw new Error(`CAM: layer "${layerName}" is applied more than once (or has several outputs); cannot pick one`);
  }
  return [...hits.values()][0];
}

/** Split `model` at `layerName`. The model must have one input and one output (the logits). */
export function splitAtLayer(model: tf.LayersModel, layerName: string): GraphSplit {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error('CAM: expected a model with exactly one input and one output (logits)');
  }
  if (!model.layers.some((l) => l.name === layerName)) {
    const names = model.layers.map((l) => l.name).join(', ');
    throw new Error(`CAM: no top-level layer named "${layerName}" (have: ${names})`);
  }
  const target = findTargetTensor(model.outputs, layerName);
  if (target.rank !== 4) {
    throw new Error(`CAM: layer "${layerName}" outputs rank ${target.rank}, need a 4-D [batch,h,w,c] activation`);
  }

  // Which tensors depend on the target (memoised; graphs like DenseNet121 share a lot of subgraphs).
  const dependsMemo = new Map<number, boolean>();
  const dependsOnTarget = (t: Sym): boolean => {
    const known = dependsMemo.get(t.id);
    if (known !== undefined) return known;
    const result = t.id === target.id || t.inputs.some(dependsOnTarget);
    dependsMemo.set(t.id, result);
    return result;
  };

  const activationInput = tf.input({ shape: target.shape.slice(1) as number[], dtype: target.dtype });
  const extrasOriginal: Sym[] = [];
  const extrasInputs: Sym[] = [];
  const rebuilt = new Map<number, Sym>([[target.id, activationInput]]);
  const appliedNodes = new Map<string, Sym[]>(); // a multi-output layer call is re-applied once

  const rebuild = (t: Sym): Sym => {
    const done = rebuilt.get(t.id);
    if (done) return done;
    let result: Sym;
    if (!dependsOnTarget(t)) {
      result = tf.input({ shape: t.shape.slice(1) as number[], dtype: t.dtype });
      extrasOriginal.push(t);
      extrasInputs.push(result);
    } else {
      const nodeKey = `${t.sourceLayer.name}#${t.nodeIndex}`;
      let outs = appliedNodes.get(nodeKey);
      if (!outs) {
        const newInputs = t.inputs.map(rebuild);
        const applied = t.sourceLayer.apply(newInputs.length === 1 ? newInputs[0] : newInputs, { ...t.callArgs });
        outs = (Array.isArray(applied) ? applied : [applied]) as Sym[];
        appliedNodes.set(nodeKey, outs);
      }
      result = outs[t.tensorIndex];
    }
    rebuilt.set(t.id, result);
    return result;
  };

  const headOutput = rebuild(model.outputs[0]);
  const head = tf.model({ inputs: [activationInput, ...extrasInputs], outputs: headOutput });
  const features = tf.model({ inputs: model.inputs, outputs: [target, ...extrasOriginal] });
  return {
    features,
    head,
    activationShape: target.shape.map((d) => d ?? -1),
    numExtras: extrasOriginal.length,
    numClasses: headOutput.shape[headOutput.shape.length - 1] ?? -1,
  };
}
