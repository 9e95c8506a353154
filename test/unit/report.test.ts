/**
 * The report on a tiny trained pair (phantom X-rays, MobileNetV2 and ResNet18 at 32 px, 1 epoch, one split): one
 * self-contained HTML file (no URL, no script, no external source; every figure inline), written atomically, with the
 * table, paired tests, Grad-CAM grid, model card and CLAIM checklist; the Markdown form with its PNGs beside it; a run
 * still training is reported at its best checkpoint and said so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { initBackend } from '../../src/engine/backend';
import { train } from '../../src/engine/train/trainer';
import { defaultReportPath, writeReport } from '../../src/engine/jobs/report';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { RUN_FILES, type RunInfo } from '../../src/shared/runFiles';

let tmp: string, data: string;
const runs: string[] = [];
const quiet = () => {};

before(async () => {
  await initBackend('auto');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-report-'));
  data = path.join(tmp, 'data');
  await generatePhantomDataset(data, { perClass: 12, size: 40, seed: 3, classes: 3 });
  const common = { imageSize: 32, epochs: 1, batchSize: 8, valPerClass: 3, testPerClass: 4, seed: 1, lr: 3e-3 };
  for (const [name, config] of [['mnv2', { ...common, arch: 'mobilenetv2', widthMultiplier: 0.35 }], ['resnet18', { ...common, arch: 'resnet18' }]] as const) {
    const runDir = path.join(tmp, 'runs', name);
    const r = await train({ dataset: data, config, runDir, emit: quiet });
    assert.equal(r.status, 'completed');
    runs.push(runDir);
  }
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

/** Everything in the HTML that would reach outside the file. */
function externalReferences(html: string): string[] {
  return [
    ...html.match(/https?:\/\/[^\s"'<>)]*/g) ?? [],
    ...html.match(/<(script|link|iframe|object|embed)\b[^>]*>/gi) ?? [],
    ...(html.match(/\b(src|href)\s*=\s*"([^"]*)"/gi) ?? []).filter((a) => !/=\s*"(data:|#)/i.test(a)),
    ...(html.match(/url\(\s*['"]?([^)'"]*)/gi) ?? []).filter((u) => !/url\(\s*['"]?#/.test(u)),
    ...html.match(/@import/g) ?? [],
  ];
}

test('the HTML report is one self-contained file with every section, written atomically, no tensors leaked', { timeout: 300_000 }, async () => {
  const out = path.join(tmp, 'reports', 'pair.html');
  const before = tf.memory().numTensors;
  const phases = new Set<string>();
  const r = await writeReport({ runs, out, camImages: 3, emit: (e) => { if (e.type === 'progress') phases.add(e.phase); } });
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  assert.equal(r.out, out);
  assert.equal(r.format, 'html');
  assert.deepEqual(r.runs, runs);
  for (const phase of ['evaluate', 'paired tests', 'scan', 'grid', 'write']) assert.ok(phases.has(phase), `progress of ${phase}: ${[...phases].join(', ')}`);
  assert.deepEqual(await fs.readdir(path.dirname(out)), ['pair.html'], 'no temporary file left beside it');
  const html = await fs.readFile(out, 'utf8');
  assert.equal(Buffer.byteLength(html), r.bytes);
  assert.deepEqual(externalReferences(html), [], 'nothing outside the file');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">/);
  for (const id of ['summary', 'dataset', 'recipe', 'curves', 'results', 'paired-tests-section', 'confusion', 'roc', 'gradcam', 'audit', 'environment', 'model-card', 'claim']) {
    assert.match(html, new RegExp(`<section id="${id}">`), `section ${id}`);
  }
  assert.match(html, /<table id="compare-table">/);
  assert.match(html, /mobilenetv2 vs resnet18: macro-F1 [+−]?\d\.\d{3} \([^)]*\), macro AUC [^,]*, McNemar p [=<] [\d.]+ — (no evidence of a difference|.*evidence)/);
  // Figures: inline SVG (curves, confusion matrices, ROC) and the Grad-CAM grid as a PNG data URI that decodes.
  assert.ok((html.match(/<svg /g) ?? []).length >= 6, 'curves ×2, confusion ×2, ROC ×2');
  const grid = html.match(/<img alt="Grad-CAM grid[^"]*" width="(\d+)" height="(\d+)"[^>]* src="data:image\/png;base64,([^"]+)"/);
  assert.ok(grid, 'the Grad-CAM grid is inlined');
  const meta = await sharp(Buffer.from(grid[3], 'base64')).metadata();
  assert.deepEqual([meta.width, meta.height], [Number(grid[1]), Number(grid[2])]);
  // Model card and CLAIM: filled items and items for the author.
  assert.match(html, /Model card/);
  assert.match(html, /CLAIM checklist/);
  const claim = html.slice(html.indexOf('<section id="claim">'));
  const filled = (claim.match(/<tr class="filled">/g) ?? []).length, author = (claim.match(/<tr class="author">/g) ?? []).length;
  assert.equal(filled + author, 42, 'the 42 CLAIM items');
  assert.ok(filled >= 15 && author >= 15, `${filled} filled, ${author} for the author`);
  assert.match(claim, /Level at which partitions are disjoint[^<]*<\/td><td>✓ filled<\/td><td>Patient: all images of a patient are in one partition\./);
});

test('Markdown: the .md file and its figures as PNGs in <name>_files/, every link resolving', { timeout: 300_000 }, async () => {
  const out = path.join(tmp, 'md', 'pair.md');
  const r = await writeReport({ runs, out, camImages: 2, emit: quiet });
  assert.equal(r.format, 'markdown');
  const md = await fs.readFile(out, 'utf8');
  const links = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => decodeURI(m[1]));
  assert.ok(links.length >= 7, `${links.length} figures`);
  assert.deepEqual(links.map((l) => path.join(path.dirname(out), l)).sort(), [...r.figures].sort());
  for (const file of r.figures) assert.equal((await sharp(file).metadata()).format, 'png');
  assert.match(md, /\| model \| accuracy \| macro-F1 \|/);
  assert.doesNotMatch(md, /https?:\/\//);
});

test('a run still training is reported at its best checkpoint, and the report says so', { timeout: 300_000 }, async () => {
  const file = path.join(runs[1], RUN_FILES.run);
  const original = await fs.readFile(file, 'utf8');
  const info = JSON.parse(original) as RunInfo;
  await fs.writeFile(file, JSON.stringify({ ...info, status: 'running', config: { ...info.config, epochs: 5 } }));
  await fs.writeFile(path.join(runs[1], RUN_FILES.lock), JSON.stringify({ format: 1, pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), job: 'training' }));
  try {
    const r = await writeReport({ runs, out: path.join(tmp, 'live.html'), camImages: 0, emit: quiet });
    assert.ok(r.warnings.some((w) => /^resnet18: Still training \(1 of 5 epochs done\): compared at its best checkpoint so far \(epoch 1\)/.test(w)), r.warnings.join('\n'));
    const html = await fs.readFile(r.out, 'utf8');
    assert.match(html, /Still training \(1 of 5 epochs done\)/);
    assert.match(html, /No Grad-CAM grid was asked for/);
  } finally {
    await fs.writeFile(file, original);
    await fs.rm(path.join(runs[1], RUN_FILES.lock), { force: true });
  }
});

test('without --out: a sweep\'s report in .cxr-lab/reports/<sweep id> (or its own folder), runs\' beside the first run', () => {
  const now = new Date('2026-11-30T01:02:03Z');
  assert.equal(defaultReportPath({ dir: '/ws/.cxr-lab/sweeps/20261130-000000', id: '20261130-000000' }, '/x', 'html', now), '/ws/.cxr-lab/reports/20261130-000000.html');
  assert.equal(defaultReportPath({ dir: '/tmp/my-sweep', id: 'my-sweep' }, '/x', 'markdown', now), '/tmp/my-sweep/report.md');
  assert.equal(defaultReportPath(undefined, '/ws/.cxr-lab/runs/r1', 'html', now), '/ws/.cxr-lab/reports/report-20261130-010203.html');
});
