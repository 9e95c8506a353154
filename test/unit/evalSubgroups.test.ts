/**
 * An evaluation reads the metadata of the images it scores: the eval file gets the subgroup tables and the
 * confounder sentences for those images, the CLI prints them; `--data <dir>` uses that folder's metadata.csv.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUN_FILES } from '../../src/shared/runFiles';
import { initBackend } from '../../src/engine/backend';
import { evaluateRun } from '../../src/engine/jobs/evaluate';
import { computeMetrics } from '../../src/engine/metrics/metrics';
import { readEvalFile } from '../../src/engine/run/runFiles';
import { formatEval } from '../../src/cli/printResult';

const FIXTURE = path.resolve('test/fixtures/run-format1');
let tmp: string;
before(async () => { tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-subgroups-')); });
after(() => fs.rm(tmp, { recursive: true, force: true }));

/**
 * The fixture's data/ (8 images per class) with site, hospital (site renamed) and sex added to its metadata.csv:
 * consolidation all 'north', effusion all 'south', normal 1–4 north and 5–8 south. Its test split is
 * consolidation 3–4, effusion 5–6, normal 1–2: north 4 images, south 2.
 */
async function dataWithSite(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await fs.cp(path.join(FIXTURE, 'data'), dir, { recursive: true });
  const rows = (await fs.readFile(path.join(dir, 'metadata.csv'), 'utf8')).trim().split('\n');
  await fs.writeFile(path.join(dir, 'metadata.csv'), [`${rows[0]},site,hospital,sex`, ...rows.slice(1).map((r) => {
    const [file, label] = r.split(',');
    const n = Number(/img-(\d+)/.exec(file)![1]);
    const site = label === 'consolidation' || (label === 'normal' && n <= 4) ? 'north' : 'south';
    return `${r},${site},${site === 'north' ? 'St. Mary' : 'General'},${n % 2 ? 'F' : 'M'}`;
  })].join('\n') + '\n');
  return dir;
}

async function copyRun(name: string, dataRoot: string): Promise<string> {
  const dir = path.join(tmp, name);
  await fs.cp(path.join(FIXTURE, 'run'), dir, { recursive: true });
  const file = path.join(dir, RUN_FILES.run);
  const run = JSON.parse(await fs.readFile(file, 'utf8'));
  run.id = name;
  run.dataset.root = dataRoot;
  await fs.writeFile(file, JSON.stringify(run));
  await fs.rm(path.join(dir, RUN_FILES.eval), { recursive: true, force: true });
  return dir;
}

test('the eval file has a subgroup table per metadata column and the confounder sentence for the evaluated images', { timeout: 120_000 }, async () => {
  await initBackend('auto');
  const data = await dataWithSite('data');
  const run = await copyRun('run', data);
  const result = await evaluateRun({ runDir: run, emit: () => {} });
  const file = (await readEvalFile(result.jsonPath))!;
  assert.equal(file.total, 6);

  // site and hospital split the test images the same way: one table, one sentence.
  assert.deepEqual(file.subgroups?.map((s) => [s.column, s.equivalents, s.missing, s.groups.map((g) => [g.value, g.count])]), [
    ['site', ['hospital'], 0, [['north', 4], ['south', 2]]],
    ['sex', [], 0, [['F', 3], ['M', 3]]],
  ]);
  for (const col of file.subgroups!) {
    for (const g of col.groups) {
      const mine = file.predictions.filter((p) => {
        const rel = p.rel;
        const n = Number(/img-(\d+)/.exec(rel)![1]);
        const cls = rel.split('/')[0];
        const site = cls === 'consolidation' || (cls === 'normal' && n <= 4) ? 'north' : 'south';
        return (col.column === 'site' ? site : n % 2 ? 'F' : 'M') === g.value;
      });
      const expected = computeMetrics(mine.map((p) => p.label), mine.map((p) => p.predicted), file.classes);
      assert.equal(g.accuracy, expected.accuracy, `${col.column} ${g.value}`);
      assert.equal(g.macroF1, expected.macro.f1);
      assert.deepEqual(g.perClass, expected.perClass.map((c) => ({ className: c.className, support: c.support, recall: c.support > 0 ? c.recall : null })));
    }
  }
  const north = file.subgroups![0].groups[0];
  assert.deepEqual(north.perClass.map((c) => c.recall === null), [false, true, false], 'no effusion image in the north: recall n/a');

  assert.deepEqual(file.confounders?.map((c) => [c.column, c.equivalents, c.cramersV, c.images]), [['site', ['hospital'], 1, 6]]);
  assert.equal(file.confounders![0].message,
    "site predicts the class with Cramér's V 1.00 over 6 images — a model can learn the site instead of the finding (hospital split the images the same way).");
  assert.deepEqual(result.confounders, file.confounders);
  assert.deepEqual(result.subgroups, file.subgroups);

  const text = formatEval(result);
  assert.match(text, /\n {2}warning: site predicts the class with Cramér's V 1\.00 over 6 images/);
  assert.match(text, /\n {2}subgroups by site \(hospital: the same split\), recall per class:\n {4}value +images +acc +macro-F1 +consolidation +effusion +normal\n {4}north +4 /);
  assert.match(text, /\n {2}subgroups by sex, recall per class:/);
});

test('--data <dir> reads that folder\'s metadata.csv; a dataset without extra columns gets empty lists, not a crash', { timeout: 120_000 }, async () => {
  await initBackend('auto');
  const run = await copyRun('plain', path.join(FIXTURE, 'data'));
  const other = await dataWithSite('other');
  const result = await evaluateRun({ runDir: run, data: other, emit: () => {} });
  assert.equal(result.name, 'data-other');
  const file = (await readEvalFile(result.jsonPath))!;
  assert.deepEqual(file.subgroups?.[0].groups.map((g) => [g.value, g.count]), [['north', 12], ['south', 12]]);
  assert.equal(file.confounders?.[0].message,
    "consolidation: all 8 images come from site 'north'; effusion: all 8 images come from site 'south', and site predicts the class with Cramér's V 0.82 — a model can learn the site instead of the finding (hospital split the images the same way).");

  // The fixture's own metadata.csv has file, label and patient only: nothing to group by or warn about.
  const plainResult = await evaluateRun({ runDir: run, emit: () => {} });
  const plain = (await readEvalFile(plainResult.jsonPath))!;
  assert.deepEqual(plain.subgroups, []);
  assert.deepEqual(plain.confounders, []);
  assert.doesNotMatch(formatEval(plainResult), /subgroups by|warning:/);
});
