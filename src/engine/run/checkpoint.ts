import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileIO } from '../io/fileIO';
import { replaceDirAtomic } from '../io/atomic';
import {
  RUN_FILES, RUN_LAYOUT_VERSION, type CheckpointMeta, type CheckpointMetaFile, type CheckpointName, type OptimizerFile, type TrainerState,
  type TrainerStateFile,
} from '../../shared/runFiles';
import { RunError } from '../errors';
import { checkpointDir, readCheckpointMeta, readOptimizerFile, readTrainerState } from './runFiles';

export type { TrainerState };
export { readCheckpointMeta };

/** Save model (+ optimizer and trainer state for `last`) into `dir`, replacing the previous checkpoint whole. */
export async function saveCheckpoint(dir: string, model: tf.LayersModel, meta: CheckpointMeta,
  extra?: { optimizer: tf.Optimizer; state: TrainerState }): Promise<void> {
  await replaceDirAtomic(dir, async (tmp) => {
    await model.save(fileIO(tmp));
    const metaFile: CheckpointMetaFile = { format: RUN_LAYOUT_VERSION, ...meta };
    await fs.writeFile(path.join(tmp, RUN_FILES.meta), JSON.stringify(metaFile, null, 2));
    if (extra) {
      const weights = await extra.optimizer.getWeights();
      const { data, specs } = await tf.io.encodeWeights(weights);
      weights[0].tensor.dispose(); // the iteration count is a fresh scalar; the moments belong to the optimizer
      await fs.writeFile(path.join(tmp, RUN_FILES.optimizerWeights), new Uint8Array(data as ArrayBuffer));
      const optimizerFile: OptimizerFile = { format: RUN_LAYOUT_VERSION, specs: specs.map((s) => ({ ...s })), config: extra.optimizer.getConfig() };
      await fs.writeFile(path.join(tmp, RUN_FILES.optimizer), JSON.stringify(optimizerFile));
      const trainerFile: TrainerStateFile = { format: RUN_LAYOUT_VERSION, ...extra.state };
      await fs.writeFile(path.join(tmp, RUN_FILES.trainer), JSON.stringify(trainerFile));
    }
  });
}

export async function loadCheckpointModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileIO(dir));
}

/** Restore Adam moments and iteration count saved by saveCheckpoint. */
export async function restoreOptimizer(dir: string, optimizer: tf.Optimizer): Promise<TrainerState> {
  const missing = (name: string) => new RunError(`Cannot resume: ${path.join(dir, name)} is missing.`);
  const optimizerFile = await readOptimizerFile(dir);
  if (!optimizerFile) throw missing(RUN_FILES.optimizer);
  const specs = optimizerFile.specs as tf.io.WeightsManifestEntry[];
  const buf = await fs.readFile(path.join(dir, RUN_FILES.optimizerWeights));
  const named = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), specs);
  await optimizer.setWeights(specs.map((s) => ({ name: s.name, tensor: named[s.name] })));
  tf.dispose(Object.values(named)); // setWeights made its own variables from them
  const state = await readTrainerState(dir);
  if (!state) throw missing(RUN_FILES.trainer);
  return state;
}

/** A run's best or last checkpoint with its meta; a clear error when no epoch has finished yet. */
export async function openRunCheckpoint(run: { dir: string; info: { id: string } }, which: CheckpointName = 'best'):
  Promise<{ model: tf.LayersModel; meta: CheckpointMeta }> {
  const dir = checkpointDir(run.dir, which);
  const meta = await readCheckpointMeta(dir);
  if (!meta) throw new RunError(`Run ${run.info.id} has no ${which} checkpoint yet (no epoch finished).`);
  return { model: await loadCheckpointModel(dir), meta };
}
