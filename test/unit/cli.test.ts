import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { notFoundMessage } from '../../src/cli/checks';
import type { RunInfo } from '../../src/shared/runFiles';
import { CLI, requireBuilt } from '../helpers/cli';

let tmp: string;
let data: string;
const small = ['--arch', 'squeezenet1_1', '--image-size', '32', '--batch', '4', '--val-per-class', '2', '--test-per-class', '2'];

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp, timeout: 120_000 });

before(async () => {
  await requireBuilt(CLI);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-cli-'));
  data = path.join(tmp, 'data');
  await generatePhantomDataset(data, { perClass: 8, size: 40, classes: 3, seed: 2 });
});

test('info names the backend and versions', () => {
  const r = cli('info', '--json');
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout.trim().split('\n').pop()!).result;
  assert.ok(['wasm', 'cpu', 'tensorflow'].includes(info.backend));
  assert.ok(info.versions.tfjs && info.models.includes('densenet121'));
});

test('usage errors exit 2, failures exit 1 with one line and no stack trace', async () => {
  assert.equal(cli('train').status, 2);
  assert.equal(cli('train', data, '--epochs', 'many').status, 2);
  assert.equal(cli('train', data, '--sampler', 'magic').status, 2);
  assert.equal(cli('train', data, '--epochs', '0').status, 2);
  const empty = path.join(tmp, 'empty');
  await fs.mkdir(path.join(empty, 'classA'), { recursive: true });
  const r = cli('train', empty);
  assert.equal(r.status, 1);
  const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('cxr-lab:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace without --verbose');
  assert.equal(cli('evaluate', path.join(tmp, 'nowhere')).status, 2, 'a missing run folder is a usage error (issue 10, item 7)');
});

test('--arch: help and checks from the model list; unknown names, or several for import-weights, exit 2 before any scan', () => {
  const known = 'densenet121, resnet18, resnet50, squeezenet1_1, vgg16, mobilenetv2';
  for (const command of ['train', 'import-weights']) {
    const help = cli(command, '--help').stdout.replace(/\s+/g, ' ');
    assert.match(help, /densenet121 \| resnet18 \| resnet50 \| squeezenet1_1 \| vgg16 \| mobilenetv2/, command);
  }
  const nowhere = path.join(tmp, 'nowhere'); // a scan would fail with exit 1
  const unknown = cli('train', nowhere, '--arch', 'resnet18,alexnet');
  assert.equal(unknown.status, 2, unknown.stderr);
  assert.ok(unknown.stderr.includes(`'alexnet'; known: ${known}.`), unknown.stderr);
  // Several for train are a training queue (cli.sweep.test.ts): accepted, so the missing dataset is what stops it.
  const several = cli('train', nowhere, '--arch', 'resnet18,vgg16');
  assert.equal(several.status, 2, several.stderr);
  assert.match(several.stderr, /not found: .*nowhere/);
  const severalWeights = cli('import-weights', nowhere, '--arch', 'resnet18,vgg16', '--out', path.join(tmp, 'never'));
  assert.equal(severalWeights.status, 2, severalWeights.stderr);
  assert.match(severalWeights.stderr, /Weights belong to one architecture/);
  const imported = cli('import-weights', nowhere, '--arch', 'alexnet', '--out', path.join(tmp, 'never'));
  assert.equal(imported.status, 2, imported.stderr);
  assert.ok(imported.stderr.includes(known), imported.stderr);
});

