import { densenet121 } from './densenet';
import { mobilenetv2 } from './mobilenetv2';
import { resnet18, resnet50 } from './resnet';
import { squeezenet1_1 } from './squeezenet';
import type { ModelSpec } from './spec';
import { vgg16 } from './vgg';

export type { ModelBuildOptions, ModelSpec, Normalization } from './spec';

/** The built-in architectures, in the order `info`, the CLI and the Train Model pick list show them. */
export const BUILT_IN_MODELS: readonly ModelSpec[] = [densenet121, resnet18, resnet50, squeezenet1_1, vgg16, mobilenetv2];

const registry = new Map<string, ModelSpec>(BUILT_IN_MODELS.map((spec) => [spec.name, spec]));

/** Adds an architecture (tests add a tiny one); a name can be registered once. */
export function registerModel(spec: ModelSpec): void {
  if (registry.has(spec.name)) throw new Error(`Model '${spec.name}' is already registered.`);
  registry.set(spec.name, spec);
}

export function listModels(): ModelSpec[] {
  return [...registry.values()];
}

export function getModelSpec(name: string): ModelSpec {
  const spec = registry.get(name);
  if (!spec) {
    throw new Error(`Unknown model '${name}'. Known models: ${[...registry.keys()].join(', ')}.`);
  }
  return spec;
}
