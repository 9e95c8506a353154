/** `cxr-lab explain … --grid <file.png> [--methods a,b]` as users run it (the esbuild bundle): exit codes and the file. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { CLI, requireBuilt } from '../helpers/cli';

const FIXTURE = path.resolve('test/fixtures/run-format1');
const RUN = path.join(FIXTURE, 'run');
const IMAGES = [path.join(FIXTURE, 'data', 'consolidation', 'img-0003.png'), path.join(FIXTURE, 'data', 'normal', 'img-0002.png')];
let tmp: string;

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp, timeout: 120_000 });
const results = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; request?: string; result?: Record<string, unknown> }).filter((e) => e.type === 'result');

before(async () => {
  await requireBuilt(CLI);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-cli-grid-'));
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

test('--grid writes one PNG of images × methods and exits 0; --json prints the grid', async () => {
  const png = path.join(tmp, 'figures', 'grid.png');
  const r = cli('explain', RUN, ...IMAGES, '--methods', 'gradcam,eigencam', '--grid', png, '--out', path.join(tmp, 'cams'), '--json');
  assert.equal(r.status, 0, r.stderr);
  const [grid, ...more] = results(r.stdout);
  assert.equal(more.length, 0, 'one job, one result');
  assert.equal(grid.request, 'grid');
  const result = grid.result as { png: string; width: number; height: number; columns: { method: string }[]; rows: { trueLabel: string }[]; cells: unknown[][] };
  assert.equal(result.png, png);
  assert.deepEqual(result.columns.map((c) => c.method), ['gradcam', 'eigencam']);
  assert.deepEqual(result.rows.map((row) => row.trueLabel), ['consolidation', 'normal']);
  assert.equal(result.cells.flat().length, 4);
  const meta = await sharp(png).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', result.width, result.height]);
  assert.ok((await fs.readdir(path.join(tmp, 'cams'))).some((f) => f.endsWith('-eigencam-overlay.png')), 'the per-run explain files, in --out');

  const plain = cli('explain', RUN, IMAGES[0], '--grid', path.join(tmp, 'plain.png'), '--out', path.join(tmp, 'cams'));
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /^grid: 1 image × 1 column\n {2}column 1: run · mobilenetv2 · best \(epoch 1\) · Grad-CAM\n/);
  assert.match(plain.stdout, /plain\.png \(\d+×\d+ px\)/);
});

test('--methods without --grid explains with each method in turn', () => {
  const r = cli('explain', RUN, IMAGES[0], '--methods', 'gradcam,layercam', '--out', path.join(tmp, 'each'), '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = results(r.stdout);
  assert.deepEqual(out.map((e) => e.request), ['explain', 'explain']);
  assert.match(JSON.stringify(out[1].result), /-layercam-overlay\.png/);
});

test('grid usage errors exit 2 before any work: not a .png, unknown method, --method with --methods, too many images, unknown class', () => {
  const cases: [string[], RegExp][] = [
    [['--grid', path.join(tmp, 'g.jpg')], /--grid must name a \.png file/],
    [['--grid', path.join(tmp, 'g.png'), '--methods', 'gradcam,nope'], /unknown CAM method 'nope'/],
    [['--grid', path.join(tmp, 'g.png'), '--method', 'hirescam', '--methods', 'gradcam'], /either --method or --methods/],
    [['--grid', path.join(tmp, 'g.png'), '--class', 'COVID'], /Unknown class "COVID"/],
  ];
  for (const [args, message] of cases) {
    const r = cli('explain', RUN, IMAGES[0], ...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const many = cli('explain', RUN, ...Array<string>(33).fill(IMAGES[0]), '--grid', path.join(tmp, 'g.png'));
  assert.equal(many.status, 2, many.stderr);
  assert.match(many.stderr, /at most 32 images; 33 were given/);
});
