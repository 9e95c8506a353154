/**
 * The confounding check (src/engine/dataset/confounders.ts) on constructed tables and on ../shared/data/cxr, the
 * metadata columns a scan keeps per image, the scan's 'confounder' health issue, and the subgroup metrics.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CRAMERS_V_THRESHOLD, MIN_SHARED_IMAGES, candidateColumns, columnRoles, cramersV, findConfounders, partitionKey,
} from '../../src/engine/dataset/confounders';
import { scanDataset } from '../../src/engine/dataset/scan';
import type { DatasetMetadata } from '../../src/engine/dataset/types';
import { scanSummary } from '../../src/engine/jobs/scan';
import { subgroupMetrics } from '../../src/engine/metrics/subgroups';
import { computeMetrics } from '../../src/engine/metrics/metrics';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { issuesByFile } from '../../src/extension/dataset/datasetModel';
import { formatSubgroups } from '../../src/cli/printResult';
import { SHARED_CXR, skipUnlessShared } from '../helpers/sharedData';

let tmp: string;
before(async () => { tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-confounders-')); });
after(() => fs.rm(tmp, { recursive: true, force: true }));

const CLASSES = ['A', 'B', 'C'];

/** Images from a contingency table (rows: values, columns: classes), in class order. */
function fromTable(table: number[][], valueNames: string[]): { labels: number[]; values: string[] } {
  const labels: number[] = [];
  const values: string[] = [];
  for (let c = 0; c < table[0].length; c++) {
    table.forEach((row, r) => { for (let k = 0; k < row[c]; k++) { labels.push(c); values.push(valueNames[r]); } });
  }
  return { labels, values };
}

function meta(columns: Record<string, (string | undefined)[]>, patientColumn?: string): DatasetMetadata {
  return { file: '/d/metadata.csv', columns: Object.keys(columns), values: new Map(Object.entries(columns)), ...(patientColumn ? { patientColumn } : {}) };
}

test("Cramér's V is the bias-uncorrected one (scipy.stats.contingency.association(method='cramer'))", () => {
  // Values from scipy 1.x on the same tables.
  assert.ok(Math.abs(cramersV([[10, 2, 3], [1, 12, 4], [2, 3, 9]]) - 0.5239395913171986) < 1e-12);
  assert.ok(Math.abs(cramersV([[10, 6, 6], [0, 4, 4]]) - 0.4264014327112209) < 1e-12);
  assert.ok(Math.abs(cramersV([[16, 4, 6], [4, 16, 6]]) - 0.5262348115842176) < 1e-12);
  assert.ok(Math.abs(cramersV([[14, 6, 10], [6, 14, 10]]) - 0.32659863237109044) < 1e-12);
  assert.equal(cramersV([[5, 0, 0], [3, 0, 0]]), 0, 'one class only: nothing to predict');
  assert.equal(cramersV([[5, 0], [0, 5], [0, 0]]), 1, 'empty rows are dropped');
});

test('V ≥ 0.5 is reported in one sentence, V below it is not', () => {
  assert.equal(CRAMERS_V_THRESHOLD, 0.5);
  const high = fromTable([[16, 4, 6], [4, 16, 6]], ['north', 'south']); // V 0.526, no class all one value
  const found = findConfounders(meta({ site: high.values }), high.labels, CLASSES);
  assert.equal(found.length, 1);
  assert.equal(found[0].column, 'site');
  assert.deepEqual(found[0].shared, []);
  assert.equal(found[0].images, 52);
  assert.equal(found[0].message, "site predicts the class with Cramér's V 0.53 over 52 images — a model can learn the site instead of the finding.");
  const low = fromTable([[14, 6, 10], [6, 14, 10]], ['north', 'south']); // V 0.327
  assert.deepEqual(findConfounders(meta({ site: low.values }), low.labels, CLASSES), []);
});

