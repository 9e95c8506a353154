import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { compareCase, type CaseResult } from './compareCase';

/**
 * `npm run parity`, second half: loads every case the Python scripts wrote under <dir> (default
 * .cxr-lab/parity) with our loaders and architectures, and prints one row per case. Exit 1 when a row is
 * out of bounds: logits relative error > 1e-4, CAM correlation < 0.99.
 */
const LOGITS_BOUND = 1e-4;
const CAM_BOUND = 0.99;

function fmt(x: number | undefined, digits: (v: number) => string): string {
  return x === undefined ? '—' : digits(x);
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? '.cxr-lab/parity';
  const backend = await initBackend((process.env.CXR_LAB_BACKEND as 'auto') ?? 'auto');
  const names = (await fs.readdir(dir).catch(() => [] as string[])).sort();
  const cases: string[] = [];
  for (const n of names) if (await fs.stat(path.join(dir, n, 'meta.json')).catch(() => undefined)) cases.push(n);
  if (cases.length === 0) throw new Error(`No parity cases in ${dir}: run make_torch.py / make_keras.py first (npm run parity does).`);
  console.log(`Parity on ${new Date().toISOString().slice(0, 10)}, backend ${backend.name}, ${cases.length} cases in ${dir}`);
  console.log('| case | peer | max rel. logit error | activation rel. error | Grad-CAM correlation | ok |');
  console.log('|---|---|---|---|---|---|');
  let failed = 0;
  for (const name of cases) {
    let r: CaseResult;
    try {
      r = await compareCase(path.join(dir, name));
    } catch (err) {
      failed++;
      console.log(`| ${name} | — | error: ${(err as Error).message} | | | no |`);
      continue;
    }
    const ok = r.logitsRelErr <= LOGITS_BOUND && (r.camCorrelation === undefined || r.camCorrelation >= CAM_BOUND);
    if (!ok) failed++;
    console.log(`| ${name} | ${r.peer} | ${r.logitsRelErr.toExponential(1)} | ${fmt(r.activationRelErr, (v) => v.toExponential(1))} | ` +
      `${fmt(r.camCorrelation, (v) => `${v.toFixed(6)} (1 − r = ${(1 - v).toExponential(0)})`)} | ${ok ? 'yes' : 'NO'} |`);
  }
  console.log(`Bounds: logits ≤ ${LOGITS_BOUND}, Grad-CAM correlation ≥ ${CAM_BOUND}. ${cases.length - failed}/${cases.length} within bounds.`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(`parity: ${(err as Error).message}`);
  process.exitCode = 1;
});
