/**
 * The shortcut-audit job on a tiny real run (test/fixtures/run-format1, copied to a temp folder) with constructed lung
 * masks: the numbers against an independent CAM, a mask of another size resized, a missing and an empty mask (border
 * and markers only, said so), an undecodable image listed while the rest goes on, the file's schema, --limit, progress.
 * And the CLI's checks (exit 2) and printout.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { initBackend } from '../../src/engine/backend';
import { auditRun, spreadOverClasses } from '../../src/engine/jobs/audit';
import { BaseCam } from '../../src/engine/cam/baseCam';
import { getCamMethod } from '../../src/engine/cam/methods';
import { loadImageTensorData } from '../../src/engine/dataset/preprocess';
import { openRunCheckpoint } from '../../src/engine/run/checkpoint';
import { RunStore } from '../../src/engine/run/runStore';
import { readTextIfExists } from '../../src/engine/run/runFiles';
import { parseAuditFile, type AuditFile } from '../../src/shared/runFiles';
import type { JobEvent } from '../../src/shared/engineProtocol';
import type { ImageItem } from '../../src/engine/dataset/types';
import { CLI } from '../helpers/cli';

const FIXTURE = path.resolve('test/fixtures/run-format1');
/** The fixture's default CAM layer is 1×1 at 32 px (every map flat); this one is 2×2. */
const LAYER = 'features.13.add';
let tmp: string, runDir: string, data: string, masks: string;

async function maskPng(file: string, width: number, height: number, inside: (x: number, y: number) => boolean): Promise<void> {
  const px = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) px[y * width + x] = inside(x, y) ? 255 : 0;
  await fs.mkdir(path.dirname(file), { recursive: true });
  await sharp(px, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toFile(file);
}

