/** `cxr-lab compare` and `cxr-lab report` as users run them (the esbuild bundle): exit codes, --json, the files written. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUN_FILES } from '../../src/shared/runFiles';
import { CLI, requireBuilt } from '../helpers/cli';

const FIXTURE = path.resolve('test/fixtures/run-format1');
let tmp: string;

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp, timeout: 180_000 });
const result = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; result?: Record<string, unknown> }).find((e) => e.type === 'result')!.result!;

/** A copy of the fixture run (MobileNetV2 at 32 px) under `name`, reading the fixture's data, without its evaluation. */
async function copyRun(name: string, root = path.join(FIXTURE, 'data')): Promise<string> {
  const dir = path.join(tmp, 'runs', name);
  await fs.cp(path.join(FIXTURE, 'run'), dir, { recursive: true });
  const file = path.join(dir, RUN_FILES.run);
  const info = JSON.parse(await fs.readFile(file, 'utf8'));
  await fs.writeFile(file, JSON.stringify({ ...info, id: name, dataset: { ...info.dataset, root } }));
  await fs.rm(path.join(dir, RUN_FILES.eval), { recursive: true, force: true });
  return dir;
}

before(async () => {
  await requireBuilt(CLI);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-cli-compare-'));
  await copyRun('a');
  await copyRun('b');
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

test('compare evaluates runs that need it, prints the table and the paired test, exits 0; --json gives the comparison', () => {
  const r = cli('compare', 'runs/a', 'runs/b');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^compare: 2 runs on .*run-format1\/data — test split, 6 images$/m);
  assert.match(r.stdout, /a: Evaluated now on its test split\./);
  assert.match(r.stdout, /^ {2}a vs b: macro-F1 0\.000 \(0\.000 to 0\.000\), macro AUC 0\.000 \(0\.000 to 0\.000\), McNemar p = 1 — no evidence of a difference$/m);
  const json = cli('compare', 'runs', '--json', '--pairs', 'best');
  assert.equal(json.status, 0, json.stderr);
  const c = result(json.stdout) as { rows: { runId: string; inferenceMsPerImage: number | null }[]; pairs: { mcnemar: { b: number; c: number; p: number } }[]; pairing: string };
  assert.deepEqual(c.rows.map((row) => row.runId), ['a', 'b'], 'a folder of runs is read as a sweep');
  assert.equal(c.pairing, 'best');
  assert.deepEqual(c.pairs[0].mcnemar, { b: 0, c: 0, p: 1 });
  assert.ok(c.rows.every((row) => typeof row.inferenceMsPerImage === 'number' && row.inferenceMsPerImage > 0), 'evaluations made now are timed');
});

test('report writes one self-contained HTML file (exit 0); --markdown or a .md --out writes Markdown with PNGs beside it', () => {
  const r = cli('report', 'runs/a', 'runs/b', '--out', 'out/report.html', '--cam-images', '2');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^report: .*out\/report\.html \(self-contained HTML, \d+ kB, 2 runs\)$/m);
  const md = cli('report', 'runs/a', 'runs/b', '--out', 'out/report.md', '--cam-images', '0', '--json');
  assert.equal(md.status, 0, md.stderr);
  const written = result(md.stdout) as { out: string; format: string; figures: string[] };
  assert.equal(written.format, 'markdown');
  assert.ok(written.figures.length >= 6 && written.figures.every((f) => f.startsWith(path.join(tmp, 'out', 'report_files'))), written.figures.join('\n'));
});

test('usage errors exit 2 before any work: a missing path, a folder without runs, --markdown with .html, --cam-images out of range', async () => {
  await fs.mkdir(path.join(tmp, 'empty'), { recursive: true });
  const cases: [string[], RegExp][] = [
    [['compare', 'runs/a', 'runs/nope'], /not found: runs\/nope/],
    [['compare', 'empty'], /empty is neither a run folder \(no run\.json\) nor a sweep/],
    [['report', 'runs/a', '--markdown', '--out', 'x.html'], /--markdown writes Markdown: name a \.md file, not x\.html/],
    [['report', 'runs/a', '--cam-images', '40'], /--cam-images must be between 0 and 32/],
    [['compare', 'runs/a', '--pairs', 'some'], /argument 'some' is invalid/],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('nothing comparable exits 1 with the reason: a run without an evaluation under --no-evaluate', async () => {
  await copyRun('c');
  const r = cli('compare', 'runs/c', '--no-evaluate');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /not compared: c has no test evaluation: run `cxr-lab evaluate /);
  assert.match(r.stderr, /No run could be compared/);
});
