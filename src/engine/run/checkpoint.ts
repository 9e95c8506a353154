import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileIO } from '../io/fileIO';
import { readJson, replaceDirAtomic } from '../io/atomic';
import { RUN_FILES, type CheckpointMeta } from '../../shared/runFiles';

/** Trainer state kept with the last checkpoint so a run resumes where it stopped. */
export interface TrainerState { epochsDone: number; bestValLoss: number; plateau: { best: number; badEpochs: number; reductions: number } }

/** Save model (+ optimizer and trainer state for `last`) into `dir`, replacing the previous checkpoint whole. */
export async function saveCheckpoint(dir: string, model: tf.LayersModel, meta: CheckpointMeta,
  extra?: { optimizer: tf.Optimizer; state: TrainerState }): Promise<void> {
  await replaceDirAtomic(dir, async (tmp) => {
    await model.save(fileIO(tmp));
    await fs.writeFile(path.join(tmp, 'meta.json'), JSON.stringify(meta, null, 2));
    if (extra) {
      const weights = await extra.optimizer.getWeights();
      const { data, specs } = await tf.io.encodeWeights(weights);
      weights[0].tensor.dispose(); // the iteration count is a fresh scalar; the moments belong to the optimizer
      await fs.writeFile(path.join(tmp, 'optimizer.bin'), new Uint8Array(data as ArrayBuffer));
      await fs.writeFile(path.join(tmp, 'optimizer.json'), JSON.stringify({ specs, config: extra.optimizer.getConfig() }));
      await fs.writeFile(path.join(tmp, 'trainer.json'), JSON.stringify(extra.state));
    }
  });
}

export async function loadCheckpointModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileIO(dir));
}

export async function readCheckpointMeta(dir: string): Promise<CheckpointMeta | undefined> {
  return readJson<CheckpointMeta>(path.join(dir, 'meta.json')).catch(() => undefined);
}

/** Restore Adam moments and iteration count saved by saveCheckpoint. */
export async function restoreOptimizer(dir: string, optimizer: tf.Optimizer): Promise<TrainerState> {
  const { specs } = await readJson<{ specs: tf.io.WeightsManifestEntry[] }>(path.join(dir, 'optimizer.json'));
  const buf = await fs.readFile(path.join(dir, 'optimizer.bin'));
  const named = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), specs);
  await optimizer.setWeights(specs.map((s) => ({ name: s.name, tensor: named[s.name] })));
  tf.dispose(Object.values(named)); // setWeights made its own variables from them
  return readJson<TrainerState>(path.join(dir, 'trainer.json'));
}

/** A run's best or last checkpoint with its meta; a clear error when no epoch has finished yet. */
export async function openRunCheckpoint(run: { dir: string; info: { id: string } }, which: 'best' | 'last' = 'best'):
  Promise<{ model: tf.LayersModel; meta: CheckpointMeta }> {
  const dir = path.join(run.dir, which === 'last' ? RUN_FILES.last : RUN_FILES.best);
  const meta = await readCheckpointMeta(dir);
  if (!meta) throw new Error(`Run ${run.info.id} has no ${which} checkpoint yet (no epoch finished).`);
  return { model: await loadCheckpointModel(dir), meta };
}