test('a class whose images all share one value is reported even with V < 0.5; not below MIN_SHARED_IMAGES images', () => {
  const t = fromTable([[10, 6, 6], [0, 4, 4]], ['F', 'M']); // V 0.426; every A image is 'F'
  const found = findConfounders(meta({ sex: t.values }), t.labels, CLASSES);
  assert.equal(found.length, 1);
  assert.deepEqual(found[0].shared, [{ className: 'A', value: 'F', count: 10 }]);
  assert.ok(found[0].cramersV < 0.5);
  assert.equal(found[0].message, "A: all 10 images have sex 'F' — a model can learn the sex instead of the finding.");

  const few = fromTable([[MIN_SHARED_IMAGES - 1, 6, 6], [0, 4, 4]], ['F', 'M']);
  assert.deepEqual(findConfounders(meta({ sex: few.values }), few.labels, CLASSES), [], `${MIN_SHARED_IMAGES - 1} images sharing a value say little`);

  const missing = fromTable([[10, 6, 6], [0, 4, 4]], ['F', 'M']);
  missing.values[0] = undefined as unknown as string; // one A image without a value: not "all"
  assert.deepEqual(findConfounders(meta({ sex: missing.values }), missing.labels, CLASSES), []);

  const both = fromTable([[20, 0, 5], [0, 0, 5], [0, 20, 0]], ['kermany', 'kaggle', 'hannover']); // scipy: V 0.8366600265340756
  assert.equal(findConfounders(meta({ source: both.values }), both.labels, CLASSES)[0].message,
    "A: all 20 images come from source 'kermany'; B: all 20 images come from source 'hannover', and source predicts the class with Cramér's V 0.84 — a model can learn the source instead of the finding.");
});

test('the label, file/path, identifier-like and constant columns are no candidates, however well they predict', () => {
  const labels = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
  const classNames = labels.map((l) => CLASSES[l]);
  const m = meta({
    label: classNames.map((c) => c.toLowerCase()), // the folder class (case aside)
    diagnosis: labels.map((l) => `code-${l}`), // named as a label and splitting as the classes do
    image_path: labels.map((_, i) => `x/${i}.png`),
    origin_path: labels.map((l, i) => `repo/${l}/${Math.floor(i / 2)}`), // a path by name
    thumbnail: labels.map((l, i) => `t${l}-${i % 2}.jpg`), // image files by value
    patient: labels.map((l, i) => `p${l}-${i % 2}`), // the patient column, though not unique per row
    accession: labels.map((l, i) => `acc-${l}-${i % 3}`), // 9 distinct of 12 rows: identifier-like
    study: labels.map(() => 'S1'), // constant
    hospital: labels.map((l) => ['H1', 'H2', 'H3'][l]), // a real confounder, split exactly as the classes are
  }, 'patient');
  assert.deepEqual(Object.fromEntries(columnRoles(m, classNames)), {
    label: 'label', diagnosis: 'label', image_path: 'file', origin_path: 'file', thumbnail: 'file', patient: 'identifier',
    accession: 'identifier', study: 'constant', hospital: 'candidate',
  });
  assert.deepEqual(candidateColumns(m, classNames), ['hospital']);
  const found = findConfounders(m, labels, CLASSES);
  assert.deepEqual(found.map((c) => [c.column, c.equivalents, c.cramersV]), [['hospital', [], 1]],
    'a site column aligned with the classes is the worst confounder, not a label column');
  // Half the rows distinct is not more than half: still a candidate.
  const half = meta({ batch: labels.map((_, i) => `b${Math.floor(i / 2)}`) });
  assert.equal(columnRoles(half, classNames).get('batch'), 'candidate');
});

