/**
 * ResNet18 at 224 px, batch 20, Adam + cross-entropy (the trainer's own step): training and inference img/s on
 * the native TensorFlow backend (tfjs-node) and on wasm, one child process per backend so neither sees the
 * other's state. Also reports whether the tensor count stays flat over the steps and how many cores each
 * backend kept busy (process CPU time / wall time).
 *
 *   node --import tsx bench/tfjsNodeSpeed.ts [--backends tensorflow,wasm] [--warmup 2] [--steps 5]
 *
 * `--backends tensorflow@1` runs TensorFlow with TF_NUM_INTRAOP_THREADS=1 (its default is one thread per CPU).
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine/backend';
import { createModel } from '../src/engine/models/registry';
import { pickMicroBatch } from '../src/engine/train/microBatch';
import { trainStep, trainableVariables } from '../src/engine/train/step';

const ARCH = 'resnet18';
const SIZE = 224;
const BATCH = 20;
const NUM_CLASSES = 3;

interface Phase { imgPerSec: number; stepSeconds: number[]; coresBusy: number; tensorsAfterEachStep: number[] }
interface ChildResult { backend: string; threads: number; versions: Record<string, string>; microBatch: number; train: Phase; infer: Phase }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function child(backend: string, warmup: number, steps: number): Promise<ChildResult> {
  const info = await initBackend(backend as 'tensorflow' | 'wasm');
  const { model } = await createModel(ARCH, { numClasses: NUM_CLASSES, imageSize: SIZE });
  const x = Float32Array.from({ length: BATCH * SIZE * SIZE * 3 }, () => Math.random() * 4 - 2);
  const labels = Int32Array.from({ length: BATCH }, (_, i) => i % NUM_CLASSES);

  /** Times `steps` calls after `warmup` untimed ones; CPU time over wall time says how many cores were busy. */
  const timed = (fn: () => void): Phase => {
    for (let i = 0; i < warmup; i++) fn();
    const stepSeconds: number[] = [];
    const tensorsAfterEachStep: number[] = [];
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      fn();
      stepSeconds.push((performance.now() - t0) / 1000);
      tensorsAfterEachStep.push(tf.memory().numTensors);
    }
    const cpu = process.cpuUsage(cpu0);
    const coresBusy = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0);
    return { imgPerSec: BATCH / median(stepSeconds), stepSeconds, coresBusy, tensorsAfterEachStep };
  };

  const optimizer = tf.train.adam(1e-4, 0.9, 0.999, 1e-8);
  const vars = trainableVariables(model);
  const microBatch = pickMicroBatch(ARCH, SIZE, BATCH, info.name);
  // Reading a weight back makes sure the Adam update has run before the clock stops.
  const train = timed(() => { trainStep(model, optimizer, vars, x, labels, SIZE, NUM_CLASSES, microBatch); vars[0]!.dataSync(); });
  const infer = timed(() => tf.tidy(() => {
    const logits = model.apply(tf.tensor4d(x, [BATCH, SIZE, SIZE, 3]), { training: false }) as tf.Tensor;
    tf.softmax(logits).dataSync();
  }));
  return { backend: info.name, threads: info.threads, versions: info.versions, microBatch, train, infer };
}

function runChild(spec: string, warmup: number, steps: number): ChildResult | string {
  const [backend, threads] = spec.split('@');
  const env = { ...process.env, ...(threads ? { TF_NUM_INTRAOP_THREADS: threads } : {}) };
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', backend!, '--warmup', String(warmup), '--steps', String(steps)],
    { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) return `exit ${r.status ?? r.signal}: ${last || 'no output'}`;
  return JSON.parse(last) as ChildResult;
}

function describe(p: Phase): string {
  const flat = p.tensorsAfterEachStep.every((n) => n === p.tensorsAfterEachStep[0]);
  return `${p.imgPerSec.toFixed(2)} img/s (steps ${p.stepSeconds.map((s) => s.toFixed(2)).join(' ')} s; ` +
    `cores busy ${p.coresBusy.toFixed(2)}; tensors ${flat ? `flat at ${p.tensorsAfterEachStep[0]}` : `GREW ${p.tensorsAfterEachStep.join('→')}`})`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { child: { type: 'string' }, backends: { type: 'string', default: 'tensorflow,wasm' }, warmup: { type: 'string', default: '2' }, steps: { type: 'string', default: '5' } },
  });
  const warmup = Number(values.warmup);
  const steps = Number(values.steps);
  if (values.child) {
    process.stdout.write(`\n${JSON.stringify(await child(values.child, warmup, steps))}\n`);
    return;
  }
  console.log(`${ARCH} ${SIZE} px, batch ${BATCH}, Adam, cross-entropy; median of ${steps} steps after ${warmup} warm-up; ` +
    `${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at start`);
  let grew = false;
  for (const spec of values.backends.split(',')) {
    const t0 = Date.now();
    const r = runChild(spec, warmup, steps);
    if (typeof r === 'string') { console.log(`${spec}: failed (${r})`); grew = true; continue; }
    const v = r.versions;
    console.log(`${spec}: ${r.backend}, ${r.threads} thread(s), micro-batch ${r.microBatch}, ` +
      `${v['tensorflow'] ? `tfjs-node ${v['tfjs-node']} on TensorFlow ${v['tensorflow']}` : `tfjs-backend-wasm ${v['tfjs-backend-wasm'] ?? '?'}`} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    console.log(`  train  ${describe(r.train)}`);
    console.log(`  infer  ${describe(r.infer)}`);
    grew ||= [r.train, r.infer].some((p) => p.tensorsAfterEachStep.some((n) => n !== p.tensorsAfterEachStep[0]));
  }
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at end`);
  process.exitCode = grew ? 1 : 0;
}

main().catch((e: Error) => {
  process.stderr.write(`tfjsNodeSpeed: ${e.message}\n`);
  process.exit(1);
});
