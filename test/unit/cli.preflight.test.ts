/**
 * `cxr-lab preflight <dataset> [train options]` as users run it (the esbuild bundle): train's options, the report on
 * stdout, exit 0 when training can start, 1 when it would fail (weights that do not load), 2 for a bad option — and
 * nothing written: no run folder.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { CLI, requireBuilt } from '../helpers/cli';

let tmp: string;
let data: string;
const small = ['--arch', 'squeezenet1_1', '--image-size', '32', '--batch', '4', '--val-per-class', '2', '--test-per-class', '2', '--epochs', '2'];
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp, timeout: 120_000 });

before(async () => {
  await requireBuilt(CLI);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-cli-preflight-'));
  data = path.join(tmp, 'data');
  await generatePhantomDataset(data, { perClass: 8, size: 40, classes: 3, seed: 2 });
});

test('preflight: the split, the weights, the backend and the estimate; exit 0; no run folder', () => {
  const r = cli('preflight', data, ...small);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^preflight: About \d+ s on (tensorflow|wasm|cpu): training squeezenet1_1 at 32 px for 2 epochs\.$/m);
  assert.match(r.stdout, /^ {2}Data: 12 \/ 6 \/ 6 train \/ val \/ test images, 3 classes, split by patient\.$/m);
  assert.match(r.stdout, /^ {2}Weights: none — training from scratch\.$/m);
  assert.match(r.stdout, /^ {2}Time: about .* per training image, .* timed on \d steps? of 4 images\)\.$/m);
  assert.deepEqual(spawnSync('ls', ['-A', tmp], { encoding: 'utf8' }).stdout.trim().split('\n'), ['data'], 'no .cxr-lab written');
  const json = cli('--json', 'preflight', data, ...small);
  const result = JSON.parse(json.stdout.trim().split('\n').pop()!);
  assert.equal(result.request, 'preflight');
  assert.deepEqual(result.result.dataset.split, { train: 12, val: 6, test: 6 });
});

test('preflight: weights that do not load exit 1 with the ways out; a bad option exits 2', async () => {
  const bad = path.join(tmp, 'broken.pth');
  await fs.writeFile(bad, 'not a checkpoint');
  const r = cli('preflight', data, ...small, '--pretrained', bad);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^preflight: error: The pretrained weights .*broken\.pth cannot be used: /m);
  assert.match(r.stdout, /ways out: use weights that are here .*; train from scratch \(no --pretrained\)/);
  assert.equal(cli('preflight', data, '--image-size', '8').status, 2);
  assert.equal(cli('preflight', data, '--out', 'x').status, 2, 'no run folder options');
});
