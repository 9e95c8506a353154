import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileIO } from '../io/fileIO';
import { replaceDirAtomic, writeFileAtomic, writeJsonAtomic } from '../io/atomic';
import {
  CHECKPOINTS_DIR, RUN_FILES, RUN_LAYOUT_VERSION, checkWeightsFiles, describeWeightsProblem, isStaleTemp, locateCheckpoint, weightsBytes,
  type CheckpointMeta, type CheckpointMetaFile, type CheckpointName, type OptimizerFile, type TrainerState, type TrainerStateFile,
} from '../../shared/runFiles';
import { RunError } from '../errors';
import { faultPoint } from '../faults';
import { checkpointDir, checkpointFs, readCheckpointMeta, readOptimizerFile, readTrainerState } from './runFiles';
import { pidAlive } from './runLock';
import { WeightAverage } from '../train/weightAverage';

export type { TrainerState };
export { readCheckpointMeta };

/**
 * Save model (+ optimizer and trainer state for `last`) into `dir`, replacing the previous checkpoint whole.
 * meta.json is written last: a copy with meta.json has every other file (what "complete" means to
 * shared/runFiles/checkpointFiles.ts when a crash interrupted the swap).
 */
export async function saveCheckpoint(dir: string, model: tf.LayersModel, meta: CheckpointMeta,
  extra?: { optimizer: tf.Optimizer; state: TrainerState; averaging?: { updates: number; trainingWeights: { name: string; tensor: tf.Tensor }[] } }): Promise<void> {
  const fault = `checkpoint:${path.basename(dir)}`;
  await replaceDirAtomic(dir, async (tmp) => {
    await model.save(fileIO(tmp));
    if (extra) {
      const weights = await extra.optimizer.getWeights();
      const { data, specs } = await tf.io.encodeWeights(weights);
      weights[0].tensor.dispose(); // the iteration count is a fresh scalar; the moments belong to the optimizer
      await writeFileAtomic(path.join(tmp, RUN_FILES.optimizerWeights), new Uint8Array(data as ArrayBuffer));
      const optimizerFile: OptimizerFile = { format: RUN_LAYOUT_VERSION, specs: specs.map((s) => ({ ...s })), config: extra.optimizer.getConfig() };
      await writeFileAtomic(path.join(tmp, RUN_FILES.optimizer), JSON.stringify(optimizerFile));
      let averaging: TrainerState['averaging'];
      if (extra.averaging) {
        const encoded = await tf.io.encodeWeights(extra.averaging.trainingWeights);
        await writeFileAtomic(path.join(tmp, RUN_FILES.trainingWeights), new Uint8Array(encoded.data as ArrayBuffer));
        averaging = { updates: extra.averaging.updates, specs: encoded.specs.map((s) => ({ ...s })) };
      }
      const trainerFile: TrainerStateFile = { format: RUN_LAYOUT_VERSION, ...extra.state, averaging };
      await writeFileAtomic(path.join(tmp, RUN_FILES.trainer), JSON.stringify(trainerFile));
    }
    faultPoint(`${fault}:before-meta`);
    const metaFile: CheckpointMetaFile = { format: RUN_LAYOUT_VERSION, ...meta };
    await writeJsonAtomic(path.join(tmp, RUN_FILES.meta), metaFile);
  }, fault);
}

/**
 * The model of a checkpoint folder, after checking that its weights files have the size model.json's manifest needs
 * (a truncated file otherwise fails inside tfjs with a message that names no file). `cannotLoad`: what the error
 * sentence says after "this checkpoint cannot be loaded", e.g. " — use --checkpoint best".
 */
export async function loadCheckpointModel(dir: string, cannotLoad = ''): Promise<tf.LayersModel> {
  const problem = await checkWeightsFiles(dir, checkpointFs);
  if (problem) throw new RunError(`${describeWeightsProblem(problem)}; this checkpoint cannot be loaded${cannotLoad}.`);
  return tf.loadLayersModel(fileIO(dir));
}

const missingForResume = (dir: string, name: string) => new RunError(`Cannot resume: ${path.join(dir, name)} is missing.`);

/** The tensors of a checkpoint's .bin file written with `specs`, after checking its size. */
async function readWeightsBin(dir: string, name: string, specs: tf.io.WeightsManifestEntry[]): Promise<tf.NamedTensorMap> {
  const file = path.join(dir, name);
  const buf = await fs.readFile(file).catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'ENOENT' ? missingForResume(dir, name) : e;
  });
  const expected = weightsBytes(specs);
  if (buf.byteLength !== expected) {
    const problem = describeWeightsProblem({ kind: buf.byteLength < expected ? 'truncated' : 'oversized', file, size: buf.byteLength, expected });
    throw new RunError(`${problem}; this checkpoint cannot be loaded, so the run cannot be resumed from it.`);
  }
  return tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), specs);
}

