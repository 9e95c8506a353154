import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describeWeightsProblem, weightsBytes } from '../../shared/runFiles';
import { writeFileAtomic } from './atomic';

/**
 * tfjs IOHandler for a local directory (model.json + weights.bin). Pure tfjs has no file:// handler:
 * saving says "Cannot find any save handlers" and loading tries fetch().
 */
export function fileIO(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weightData = artifacts.weightData
        ? new Uint8Array(tf.io.concatenateArrayBuffers(
          Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]))
        : new Uint8Array(0);
      const modelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        trainingConfig: artifacts.trainingConfig,
        userDefinedMetadata: artifacts.userDefinedMetadata,
        weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFileAtomic(path.join(dir, 'weights.bin'), weightData);
      await writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = path.join(dir, 'model.json');
      const modelJson = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: Uint8Array[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          const files = group.paths.map((p) => path.join(dir, p));
          let size = 0;
          for (const f of files) {
            const b = await fs.readFile(f);
            buffers.push(b);
            size += b.byteLength;
          }
          // A short file otherwise fails inside tfjs ("byte length of Float32Array should be a multiple of 4") naming no file.
          const expected = knownBytes(group.weights);
          if (expected !== undefined && size !== expected) {
            const problem = describeWeightsProblem({ kind: size < expected ? 'truncated' : 'oversized', file: files.at(-1) ?? dir, size, expected });
            throw new Error(`${problem}; it cannot be loaded.`);
          }
        }
        const total = Buffer.concat(buffers);
        return [specs, total.buffer.slice(total.byteOffset, total.byteOffset + total.byteLength)];
      });
    },
  };
}

/** Bytes a weight group needs, or undefined for a dtype without a fixed size (left to tfjs). */
function knownBytes(weights: tf.io.WeightsManifestEntry[]): number | undefined {
  try {
    return weightsBytes(weights);
  } catch {
    return undefined;
  }
}
