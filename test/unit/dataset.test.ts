import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { DatasetError, scanDataset, type DatasetScan, type HealthIssue } from '../../src/engine/dataset/scan';
import { parseCsv } from '../../src/engine/dataset/metadata';
import { scanSummary } from '../../src/engine/jobs/scan';
import { issuesByFile } from '../../src/extension/dataset/datasetModel';
import { SHARED_CXR, skipUnlessShared } from '../helpers/sharedData';


let tmp: string;
before(async () => { tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-dataset-')); });
after(async () => { await fs.rm(tmp, { recursive: true, force: true }); });

/** A small noisy image (noise keeps the PNG large enough that half of it cuts into the pixel data). */
async function writeImage(file: string, opts: { size?: number; channels?: 1 | 3; seed?: number; format?: 'png' | 'jpeg' } = {}): Promise<void> {
  const size = opts.size ?? 32, ch = opts.channels ?? 1;
  const px = Buffer.alloc(size * size * ch);
  let s = (opts.seed ?? 1) * 2654435761;
  for (let i = 0; i < px.length; i++) { s = (s * 1103515245 + 12345) >>> 0; px[i] = s >>> 24; }
  await fs.mkdir(path.dirname(file), { recursive: true });
  let img = sharp(px, { raw: { width: size, height: size, channels: ch } });
  if (ch === 1) img = img.toColourspace('b-w'); // else sharp writes grey input as RGB
  await (opts.format === 'jpeg' ? img.jpeg() : img.png()).toFile(file);
}

async function writeMany(dir: string, n: number, opts: Parameters<typeof writeImage>[1] & { prefix?: string } = {}): Promise<void> {
  for (let i = 0; i < n; i++) await writeImage(path.join(dir, `${opts.prefix ?? 'img'}-${i}.${opts.format === 'jpeg' ? 'jpg' : 'png'}`), { ...opts, seed: i + 1 });
}

const byKind = (scan: DatasetScan, kind: string): HealthIssue[] => scan.health.issues.filter((i) => i.kind === kind);

describe('scanDataset on a class-folder dataset with broken files', () => {
  let root: string;
  let scan: DatasetScan;
  const bad = { empty: '', text: '', truncated: '' };

  before(async () => {
    root = path.join(tmp, 'broken');
    await writeMany(path.join(root, 'Alpha'), 12, { channels: 1 });
    await writeMany(path.join(root, 'Beta'), 12, { channels: 3, format: 'jpeg' });
    await writeMany(path.join(root, 'Tiny'), 3, { channels: 1 });
    await fs.mkdir(path.join(root, 'Empty'));
    bad.empty = path.join(root, 'Alpha', 'zero.png');
    await fs.writeFile(bad.empty, '');
    bad.text = path.join(root, 'Alpha', 'notes-renamed.jpg');
    await fs.writeFile(bad.text, 'This is a text file that somebody renamed to .jpg\n');
    const valid = path.join(root, 'valid-source.png');
    await writeImage(valid, { size: 64, seed: 99 });
    const bytes = await fs.readFile(valid);
    await fs.rm(valid);
    bad.truncated = path.join(root, 'Beta', 'cut.png');
    await fs.writeFile(bad.truncated, bytes.subarray(0, bytes.length >> 1));
    await fs.writeFile(path.join(root, 'Alpha', 'readme.txt'), 'stray');
    await fs.writeFile(path.join(root, 'Alpha', '.DS_Store'), 'hidden');
    await writeMany(path.join(root, '.cache'), 2);
    await fs.writeFile(path.join(root, 'README.md'), '# data');
    scan = await scanDataset(root);
  });

  test('usable images are kept, with labels in sorted class order', () => {
    assert.deepEqual(scan.classes, ['Alpha', 'Beta', 'Tiny']);
    assert.equal(scan.layout, 'class-folders');
    assert.equal(scan.items.length, 12 + 12 + 3);
    for (const it of scan.items) {
      assert.equal(scan.classes[it.label], it.className);
      assert.ok(path.isAbsolute(it.path));
      assert.equal(it.rel, path.relative(root, it.path).split(path.sep).join('/'));
      assert.equal(it.patient, it.rel, 'no patient source: each file is its own group');
    }
    assert.equal(scan.patientSource, 'none');
    assert.deepEqual(scan.health.perClass, { Alpha: 12, Beta: 12, Tiny: 3 });
  });

  test('each broken file is excluded with an issue naming it', () => {
    const expected: [string, string][] = [[bad.empty, 'empty-file'], [bad.text, 'not-image'], [bad.truncated, 'truncated']];
    assert.equal(scan.excluded.length, 3);
    for (const [file, kind] of expected) {
      assert.ok(scan.excluded.some((e) => e.file === file && e.reason.startsWith(kind)), `${kind} not excluded: ${JSON.stringify(scan.excluded)}`);
      const issue = scan.health.issues.find((i) => i.file === file);
      assert.ok(issue, `no issue for ${file}`);
      assert.equal(issue.kind, kind);
      assert.match(issue.message, /left out\.$/);
      assert.ok(!scan.items.some((i) => i.path === file));
    }
    assert.match(byKind(scan, 'not-image')[0].message, /text file/);
  });

  test('empty, tiny and imbalanced classes, stray and hidden files are reported', () => {
    const empty = byKind(scan, 'empty-class');
    assert.equal(empty.length, 1);
    assert.equal(empty[0].className, 'Empty');
    assert.equal(empty[0].severity, 'warning');
    assert.match(empty[0].message, /not used as a class/);
    const tiny = byKind(scan, 'tiny-class');
    assert.deepEqual(tiny.map((i) => i.className), ['Tiny']);
    assert.equal(byKind(scan, 'class-imbalance').length, 1, '12 vs 3 is more than 2x');
    const stray = byKind(scan, 'stray-file');
    assert.deepEqual(stray.map((i) => path.basename(i.file!)), ['readme.txt']);
    assert.equal(stray[0].severity, 'info');
    assert.ok(!scan.items.some((i) => i.rel.includes('.cache')), 'hidden folders are ignored');
    assert.ok(!scan.health.issues.some((i) => i.file?.includes('.DS_Store')), 'hidden files are ignored silently');
  });

  test('channel, format and size statistics', () => {
    assert.deepEqual(scan.health.channels, { '1': 15, '3': 12 });
    assert.equal(byKind(scan, 'mixed-channels').length, 1);
    assert.deepEqual(scan.health.formats, { png: 15, jpeg: 12 });
    assert.deepEqual(scan.health.size, { minWidth: 32, maxWidth: 32, minHeight: 32, maxHeight: 32, meanWidth: 32, meanHeight: 32 });
    assert.equal(scan.health.perSplit, undefined);
  });

  test('verify: false reads headers only, so the truncated PNG slips through', async () => {
    const quick = await scanDataset(root, { verify: false });
    assert.ok(quick.items.some((i) => i.path === bad.truncated));
    assert.equal(quick.excluded.length, 2);
  });

  test('the hash is stable and follows content', async () => {
    const again = await scanDataset(root, { verify: false });
    assert.match(scan.hash, /^[0-9a-f]{64}$/);
    assert.notEqual(again.hash, scan.hash, 'the truncated file is usable without verify, so the set differs');
    const copy = path.join(tmp, 'broken-copy');
    await fs.cp(root, copy, { recursive: true });
    assert.equal((await scanDataset(copy)).hash, scan.hash, 'same files in another folder give the same hash');
    await writeImage(path.join(copy, 'Alpha', 'img-0.png'), { seed: 1234, size: 33 });
    assert.notEqual((await scanDataset(copy)).hash, scan.hash);
  });
});

describe('scanDataset layouts and options', () => {
  test('split folders (any case, valid/ for val) keep their split; other folders are reported', async () => {
    const root = path.join(tmp, 'splits');
    await writeMany(path.join(root, 'Train', 'cat'), 4);
    await writeMany(path.join(root, 'Train', 'dog'), 3);
    await writeMany(path.join(root, 'valid', 'cat'), 2);
    await writeMany(path.join(root, 'valid', 'dog'), 1);
    await writeMany(path.join(root, 'test', 'cat'), 2);
    await writeMany(path.join(root, 'extras', 'cat'), 2);
    await writeImage(path.join(root, 'test', 'loose.png'));
    const scan = await scanDataset(root);
    assert.equal(scan.layout, 'split-folders');
    assert.deepEqual(scan.classes, ['cat', 'dog']);
    assert.equal(scan.items.length, 12);
    assert.ok(scan.items.every((i) => i.presetSplit === { train: 'train', valid: 'val', test: 'test' }[i.rel.split('/')[0].toLowerCase()]));
    assert.deepEqual(scan.health.perSplit, { train: { cat: 4, dog: 3 }, val: { cat: 2, dog: 1 }, test: { cat: 2, dog: 0 } });
    assert.equal(byKind(scan, 'stray-folder').length, 1);
    assert.ok(byKind(scan, 'stray-file').some((i) => i.file?.endsWith('loose.png') && i.severity === 'warning'));
    assert.ok(byKind(scan, 'empty-class-in-split').some((i) => /test folder has no images of dog/.test(i.message)));
  });

  test('metadata.csv gives patient ids (quoted fields, split prefix, bare names)', async () => {
    const root = path.join(tmp, 'meta');
    await writeMany(path.join(root, 'A'), 4);
    await writeMany(path.join(root, 'B'), 3, { prefix: 'b' });
    await fs.writeFile(path.join(root, 'metadata.csv'), [
      'file,label,note,patient_id',
      'A/img-0.png,A,"quoted, with comma",p1',
      'A/img-1.png,A,"say ""hi""\nsecond line",p1',
      'A/img-2.png,A,,p2',
      'b-1.png,B,,"p3"', // a bare name, unique in the csv
      'B/b-2.png,B,,',
      'elsewhere/img-3.png,A,,p9', // bare names img-3.png twice: ambiguous, not used
      'other/img-3.png,A,,p10',
    ].join('\r\n'));
    const scan = await scanDataset(root);
    const patient = Object.fromEntries(scan.items.map((i) => [i.rel, i.patient]));
    assert.equal(scan.patientSource, 'metadata.csv');
    assert.equal(patient['A/img-0.png'], 'p1');
    assert.equal(patient['A/img-1.png'], 'p1');
    assert.equal(patient['A/img-2.png'], 'p2');
    assert.equal(patient['A/img-3.png'], 'A/img-3.png', 'ambiguous bare name: own group');
    assert.equal(patient['B/b-0.png'], 'B/b-0.png', 'not in the csv: own group');
    assert.equal(patient['B/b-2.png'], 'B/b-2.png', 'empty patient cell: own group');
    assert.equal(patient['B/b-1.png'], 'p3', 'bare file name that is unique in the csv');
    assert.ok(byKind(scan, 'patient-unknown').some((i) => /3 of 7/.test(i.message)));
  });

  test('a patient pattern applies when there is no usable metadata.csv', async () => {
    const root = path.join(tmp, 'pattern');
    await writeMany(path.join(root, 'X'), 3, { prefix: 'person7_virus' });
    await writeMany(path.join(root, 'Y'), 2, { prefix: 'person8_bacteria' });
    await writeImage(path.join(root, 'Y', 'anonymous.png'));
    await fs.writeFile(path.join(root, 'metadata.csv'), 'file,label\nX/a.png,X\n');
    const scan = await scanDataset(root, { patientPattern: '^(person\\d+)_' });
    assert.equal(scan.patientSource, 'pattern');
    assert.deepEqual([...new Set(scan.items.map((i) => i.patient))].sort(), ['Y/anonymous.png', 'person7', 'person8']);
    assert.ok(byKind(scan, 'metadata-no-patient').length === 1);
    await assert.rejects(scanDataset(root, { patientPattern: 'person\\d+' }), (e) => e instanceof DatasetError && /capture group/.test(e.message));
    await assert.rejects(scanDataset(root, { patientPattern: '(' }), DatasetError);
  });

  test('forced classes fix labels; unknown folders are left out and missing ones reported', async () => {
    const root = path.join(tmp, 'forced');
    await writeMany(path.join(root, 'Normal'), 2);
    await writeMany(path.join(root, 'COVID'), 2);
    await writeMany(path.join(root, 'Other'), 2);
    const scan = await scanDataset(root, { classes: ['Normal', 'Pneumonia', 'COVID'] });
    assert.deepEqual(scan.classes, ['Normal', 'Pneumonia', 'COVID']);
    assert.deepEqual(scan.items.map((i) => [i.className, i.label]).sort(), [['COVID', 2], ['COVID', 2], ['Normal', 0], ['Normal', 0]]);
    assert.equal(byKind(scan, 'unknown-class').length, 1);
    assert.equal(scan.excluded.filter((e) => e.file.includes(`${path.sep}Other${path.sep}`)).length, 2);
    assert.match(byKind(scan, 'missing-class')[0].message, /Pneumonia/);
    await assert.rejects(scanDataset(root, { classes: ['Cat', 'Dog'] }), (e) => e instanceof DatasetError && /No class folder .* matches the model's classes \(Cat and Dog\)\.$/.test(e.message));
  });

  test('progress reaches the total; an aborted scan rejects', async () => {
    const root = path.join(tmp, 'broken');
    const calls: [number, number][] = [];
    await scanDataset(root, { verify: false, onProgress: (d, t) => calls.push([d, t]) });
    assert.deepEqual(calls[0], [0, 30]);
    assert.deepEqual(calls[calls.length - 1], [30, 30]);
    assert.ok(calls.every(([d], i) => i === 0 || d === calls[i - 1][0] + 1));
    const ac = new AbortController();
    const p = scanDataset(root, { signal: ac.signal, onProgress: (d) => { if (d === 3) ac.abort(); } });
    await assert.rejects(p, (e: Error) => e.name === 'AbortError');
  });
});

describe('scanDataset reports broken and looping symlinks (issue 10, item 6)', () => {
  test('a dangling link, a self-loop, a two-link loop: each in the health report and the Problems panel; a good link works', async () => {
    const root = path.join(tmp, 'links');
    await writeMany(path.join(root, 'COVID'), 3);
    await writeMany(path.join(root, 'Normal'), 3);
    const target = path.join(tmp, 'link-target.png');
    await writeImage(target, { seed: 77 });
    await fs.symlink(target, path.join(root, 'Normal', 'good.png'));
    await fs.symlink(path.join(tmp, 'gone.png'), path.join(root, 'COVID', 'dangling.png'));
    await fs.symlink('loop.png', path.join(root, 'COVID', 'loop.png')); // a -> a
    await fs.symlink('ping.png', path.join(root, 'COVID', 'pong.png')); // ping -> pong -> ping
    await fs.symlink('pong.png', path.join(root, 'COVID', 'ping.png'));
    const scan = await scanDataset(root);
    assert.ok(scan.items.some((i) => i.rel === 'Normal/good.png'), 'a link to a valid image is used');
    assert.equal(scan.items.length, 7);
    const broken = byKind(scan, 'broken-link');
    assert.deepEqual(broken.map((i) => i.message).sort(), ['dangling', 'loop', 'ping', 'pong'].map((n) => `COVID/${n}.png is a broken or looping symlink; left out.`));
    assert.ok(broken.every((i) => i.className === 'COVID' && i.file === path.join(root, 'COVID', path.basename(i.file!))));
    assert.equal(scan.excluded.filter((e) => e.reason.startsWith('broken-link')).length, 4);
    // The extension's Problems panel shows every issue that names a file.
    const problems = issuesByFile(await scanSummary({ root, emit: () => {} }));
    assert.match(problems.get(path.join(root, 'COVID', 'loop.png'))?.[0].message ?? '', /^COVID\/loop\.png is a broken or looping symlink; left out\.$/);
  });

  test('a dataset of only broken links says so, not "No image files were found"', async () => {
    const root = path.join(tmp, 'only-links');
    await fs.mkdir(path.join(root, 'A'), { recursive: true });
    await fs.symlink(path.join(tmp, 'nowhere.png'), path.join(root, 'A', 'x.png'));
    await fs.symlink('y.png', path.join(root, 'A', 'y.png'));
    await assert.rejects(scanDataset(root), (e) => e instanceof DatasetError && !/No image files/.test(e.message)
      && /2 image files .* broken or looping symlinks \(e\.g\. A\/x\.png\)/.test(e.message));
  });
});

describe('scanDataset fails with one clear sentence when nothing is usable', () => {
  const oneSentence = (e: unknown) => e instanceof DatasetError && !e.message.includes('\n') && /\.$/.test(e.message);

  test('missing folder, file instead of folder, no class folders', async () => {
    await assert.rejects(scanDataset(path.join(tmp, 'nope')), (e) => oneSentence(e) && /does not exist/.test((e as Error).message));
    const file = path.join(tmp, 'a-file.png');
    await writeImage(file);
    await assert.rejects(scanDataset(file), (e) => oneSentence(e) && /not a folder/.test((e as Error).message));
    const flat = path.join(tmp, 'flat');
    await writeMany(flat, 3);
    await assert.rejects(scanDataset(flat), (e) => oneSentence(e) && /No class folders/.test((e as Error).message));
  });

  test('class folders without images, or only broken ones', async () => {
    const noImages = path.join(tmp, 'no-images');
    await fs.mkdir(path.join(noImages, 'A'), { recursive: true });
    await fs.writeFile(path.join(noImages, 'A', 'x.txt'), 'x');
    await assert.rejects(scanDataset(noImages), (e) => oneSentence(e) && /No image files/.test((e as Error).message));
    const allBad = path.join(tmp, 'all-bad');
    await fs.mkdir(path.join(allBad, 'A'), { recursive: true });
    await fs.writeFile(path.join(allBad, 'A', 'a.png'), '');
    await fs.writeFile(path.join(allBad, 'A', 'b.jpg'), 'text');
    await assert.rejects(scanDataset(allBad), (e) => oneSentence(e) && /None of the 2 image files/.test((e as Error).message));
  });
});

test('parseCsv handles quotes, doubled quotes, embedded newlines, CRLF and a BOM', () => {
  const rows = parseCsv('\ufeffa,b,c\r\n"x, y","say ""hi""","multi\nline"\n1,,3\n\n');
  assert.deepEqual(rows, [['a', 'b', 'c'], ['x, y', 'say "hi"', 'multi\nline'], ['1', '', '3']]);
  assert.deepEqual(parseCsv('a,b\n1,2'), [['a', 'b'], ['1', '2']]);
});

test('real CXR data: 3 classes, patient ids from metadata.csv, nothing excluded', { skip: skipUnlessShared(SHARED_CXR) }, async () => {
  const scan = await scanDataset(SHARED_CXR, { verify: false });
  assert.deepEqual(scan.classes, ['COVID', 'Normal', 'Viral_Pneumonia']);
  assert.equal(scan.patientSource, 'metadata.csv');
  assert.equal(scan.excluded.length, 0);
  const patients = new Set(scan.items.map((i) => i.patient));
  assert.ok(patients.size < scan.items.length, 'some patients have several images');
  assert.ok(scan.items.every((i) => !i.patient.includes('/')), 'every file has a patient id in metadata.csv');
  assert.deepEqual(scan.health.channels, { '1': scan.items.length });
});
