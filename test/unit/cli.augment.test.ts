/**
 * The CLI of issue 15: `samples`, `lr-find`, `tune`, `train --preset / --scheduler onecycle` and `evaluate --tta` —
 * usage errors exit 2 before any work, and `samples` writes its grid.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { formatTune } from '../../src/cli/augmentOutput';
import { CLI, requireBuilt } from '../helpers/cli';

let tmp: string;
let data: string;
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp, timeout: 120_000 });

before(async () => {
  await requireBuilt(CLI);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-cli-aug-'));
  data = path.join(tmp, 'data');
  await generatePhantomDataset(data, { perClass: 6, size: 40, classes: 3, seed: 2 });
});

test('usage errors of the new options exit 2 naming the flag, before any scan', () => {
  const nowhere = path.join(tmp, 'nowhere');
  const cases: [string[], RegExp][] = [
    [['train', data, '--preset', 'fancy'], /--preset/],
    [['tune', data, '--arch', 'resnet18'], /--lrs/],
    [['tune', data, '--lrs', '1e-3', '--presets', 'reference'], /at least two candidates/],
    [['tune', data, '--lrs', '1e-3,abc'], /--lrs/],
    [['tune', data, '--lrs', '1e-3', '--presets', 'reference,shiny'], /--presets/],
    [['tune', data, '--lrs', '1e-3,3e-3', '--lr', '1e-4'], /leave out --preset and --lr/],
    [['samples', data, '--per-class', '0'], /--per-class/],
    [['samples', data, '--out', 'grid.jpg'], /\.png/],
    [['lr-find', data, '--num-it', '3'], /--num-it/],
    [['lr-find', data, '--start-lr', '1', '--end-lr', '0.1'], /--end-lr/],
    [['lr-find', data, '--arch', 'resnet18,vgg16'], /one architecture/],
    [['lr-find', data, '--seeds', '1,2'], /--seeds makes a training queue/],
    [['lr-find', data, '--folds', '3'], /--folds makes a cross-validation queue/],
    [['tune', data, '--lrs', '1e-3,3e-3', '--seeds', '1,2', '--seed', '3'], /--seed or --seeds, not both/],
    [['samples', nowhere], /not found/],
    [['train', data, '--label-smoothing', '1'], /--label-smoothing must be in \[0, 1\)/],
    [['train', data, '--weight-decay=-0.01'], /--weight-decay must be 0 or more/],
    [['tune', data, '--lrs', '1e-3,3e-3', '--weight-decay', 'lots'], /--weight-decay/],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
  // onecycle is a schedule train accepts; the folder is what is missing here.
  const r = cli('train', nowhere, '--scheduler', 'onecycle', '--preset', 'recommended');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not found/);
  assert.match(cli('evaluate', '--help').stdout, /--tta/);
});

test('samples writes the grid PNG and prints each class with its sizes and what was drawn', async () => {
  const out = path.join(tmp, 'grid.png');
  const r = cli('samples', data, '--per-class', '2', '--thumbnail', '64', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 classes, 2 random images per class \(seed 42\), augmented by the recommended preset/);
  assert.match(r.stdout, /normal\s+6\s+40 × 40 \(40 × 40\)/);
  const meta = await sharp(out).metadata();
  assert.ok(meta.width! > 2 * 64 && meta.height! > 3 * 2 * 64);
});

test('formatTune: with --tta each candidate gets a "with TTA" line and the winner arrow marks the way it won', () => {
  const cand = (name: string, f1: number, tta: number) => ({ name, preset: 'recommended' as const, lr: 1e-3, runDir: name, status: 'completed' as const,
    bestEpoch: 3, valLoss: 0.2, valAccuracy: f1, valMacroF1: f1, valTta: { loss: 0.15, accuracy: tta, macroF1: tta } });
  const text = formatTune({ format: 1, createdAt: '', updatedAt: '', status: 'completed', dataset: '/d', config: {}, criterion: 'val-macro-f1', tta: true,
    candidates: [cand('recommended-lr1e-3', 0.9, 0.95), cand('recommended-lr2e-3', 0.92, 0.91)], winner: 'recommended-lr1e-3', winnerTta: true,
    test: { accuracy: 0.93, macroF1: 0.93, evalFile: 'recommended-lr1e-3/eval/test-tta.json', tta: true }, tuneDir: '/t', jsonPath: '/t/tune.json' });
  const lines = text.split('\n');
  assert.match(lines[0], /each with and without test-time augmentation/);
  const arrows = lines.filter((l) => l.includes('← winner'));
  assert.equal(arrows.length, 1);
  assert.match(arrows[0], /with TTA .*0\.950/);
  assert.equal(lines.indexOf(arrows[0]), lines.findIndex((l) => l.includes('recommended-lr1e-3 ')) + 1, 'the TTA line right under its candidate');
  assert.match(text, /winner recommended-lr1e-3 with TTA on the test split \(its only use\): accuracy 93\.0\s?%, macro-F1 0\.930/);
});

test('formatTune with --seeds: each candidate\'s mean, a line per seed under it, and the winner\'s test mean with each seed\'s', () => {
  const seedRun = (seed: number, f1: number) => ({ seed, runDir: `recommended-lr5e-4/seed${seed}`, status: 'completed' as const, bestEpoch: 20 + seed, valLoss: 0.2, valAccuracy: f1, valMacroF1: f1 });
  const text = formatTune({ format: 1, createdAt: '', updatedAt: '', status: 'completed', dataset: '/d', config: {}, criterion: 'val-macro-f1', seeds: [1, 2],
    candidates: [{ name: 'recommended-lr5e-4', preset: 'recommended', lr: 5e-4, runDir: 'recommended-lr5e-4', status: 'completed', valLoss: 0.2, valAccuracy: 0.95, valMacroF1: 0.95, runs: [seedRun(1, 0.94), seedRun(2, 0.96)] },
      { name: 'recommended-lr1e-3', preset: 'recommended', lr: 1e-3, runDir: 'recommended-lr1e-3', status: 'failed', reason: 'seed 2: out of memory' }],
    winner: 'recommended-lr5e-4',
    test: { accuracy: 0.945, macroF1: 0.945, evalFile: 'recommended-lr5e-4/seed1/eval/test.json', runs: [{ seed: 1, accuracy: 0.94, macroF1: 0.94, evalFile: 'a' }, { seed: 2, accuracy: 0.95, macroF1: 0.95, evalFile: 'b' }] },
    tuneDir: '/t', jsonPath: '/t/tune.json' });
  const lines = text.split('\n');
  assert.match(lines[0], /each trained with seeds 1, 2 \(scored by the mean\)/);
  const at = lines.findIndex((l) => l.includes('recommended-lr5e-4 '));
  assert.match(lines[at], /0\.950\s+← winner/);
  assert.match(lines[at + 1], /seed 1\s+completed\s+21 .*0\.940$/);
  assert.match(lines[at + 2], /seed 2\s+completed\s+22 .*0\.960$/);
  assert.match(text, /recommended-lr1e-3\s+failed .*\(seed 2: out of memory\)/);
  assert.match(text, /on the test split \(its only use\): mean accuracy 94\.5\s?%, macro-F1 0\.945 \(seed 1 0\.940, seed 2 0\.950\)/);
});