/** Restore Adam moments and iteration count saved by saveCheckpoint. */
export async function restoreOptimizer(dir: string, optimizer: tf.Optimizer): Promise<TrainerState> {
  const optimizerFile = await readOptimizerFile(dir);
  if (!optimizerFile) throw missingForResume(dir, RUN_FILES.optimizer);
  const specs = optimizerFile.specs as tf.io.WeightsManifestEntry[];
  const named = await readWeightsBin(dir, RUN_FILES.optimizerWeights, specs);
  await optimizer.setWeights(specs.map((s) => ({ name: s.name, tensor: named[s.name] })));
  tf.dispose(Object.values(named)); // setWeights made its own variables from them
  const state = await readTrainerState(dir);
  if (!state) throw missingForResume(dir, RUN_FILES.trainer);
  return state;
}

/**
 * A run with weight averaging resumes with the checkpoint's model as the average and training-weights.bin put back
 * into the model, in the model's weight order.
 */
export async function restoreAveraging(dir: string, weights: tf.Variable[], decay: number, state: TrainerState): Promise<WeightAverage> {
  if (!state.averaging) throw new RunError(`Cannot resume: ${path.join(dir, RUN_FILES.trainer)} has no weight-averaging state although the run averages its weights.`);
  const specs = state.averaging.specs as tf.io.WeightsManifestEntry[];
  const named = await readWeightsBin(dir, RUN_FILES.trainingWeights, specs);
  const fits = specs.length === weights.length && specs.every((s, i) => tf.util.arraysEqual(s.shape, weights[i].shape));
  if (!fits) {
    tf.dispose(Object.values(named));
    throw new RunError(`Cannot resume: ${path.join(dir, RUN_FILES.trainingWeights)} does not match the model's weights.`);
  }
  const average = weights.map((w) => w.clone());
  weights.forEach((w, i) => w.assign(named[specs[i].name]));
  tf.dispose(Object.values(named));
  const restored = new WeightAverage(decay, weights, state.averaging.updates, average);
  tf.dispose(average);
  return restored;
}

type RunRef = { dir: string; info: { id: string; epochsDone?: number } };
const otherCheckpoint = (which: CheckpointName): CheckpointName => (which === 'best' ? 'last' : 'best');

/**
 * A run's best or last checkpoint with its meta, for reading (evaluate, explain). A checkpoint whose swap a crash
 * interrupted is read from its newest complete copy (renaming nothing: this process does not hold the run), said in
 * one line through `log`. Clear errors: no epoch finished yet; the folder is missing although epochs finished; a
 * truncated weights file — each offering the other checkpoint when there is one.
 */
export async function openRunCheckpoint(run: RunRef, which: CheckpointName = 'best', log?: (message: string) => void):
  Promise<{ model: tf.LayersModel; meta: CheckpointMeta }> {
  const other = otherCheckpoint(which);
  const hasOther = async () => !!(await locateCheckpoint(run.dir, other, checkpointFs).catch(() => undefined));
  const location = await locateCheckpoint(run.dir, which, checkpointFs);
  const meta = location && (location.recovered?.meta ?? await readCheckpointMeta(location.dir));
  if (!location || !meta) {
    const done = run.info.epochsDone ?? 0;
    const offer = await hasOther();
    if (done === 0 && !offer) throw new RunError(`Run ${run.info.id} has no ${which} checkpoint yet (no epoch finished).`);
    const what = location ? path.join(location.dir, RUN_FILES.meta) : checkpointDir(run.dir, which);
    const epochs = done > 0 ? ` although ${done} epoch${done === 1 ? '' : 's'} finished` : '';
    throw new RunError(`${what} is missing${epochs}; ${offer ? `use --checkpoint ${other}` : 'the run has no other checkpoint'}.`);
  }
  if (location.note) log?.(location.note);
  const model = await loadCheckpointModel(location.dir, (await hasOther()) ? ` — use --checkpoint ${other}` : '');
  return { model, meta };
}

/**
 * Before a resume (this process holds the run): a checkpoint folder that a crash left between the two renames of its
 * swap is replaced by its newest complete copy, renamed into place and said in one line. Returns checkpoints/last,
 * or undefined when the run has none (it stopped before its first checkpoint).
 */
export async function restoreCheckpoints(runDir: string, log: (message: string) => void): Promise<string | undefined> {
  let last: string | undefined;
  for (const which of ['best', 'last'] as const) {
    const location = await locateCheckpoint(runDir, which, checkpointFs);
    if (location?.recovered) {
      if (!isStaleTemp(location.recovered, process.pid, pidAlive)) {
        throw new RunError(`${location.dir} belongs to process ${location.recovered.pid}, which is still running: it is writing this run's checkpoints.`);
      }
      const target = path.join(runDir, CHECKPOINTS_DIR, which);
      await fs.rename(location.dir, target);
      log(`${location.note}; renamed it to ${CHECKPOINTS_DIR}/${which}.`);
      if (which === 'last') last = target;
    } else if (location && which === 'last') {
      last = location.dir;
    }
  }
  return last;
}