test('every option that can be checked without the data is checked first: exit 2 naming the flag, before any backend, scan or model work', () => {
  const bad: [string[], RegExp][] = [
    [['--epochs', '0'], /--epochs must be at least 1/],
    [['--batch', '0'], /--batch must be at least 1/],
    [['--lr', '0'], /--lr must be greater than 0/],
    [['--image-size', '16'], /--image-size must be at least 32/],
    [['--val-per-class=-1'], /--val-per-class must be 0 or more/],
    [['--test-per-class=-2'], /--test-per-class must be 0 or more/],
    [['--val-fraction', '1'], /--val-fraction must be in \[0, 1\)/],
    [['--test-fraction=-0.1'], /--test-fraction must be in \[0, 1\)/],
    [['--step-size', '0'], /--step-size must be at least 1/],
    [['--gamma', '0'], /--gamma must be greater than 0 and at most 1/],
    [['--gamma', '1.5'], /--gamma must be greater than 0 and at most 1/],
    [['--seed', '1.5'], /--seed must be an integer/],
    [['--seed=-1'], /--seed must be 0 or more/],
    [['--early-stop=-1'], /--early-stop must be 0 or more/],
    [['--micro-batch=-1'], /--micro-batch must be 0 or more/],
    [['--width-multiplier', '0'], /--width-multiplier must be greater than 0/],
    [['--patient-pattern', 'person\\d+'], /--patient-pattern .*needs a capture group/],
    [['--patient-pattern', '(unclosed'], /--patient-pattern .*is not a valid regular expression/],
    [['--pretrained', 'no-such-weights.pth'], /not found: no-such-weights\.pth/],
  ];
  for (const [args, message] of bad) {
    const started = Date.now();
    const r = cli('train', data, ...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, /imageSize|batchSize|valPerClass|stepSize|Invalid option/, 'the flag as typed, not the config key');
    assert.doesNotMatch(r.stderr + r.stdout, /backend:|Scanning|scan |\[#*\.*\]/, `${args.join(' ')}: no backend start, scan or progress`);
    assert.ok(Date.now() - started < 20_000, `${args.join(' ')} took ${Date.now() - started} ms`);
  }
  const nowhere = path.join(tmp, 'nowhere');
  const missing: [string[], string][] = [
    [['train', nowhere], nowhere],
    [['scan', nowhere], nowhere],
    [['resume', nowhere], nowhere],
    [['evaluate', nowhere], nowhere],
    [['evaluate', tmp, '--data', nowhere], nowhere],
    [['explain', nowhere, path.join(data, 'x.png')], nowhere],
    [['explain', tmp, path.join(tmp, 'no-such-image.png')], path.join(tmp, 'no-such-image.png')],
    [['import-weights', path.join(tmp, 'no-such.pth'), '--arch', 'resnet18', '--out', path.join(tmp, 'never')], path.join(tmp, 'no-such.pth')],
  ];
  for (const [args, file] of missing) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.includes(`cxr-lab: not found: ${file}\n`), `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /ENOENT|backend:/, args.join(' '));
  }
  // Deeper code's ENOENT reaches the top-level catch in the same words.
  const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/runs/r1/checkpoints/best/model.json'"), { code: 'ENOENT', path: '/runs/r1/checkpoints/best/model.json' });
  assert.equal(notFoundMessage(enoent), 'not found: /runs/r1/checkpoints/best/model.json');
  assert.equal(notFoundMessage(new Error('other')), undefined);
  const pattern = cli('scan', data, '--patient-pattern', 'person\\d+');
  assert.equal(pattern.status, 2, pattern.stderr);
  assert.match(pattern.stderr, /--patient-pattern .*needs a capture group/);
});

test('a class with 1 image is refused before training (exit 1, one line naming the class and its count)', async () => {
  const one = path.join(tmp, 'one-image-class');
  await fs.cp(data, one, { recursive: true });
  const [klass] = (await fs.readdir(one, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const files = (await fs.readdir(path.join(one, klass))).sort();
  for (const f of files.slice(1)) await fs.rm(path.join(one, klass, f));
  const r = cli('train', one, ...small, '--epochs', '1', '--out', path.join(tmp, 'never-trained'));
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('cxr-lab:'));
  assert.deepEqual(lines, [`cxr-lab: Class '${klass}' has 1 image: the split would leave it with no validation and no test image (asked 2 each). Add images of ${klass}, or move its folder out of the dataset.`]);
  await assert.rejects(fs.access(path.join(tmp, 'never-trained')), 'no run folder for a refused split');
});

test('a run killed mid-training stays loadable and resumes to the end', async () => {
  const runDir = path.join(tmp, 'killed');
  const child = spawn(process.execPath, [CLI, '--json', 'train', data, ...small, '--epochs', '30', '--out', runDir], { cwd: tmp });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"epoch-end"')) { child.kill('SIGKILL'); resolve(); }
    });
    child.on('exit', () => reject(new Error(`exited before an epoch ended: ${out.slice(-500)}`)));
  });
  await new Promise((r) => child.once('exit', r));
  const info = JSON.parse(await fs.readFile(path.join(runDir, 'run.json'), 'utf8')) as RunInfo;
  assert.ok(info.epochsDone >= 1);
  assert.equal(info.status, 'running', 'a killed run is left as running with a dead pid');
  const stray = (await fs.readdir(path.join(runDir, 'checkpoints'))).filter((d) => d !== 'best' && d !== 'last');
  assert.ok(stray.every((d) => d.includes('.tmp-') || d.includes('.old-')), `unexpected ${stray}`);

  const resumed = cli('resume', runDir, '--json');
  assert.equal(resumed.status, 0, resumed.stderr);
  const after = JSON.parse(await fs.readFile(path.join(runDir, 'run.json'), 'utf8')) as RunInfo;
  assert.equal(after.status, 'completed');
  assert.equal(after.epochsDone, 30);
  const epochs = (await fs.readFile(path.join(runDir, 'history.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).epoch);
  assert.deepEqual(epochs, Array.from({ length: 30 }, (_, i) => i + 1));

  const ev = cli('evaluate', runDir, '--split', 'val');
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, /val: accuracy/);
  const ex = cli('explain', runDir, path.join(data, 'effusion', (await fs.readdir(path.join(data, 'effusion')))[0]), '--class', 'normal', '--out', path.join(tmp, 'cams'));
  assert.equal(ex.status, 0, ex.stderr);
  assert.match(ex.stdout, /normal/);
  assert.ok((await fs.readdir(path.join(tmp, 'cams'))).some((f) => f.endsWith('-overlay.png')));
  assert.equal(cli('explain', runDir, data, '--class', 'unicorn').status, 2);
  // --method: the registry's ids, gradcam by default; its id is in the file names and the json.
  const cams = await fs.readdir(path.join(tmp, 'cams'));
  assert.ok(cams.some((f) => /^[0-9a-f]{12}-normal-gradcam-heatmap\.png$/.test(f)), cams.join(', '));
  const camJson = JSON.parse(await fs.readFile(path.join(tmp, 'cams', cams.find((f) => f.endsWith('-gradcam.json'))!), 'utf8'));
  assert.equal(camJson.method, 'gradcam');
  const bad = cli('explain', runDir, data, '--method', 'no-such-method');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /gradcam/);
  // Another method (by its alias) with a smoothing option: its own files beside the default ones, named by both.
  const pp = cli('explain', runDir, path.join(data, 'effusion', (await fs.readdir(path.join(data, 'effusion')))[0]), '--class', 'normal',
    '--method', 'gradcam++', '--eigen-smooth', '--out', path.join(tmp, 'cams'));
  assert.equal(pp.status, 0, pp.stderr);
  const more = await fs.readdir(path.join(tmp, 'cams'));
  assert.ok(more.some((f) => /^[0-9a-f]{12}-normal-gradcampp-eigen-heatmap\.png$/.test(f)), more.join(', '));
  assert.ok(more.some((f) => /^[0-9a-f]{12}-normal-gradcam-heatmap\.png$/.test(f)), 'the Grad-CAM files are still there');
});

test('import-weights converts a torch .pth; a malicious .pth is refused with exit 1 and runs nothing', async () => {
  const fixtures = path.resolve(__dirname, '../fixtures/weights');
  const out = path.join(tmp, 'imported');
  const ok = cli('import-weights', path.join(fixtures, 'torch-mobilenetv2-tiny', 'weights.pth'), '--arch', 'mobilenetv2', '--out', out);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /--pretrained .*imported/);
  await fs.access(path.join(out, 'model.json'));

  const { marker } = JSON.parse(await fs.readFile(path.join(fixtures, 'pth', 'expected.json'), 'utf8')) as { marker: string };
  for (const evil of ['evil_system_zip.pth', 'evil_system_legacy.pth', 'evil_eval_zip.pth']) {
    await fs.rm(marker, { force: true });
    const r = cli('import-weights', path.join(fixtures, 'pth', evil), '--arch', 'resnet18', '--out', path.join(tmp, 'evil'));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /Refusing to load .*(posix\.system|builtins\.eval)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    await assert.rejects(fs.access(marker), `${evil} created ${marker}`);
  }
  await assert.rejects(fs.access(path.join(tmp, 'evil')), 'nothing written for a refused file');

  // 'imagenet' on a machine without the file cached and no network: a clear message pointing to import-weights
  const offline = spawnSync(process.execPath, [CLI, 'import-weights', 'imagenet', '--arch', 'resnet18', '--out', path.join(tmp, 'r18')], {
    encoding: 'utf8', cwd: tmp, timeout: 60_000,
    env: { ...process.env, CXR_LAB_CACHE: path.join(tmp, 'cache'), CXR_LAB_WEIGHTS_MIRROR: 'http://127.0.0.1:9' },
  });
  assert.equal(offline.status, 1, offline.stderr);
  assert.match(offline.stderr, /Cannot download resnet18 ImageNet weights .*import-weights/);
});