before(async () => {
  await initBackend('auto');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-audit-'));
  data = path.join(tmp, 'data');
  runDir = path.join(tmp, 'run');
  masks = path.join(tmp, 'masks');
  await fs.cp(path.join(FIXTURE, 'data'), data, { recursive: true });
  await fs.cp(path.join(FIXTURE, 'run'), runDir, { recursive: true });
  const info = JSON.parse(await fs.readFile(path.join(runDir, 'run.json'), 'utf8'));
  info.dataset.root = data;
  await fs.writeFile(path.join(runDir, 'run.json'), JSON.stringify(info, null, 2));
  // Test split: consolidation 3, 4; effusion 5, 6; normal 1, 2.
  await maskPng(path.join(masks, 'consolidation/img-0003.png'), 32, 32, (x) => x < 16); // the image's size: left half
  await maskPng(path.join(masks, 'consolidation/img-0004.png'), 64, 48, (x) => x < 32); // another size: left half, resized
  // effusion/img-0005: no mask. normal/img-0001: an empty mask. normal/img-0002: the top half.
  await maskPng(path.join(masks, 'normal/img-0001.png'), 32, 32, () => false);
  await maskPng(path.join(masks, 'normal/img-0002.png'), 32, 32, (_x, y) => y < 16);
  // effusion/img-0006 no longer decodes.
  await fs.writeFile(path.join(data, 'effusion/img-0006.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(40, 7)]));
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

/** The share inside a left- or top-half mask of the CAM BaseCam gives for `image`, on the audit's 256-px grid. */
async function expectedShare(image: string, half: 'left' | 'top'): Promise<number | null> {
  const run = await RunStore.open(runDir);
  const { model } = await openRunCheckpoint(run, 'best');
  const cam = new BaseCam(model, LAYER, getCamMethod('gradcam'));
  try {
    const input = tf.tensor4d(await loadImageTensorData(image, { imageSize: 32, normalization: 'minus1to1' }), [1, 32, 32, 3]);
    const r = cam.compute(input);
    input.dispose();
    const map = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(r.cam, [1, 32, 32, 1]), [256, 256], false, true).clipByValue(0, 1).dataSync());
    let all = 0, inside = 0;
    for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) {
      const v = map[y * 256 + x];
      all += v;
      if (half === 'left' ? x < 128 : y < 128) inside += v;
    }
    return all > 0 ? inside / all : null;
  } finally {
    cam.dispose();
    model.dispose();
  }
}

let audit: AuditFile & { jsonPath: string };
const events: JobEvent[] = [];

test('audit of a split: shares, resized and missing masks, an undecodable image listed, the file and its overlays', async () => {
  audit = await auditRun({ runDir, masks, layer: LAYER, emit: (e) => events.push(e) });
  assert.equal(audit.jsonPath, path.join(runDir, 'audit', 'test.json'));
  const file = parseAuditFile((await readTextIfExists(audit.jsonPath))!, audit.jsonPath);
  assert.deepEqual(file.images.map((i) => i.rel), audit.images.map((i) => i.rel));
  const by = (rel: string) => audit.images.find((i) => i.rel === rel)!;

  // The undecodable image is listed; the other five are audited.
  assert.deepEqual(audit.failed.map((f) => f.rel), ['effusion/img-0006.png']);
  assert.match(audit.failed[0].error, /truncated|corrupt|could not be read/);
  assert.deepEqual(audit.images.map((i) => i.rel).sort(), ['consolidation/img-0003.png', 'consolidation/img-0004.png', 'effusion/img-0005.png', 'normal/img-0001.png', 'normal/img-0002.png']);
  assert.equal(audit.splitImages, 6);
  assert.deepEqual([audit.split, audit.method, audit.layer, audit.grid, audit.borderFraction, audit.gallery, audit.checkpoint.which], ['test', 'gradcam', LAYER, 256, 0.1, 24, 'best']);

  // The numbers: the lung share equals the one computed here from an independent CAM and the same half-image mask.
  const exp3 = await expectedShare(path.join(data, 'consolidation/img-0003.png'), 'left');
  const exp4 = await expectedShare(path.join(data, 'consolidation/img-0004.png'), 'left');
  const exp2 = await expectedShare(path.join(data, 'normal/img-0002.png'), 'top');
  for (const [rel, exp] of [['consolidation/img-0003.png', exp3], ['consolidation/img-0004.png', exp4], ['normal/img-0002.png', exp2]] as const) {
    const got = by(rel).lungs;
    if (exp === null) assert.equal(got, null, `${rel}: flat map`);
    else assert.ok(got !== null && Math.abs(got - exp) < 1e-5, `${rel}: lungs ${got} vs ${exp}`);
  }
  assert.ok(exp3 !== null && exp2 !== null, 'the constructed cases need non-flat maps');
  assert.equal(by('consolidation/img-0003.png').lungArea, 0.5);
  // A mask of another size: resized (nearest), said so.
  assert.equal(by('consolidation/img-0004.png').maskResized, true);
  assert.equal(by('consolidation/img-0003.png').maskResized, false);
  assert.equal(by('consolidation/img-0004.png').mask, path.join(masks, 'consolidation/img-0004.png'));
  assert.deepEqual(audit.masks, { source: 'folder', dir: masks, found: 3, missing: 2, resized: 1 });
  // A missing and an empty mask: border and markers only, said so.
  for (const [rel, why] of [['effusion/img-0005.png', /^no lung mask: audited on the border band and markers only$/], ['normal/img-0001.png', /is empty \(no lung pixel\): audited on the border band and markers only$/]] as const) {
    const img = by(rel);
    assert.equal(img.lungs, null, rel);
    assert.equal(img.mask, null, rel);
    if (img.border !== null) assert.match(img.note ?? '', why, rel);
  }
  for (const img of audit.images) {
    if (img.border === null) continue;
    assert.ok(img.border >= 0 && img.border <= 1 && img.markers! >= 0 && img.borderMarkers! >= img.border - 1e-12);
  }
  const notes = audit.notes.join('\n');
  assert.match(notes, /1 image \(effusion 1\) has no lung mask: audited on the border band and markers only\./);
  assert.match(notes, /1 mask could not be used \(its mask .*img-0001\.png is empty \(no lung pixel\)\)/);
  assert.match(notes, /1 mask had another size than its image and was resized \(nearest neighbour\)\./);
  assert.match(notes, /1 image could not be read or explained and is listed as failed; the rest were audited\./);

  // Per class (true labels), all images, a verdict sentence, thresholds recorded.
  assert.deepEqual(audit.perClass.map((g) => [g.className, g.images, g.withMasks]), [['consolidation', 2, 2], ['effusion', 1, 0], ['normal', 2, 1]]);
  assert.equal(audit.overall.images, 5);
  assert.equal(typeof audit.verdict.sentence, 'string');
  assert.deepEqual(audit.thresholds, { outsideLungs: 0.5, border: 0.5, markers: 0.15, minImages: 5 });

  // Overlays of the ranked images: 256-px PNGs under audit/test/.
  const withOverlay = audit.images.filter((i) => i.overlay);
  assert.equal(withOverlay.length, audit.images.filter((i) => i.border !== null).length);
  for (const i of withOverlay) {
    assert.equal(path.dirname(i.overlay!), path.join(runDir, 'audit', 'test'));
    const meta = await sharp(i.overlay!).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 256, 256]);
  }

  // A progress bar: scan, then the audit's images with an ETA after the first, ending at 5/5.
  const progress = events.filter((e): e is Extract<JobEvent, { type: 'progress' }> => e.type === 'progress' && e.phase === 'audit');
  assert.deepEqual(progress.at(-1), { type: 'progress', phase: 'audit', done: 5, total: 5 });
  assert.ok(progress.slice(1, -1).every((e) => typeof e.etaSeconds === 'number'));
  assert.ok(events.some((e) => e.type === 'progress' && e.phase === 'scan'));
});