test('columns that split the images the same way (whatever their values are called) are one warning naming the others', () => {
  const t = fromTable([[20, 0, 5], [0, 10, 5], [0, 10, 0]], ['kermany', 'kaggle', 'hannover']);
  const rename = (map: Record<string, string>) => t.values.map((v) => map[v]);
  const m = meta({
    source: t.values,
    license: rename({ kermany: 'CC BY 4.0', kaggle: 'none', hannover: 'CC BY 3.0' }),
    region: rename({ kermany: 'US', kaggle: 'EU', hannover: 'EU' }), // coarser: not the same split
    origin_repo: rename({ kermany: 'z/k', kaggle: 'a/q', hannover: 'm/h' }), // other names, other first-appearance order
  });
  assert.equal(partitionKey(m.values.get('source')!), partitionKey(m.values.get('origin_repo')!));
  assert.notEqual(partitionKey(m.values.get('source')!), partitionKey(m.values.get('region')!));
  assert.equal(partitionKey(['a', 'b', 'a', undefined]), partitionKey(['x', 'y', 'x', undefined]));
  assert.notEqual(partitionKey(['a', 'b', 'a', undefined]), partitionKey(['x', 'y', 'x', 'y']));
  const found = findConfounders(m, t.labels, CLASSES);
  assert.deepEqual(found.map((c) => [c.column, c.equivalents]), [['source', ['license', 'origin_repo']], ['region', []]]);
  assert.match(found[0].message, /^A: all 20 images come from source 'kermany', and source predicts the class with Cramér's V 0\.\d\d — a model can learn the source instead of the finding \(license, origin_repo split the images the same way\)\.$/);
  // Judged on a subset (an evaluation's images), columns that differ only outside it become equivalent.
  const rows = t.labels.map((_, i) => i).filter((i) => t.values[i] !== 'hannover');
  assert.deepEqual(findConfounders(m, t.labels, CLASSES, { rows, candidates: ['source', 'license', 'region', 'origin_repo'] }).map((c) => [c.column, c.equivalents]),
    [['source', ['license', 'region', 'origin_repo']]]);
});

test('real CXR data: exactly one warning, for source, with license, origin_repo and origin_commit as equivalents', { skip: skipUnlessShared(SHARED_CXR) }, async () => {
  const scan = await scanDataset(SHARED_CXR, { verify: false });
  const m = scan.metadata!;
  assert.deepEqual(m.columns, ['label', 'source', 'patient', 'license', 'origin_repo', 'origin_commit', 'origin_path']);
  assert.equal(m.patientColumn, 'patient');
  assert.ok(m.values.get('source')!.every((v) => v !== undefined));
  const found = findConfounders(m, scan.items.map((i) => i.label), scan.classes);
  assert.deepEqual(found.map((c) => [c.column, c.equivalents]), [['source', ['license', 'origin_repo', 'origin_commit']]]);
  assert.deepEqual(found[0].shared, [{ className: 'Viral_Pneumonia', value: 'kermany', count: 240 }]);
  assert.ok(Math.abs(found[0].cramersV - 0.5954101511425677) < 1e-12, 'scipy association(method=cramer) on source × label');
  const issues = scan.health.issues.filter((i) => i.kind === 'confounder');
  assert.equal(issues.length, 1);
  assert.equal(issues[0].message, "Viral_Pneumonia: all 240 images come from source 'kermany', and source predicts the class with Cramér's V 0.60 — a model can learn the source instead of the finding (license, origin_repo, origin_commit split the images the same way).");
  console.log(`real-data check: ${issues[0].severity}: ${issues[0].message}`);
});

/** A 3-class phantom dataset (10 per class) whose metadata.csv has site (consolidation all A, effusion all B), its renamed twin, sex and an id. */
async function siteDataset(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await generatePhantomDataset(dir, { perClass: 10, size: 32, classes: 3 });
  const rows = (await fs.readFile(path.join(dir, 'metadata.csv'), 'utf8')).trim().split('\n');
  const out = [`${rows[0]},site,scanner,sex,accession`];
  rows.slice(1).forEach((r, i) => {
    const [file, label] = r.split(',');
    const n = Number(/img-(\d+)/.exec(file)![1]);
    const site = label === 'consolidation' ? 'A' : label === 'effusion' ? 'B' : n <= 5 ? 'A' : 'B';
    out.push(`${r},${site},${site === 'A' ? 'GE "Optima"' : 'Siemens'},${n % 2 ? 'F' : 'M'},ACC${i}`);
  });
  // The scanner names are quoted with a comma-free twin; CSV quoting is parseCsv's.
  await fs.writeFile(path.join(dir, 'metadata.csv'), out.map((l) => l.replace('GE "Optima"', '"GE ""Optima"""')).join('\n') + '\n');
  return dir;
}

test('scan keeps every metadata column per image and reports the confounder as a warning on metadata.csv (Problems panel)', async () => {
  const dir = await siteDataset('scan');
  const scan = await scanDataset(dir, { verify: false });
  const m = scan.metadata!;
  assert.equal(m.file, path.join(dir, 'metadata.csv'));
  assert.deepEqual(m.columns, ['label', 'patient', 'site', 'scanner', 'sex', 'accession']);
  const at = scan.items.findIndex((i) => i.rel === 'normal/img-0003.png');
  assert.equal(m.values.get('site')![at], 'A');
  assert.equal(m.values.get('scanner')![at], 'GE "Optima"');
  assert.equal(m.values.get('sex')![at], 'F');
  const issues = scan.health.issues.filter((i) => i.kind === 'confounder');
  assert.deepEqual(issues.map((i) => [i.severity, i.file, i.message]), [['warning', m.file,
    "consolidation: all 10 images come from site 'A'; effusion: all 10 images come from site 'B', and site predicts the class with Cramér's V 0.82 — a model can learn the site instead of the finding (scanner split the images the same way)."]]);

  const summary = await scanSummary({ root: dir, emit: () => {} });
  const onCsv = issuesByFile(summary).get(m.file) ?? [];
  assert.deepEqual(onCsv.map((i) => i.kind), ['confounder'], 'the extension turns it into a diagnostic on metadata.csv');
});

test('metadata.csv without a patient column still gives its columns; none without a file column', async () => {
  const dir = path.join(tmp, 'nopatient');
  await generatePhantomDataset(dir, { perClass: 2, size: 32, classes: 3 });
  const rows = (await fs.readFile(path.join(dir, 'metadata.csv'), 'utf8')).trim().split('\n').map((r) => r.split(',').slice(0, 2).join(','));
  await fs.writeFile(path.join(dir, 'metadata.csv'), [`${rows[0]},site`, ...rows.slice(1).map((r, i) => `${r},s${i % 2}`)].join('\n'));
  const scan = await scanDataset(dir, { verify: false });
  assert.equal(scan.patientSource, 'none');
  assert.deepEqual(scan.metadata?.columns, ['label', 'site']);
  assert.deepEqual(scan.items.map((it) => it.patient), scan.items.map((it) => it.rel));
  await fs.writeFile(path.join(dir, 'metadata.csv'), 'name,site\na.png,x\n');
  assert.equal((await scanDataset(dir, { verify: false })).metadata, undefined);
});

test('subgroup metrics: computeMetrics on each value\'s images, recall null for a class absent from the subgroup', () => {
  const labels = [0, 0, 1, 1, 2, 2, 0, 1];
  const predicted = [0, 1, 1, 1, 2, 0, 0, 0];
  const site = ['b', 'b', 'b', 'a', 'a', 'a', undefined, 'site 10'];
  const [col] = subgroupMetrics([{ column: 'site', equivalents: ['hospital'], values: site }], labels, predicted, CLASSES);
  assert.equal(col.column, 'site');
  assert.deepEqual(col.equivalents, ['hospital']);
  assert.equal(col.missing, 1);
  assert.deepEqual(col.groups.map((g) => [g.value, g.count]), [['a', 3], ['b', 3], ['site 10', 1]]);
  const b = computeMetrics([0, 0, 1], [0, 1, 1], CLASSES);
  assert.deepEqual(col.groups[1], {
    value: 'b', count: 3, accuracy: b.accuracy, macroF1: b.macro.f1,
    perClass: [{ className: 'A', support: 2, recall: 0.5 }, { className: 'B', support: 1, recall: 1 }, { className: 'C', support: 0, recall: null }],
  });
  const text = formatSubgroups([col]).join('\n');
  assert.match(text, /subgroups by site \(hospital: the same split\), recall per class:/);
  assert.match(text, /\n {4}b +3 +66\.7% +0\.\d{3} +50\.0% +100\.0% +n\/a/);
  assert.match(text, /1 image without a site/);
});
