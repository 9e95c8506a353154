/**
 * Evaluation metrics on 10,000 predictions: everything `cxr-lab evaluate` computes after the model has predicted —
 * confusion matrix and report, ROC/PR curves and AUCs, operating points, kappa, log loss, Brier, ECE and reliability
 * bins, temperature scaling (fitted on 2,000 validation predictions) and the 2000-resample patient bootstrap.
 * Goal (issue 11): under 2 s. A benchmark, not a test: it prints the seconds and the machine load.
 *
 *   node --import tsx bench/evalMetrics.ts [images] [classes]
 */
import * as os from 'node:os';
import { createRng } from '../src/engine/random';
import { scorePredictions } from '../src/engine/metrics/scorePredictions';

const n = Number(process.argv[2] ?? 10_000), k = Number(process.argv[3] ?? 3);
const rng = createRng(2026);

/** Probability rows of a model that leans toward the true class, rounded to 4 decimals (ties, as float32 softmax gives). */
function synthetic(count: number): { labels: number[]; probabilities: number[][]; patients: string[] } {
  const labels: number[] = [], probabilities: number[][] = [], patients: string[] = [];
  for (let i = 0; i < count; i++) {
    const label = rng.int(k);
    const logits = Array.from({ length: k }, (_, c) => 2 * (rng.next() + rng.next() - 1) + (c === label ? 2 : 0));
    const e = logits.map(Math.exp), s = e.reduce((a, b) => a + b, 0);
    labels.push(label);
    probabilities.push(e.map((v) => Math.round((v / s) * 1e4) / 1e4));
    patients.push(`patient${Math.floor(i / 2.5)}`); // 2–3 images per patient
  }
  return { labels, probabilities, patients };
}

const test = synthetic(n), val = synthetic(2000);
const classes = Array.from({ length: k }, (_, c) => `class${c}`);
const load = os.loadavg().map((v) => v.toFixed(2)).join(' ');

// Warm-up on a small set (JIT), then the measured runs.
scorePredictions({ ...synthetic(500), classes, seed: 1, resamples: 50 });
const times: number[] = [];
let clusters = 0;
for (let run = 0; run < 3; run++) {
  const t0 = performance.now();
  const scored = scorePredictions({ ...test, classes, seed: 42, calibrateOn: { name: 'val', ...val } });
  times.push((performance.now() - t0) / 1000);
  clusters = scored.bootstrap!.clusters;
}
const best = Math.min(...times);
console.log(`evaluation metrics, ${n} predictions × ${k} classes, ${clusters} patients, 2000 resamples, temperature scaling on ${val.labels.length}:`);
console.log(`  ${times.map((t) => t.toFixed(2)).join(' s, ')} s (best ${best.toFixed(2)} s; goal < 2 s) — load average ${load} on ${os.cpus().length} cores, Node ${process.version}`);
