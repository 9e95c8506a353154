import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { compareCase, type CaseResult } from './compareCase';

/**
 * `npm run parity`, second half: loads every case the Python scripts wrote under <dir> (default
 * .cxr-lab/parity) with our loaders and architectures, and prints one row per case, then one row per case
 * with the Pearson r of each CAM method variant (cams.json) against pytorch-grad-cam. Exit 1 when a row is
 * out of bounds: logits relative error > 1e-4, a CAM correlation < 0.99, a faithfulness score (faithfulness.json: ROAD,
 * Average Drop, Increase in Confidence on the peer's map) more than 1e-3 from pytorch-grad-cam's / torch-cam's.
 * Options after <dir>: --methods <id,id,…> compares only those CAM methods.
 */
const LOGITS_BOUND = 1e-4;
const CAM_BOUND = 0.99;
const FAITHFULNESS_BOUND = 1e-3;

function fmt(x: number | undefined, digits: (v: number) => string): string {
  return x === undefined ? '—' : digits(x);
}

/** r with 6 decimals, and 1 − r when that rounds to 1. */
function fmtR(r: number): string {
  return r.toFixed(6) === '1.000000' ? `1.000000 (1 − r = ${(1 - r).toExponential(0)})` : r.toFixed(6);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const methodsAt = args.indexOf('--methods');
  const only = methodsAt >= 0 ? args.splice(methodsAt, 2)[1]?.split(',') : undefined;
  const dir = args[0] ?? '.cxr-lab/parity';
  const backend = await initBackend((process.env.CXR_LAB_BACKEND as 'auto') ?? 'auto');
  const names = (await fs.readdir(dir).catch(() => [] as string[])).sort();
  const cases: string[] = [];
  for (const n of names) if (await fs.stat(path.join(dir, n, 'meta.json')).catch(() => undefined)) cases.push(n);
  if (cases.length === 0) throw new Error(`No parity cases in ${dir}: run make_torch.py / make_keras.py first (npm run parity does).`);
  console.log(`Parity on ${new Date().toISOString().slice(0, 10)}, backend ${backend.name}, ${cases.length} cases in ${dir}`);
  console.log('| case | peer | max rel. logit error | activation rel. error | Grad-CAM correlation | ok |');
  console.log('|---|---|---|---|---|---|');
  let failed = 0;
  let methodFailures = 0;
  let methodChecks = 0;
  const withMethods: CaseResult[] = [];
  const withFaithfulness: CaseResult[] = [];
  for (const name of cases) {
    let r: CaseResult;
    try {
      r = await compareCase(path.join(dir, name), { methods: only });
    } catch (err) {
      failed++;
      console.log(`| ${name} | — | error: ${(err as Error).message} | | | no |`);
      continue;
    }
    const methodsOk = (r.methods ?? []).every((m) => m.correlation >= CAM_BOUND);
    methodChecks += r.methods?.length ?? 0;
    methodFailures += (r.methods ?? []).filter((m) => !(m.correlation >= CAM_BOUND)).length;
    const ok = r.logitsRelErr <= LOGITS_BOUND && (r.camCorrelation === undefined || r.camCorrelation >= CAM_BOUND) && methodsOk;
    if (!ok) failed++;
    if (r.methods?.length) withMethods.push(r);
    if (r.faithfulness?.length) withFaithfulness.push(r);
    console.log(`| ${name} | ${r.peer} | ${r.logitsRelErr.toExponential(1)} | ${fmt(r.activationRelErr, (v) => v.toExponential(1))} | ` +
      `${fmt(r.camCorrelation, fmtR)} | ${ok ? 'yes' : 'NO'} |`);
  }
  console.log(`Bounds: logits ≤ ${LOGITS_BOUND}, Grad-CAM correlation ≥ ${CAM_BOUND}. ${cases.length - failed}/${cases.length} within bounds.`);

  if (withMethods.length > 0) {
    const keys = [...new Set(withMethods.flatMap((r) => r.methods!.map((m) => m.key)))];
    console.log('');
    console.log("CAM methods: Pearson r of our map and pytorch-grad-cam's (image 0, the peer's top class, 224 × 224); " +
      '+aug = aug_smooth, +eigen = eigen_smooth; r shown as 1 − (1 − r) when it rounds to 1; our seconds per map in brackets');
    console.log(`| case | layer | ${keys.join(' | ')} |`);
    console.log(`|---|---|${keys.map(() => '---|').join('')}`);
    for (const r of withMethods) {
      const cells = keys.map((k) => {
        const m = r.methods!.find((x) => x.key === k);
        if (!m) return '—';
        const flag = m.correlation >= CAM_BOUND ? '' : ' **NO**';
        const shown = m.correlation >= 0.9999995 ? `1 − ${Math.max(1 - m.correlation, 0).toExponential(0)}` : m.correlation.toFixed(6);
        return `${shown} (${m.seconds.toFixed(1)} s)${flag}`;
      });
      console.log(`| ${r.name} | ${r.methodsLayer} | ${cells.join(' | ')} |`);
    }
    console.log(`Bound: r ≥ ${CAM_BOUND}. ${methodChecks - methodFailures}/${methodChecks} method maps within bounds.`);
  }
  const faithfulnessFailures = printFaithfulness(withFaithfulness);
  process.exitCode = failed > 0 || faithfulnessFailures > 0 ? 1 : 0;
}

/** The faithfulness table (one row per case and map); returns how many scores are out of bounds. */
function printFaithfulness(results: CaseResult[]): number {
  if (results.length === 0) return 0;
  const shown = ['road-morf (probability)', 'road-lerf (probability)', 'road (probability)', 'road (logit)', 'avg-drop (torch-cam)', 'increase (torch-cam)'];
  console.log('');
  console.log("Faithfulness (image 0, the peer's top class, pytorch-grad-cam's map; ROAD's imputer noise 0, softmax-probability " +
    'target unless "logit"): pytorch-grad-cam (ROAD) / torch-cam (Average Drop, Increase in Confidence) → ours on the same map; ours on our own map in brackets');
  console.log(`| case | map | ${shown.map((s) => s.replace(/ \((probability|torch-cam)\)$/, '')).join(' | ')} | max abs. difference (all scores) | ok |`);
  console.log(`|---|---|${shown.map(() => '---|').join('')}---|---|`);
  let failures = 0, checks = 0;
  for (const r of results) {
    for (const method of [...new Set(r.faithfulness!.map((c) => c.method))]) {
      const mine = r.faithfulness!.filter((c) => c.method === method);
      const worst = Math.max(...mine.map((c) => Math.abs(c.ours - c.peer)));
      const bad = mine.filter((c) => !(Math.abs(c.ours - c.peer) <= FAITHFULNESS_BOUND)).length;
      failures += bad;
      checks += mine.length;
      const cells = shown.map((what) => {
        const c = mine.find((x) => x.what === what);
        return c ? `${c.peer.toFixed(4)} → ${c.ours.toFixed(4)}${c.endToEnd === undefined ? '' : ` (${c.endToEnd.toFixed(4)})`}` : '—';
      });
      console.log(`| ${r.name} | ${method} | ${cells.join(' | ')} | ${worst.toExponential(1)} (${mine.length}) | ${bad ? 'NO' : 'yes'} |`);
    }
  }
  console.log(`Bound: |ours − peer| ≤ ${FAITHFULNESS_BOUND} on the peer's map. ${checks - failures}/${checks} scores within bounds.`);
  return failures;
}

main().catch((err: unknown) => {
  console.error(`parity: ${(err as Error).message}`);
  process.exitCode = 1;
});