test('--limit takes images from each class in turn; a method other than Grad-CAM gets its own file', async () => {
  const items = ['a/1', 'a/2', 'a/3', 'b/1', 'c/1', 'c/2'].map((rel, i) => ({ rel, label: rel.startsWith('a') ? 0 : rel.startsWith('b') ? 1 : 2, path: `/x/${i}` }) as ImageItem);
  assert.deepEqual(spreadOverClasses(items, 4).map((i) => i.rel), ['a/1', 'b/1', 'c/1', 'a/2']);
  assert.deepEqual(spreadOverClasses(items, 10).length, 6);
  const r = await auditRun({ runDir, layer: LAYER, limit: 2, method: 'eigencam', emit: () => undefined });
  assert.equal(r.jsonPath, path.join(runDir, 'audit', 'test-eigencam.json'));
  assert.deepEqual(r.images.map((i) => i.rel), ['consolidation/img-0003.png', 'effusion/img-0005.png']);
  assert.equal(r.masks.source, 'none');
  assert.match(r.notes.join('\n'), /--limit 2: 2 of the test split's 5 readable images, taken from each class in turn\./);
  assert.match(r.notes.join('\n'), /No lung masks were found/);
  assert.ok(existsSync(path.join(runDir, 'audit', 'test.json')), 'the Grad-CAM audit is still there');
  await assert.rejects(auditRun({ runDir, masks: path.join(tmp, 'nope'), emit: () => undefined }), /The masks folder .*nope does not exist/);
});

test('cxr-lab audit: options checked first (exit 2), then the table, the verdict and the file', { skip: existsSync(CLI) ? false : 'dist/cli.js is not built (node esbuild.mjs)' }, () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp, timeout: 120_000 });
  let r = cli('audit', runDir, '--limit', '0');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--limit must be at least 1/);
  r = cli('audit', runDir, '--masks', path.join(tmp, 'nope'));
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /not found: .*nope/);
  r = cli('audit', runDir, '--split', 'holdout');
  assert.equal(r.status, 2);
  r = cli('audit', runDir, '--masks', masks, '--layer', LAYER);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /audit of run run on test \(Grad-CAM at features\.13\.add, best checkpoint, epoch \d+\): 5 of 6 images/);
  assert.match(r.stdout, /lung masks: 3 found in .*masks, 2 missing, 1 resized/);
  assert.match(r.stdout, /^ {2}consolidation +2 +2 /m);
  assert.match(r.stdout, /^verdict: |^VERDICT: /m);
  assert.match(r.stdout, /failed: effusion\/img-0006\.png — /);
  assert.match(r.stdout, /audit[/\\]test\.json$/m);
});
