/**
 * The CAM grid (issue 12, item 3): its layout (cell positions, captions, wrong predictions marked), the PNG (size,
 * decodes, red frames where wrong), the words every side prints, and the grid job on a real (tiny) run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { captionLines, fitText, gridLayout, gridSvg, renderGridPng, textWidth, WRONG_MARK, type GridSpec } from '../../src/engine/cam/grid';
import { gridCaption, gridColumnTitle, isCorrect, trueLabelFromPath } from '../../src/shared/camGrid';
import { formatGrid } from '../../src/cli/grid';
import { initBackend } from '../../src/engine/backend';
import { explainGrid } from '../../src/engine/jobs/grid';

const FIXTURE = path.resolve('test/fixtures/run-format1');
const RUN = path.join(FIXTURE, 'run');
const image = (cls: string, n: number) => path.join(FIXTURE, 'data', cls, `img-000${n}.png`);
let tmp: string;
before(async () => { tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-grid-')); });
after(() => fs.rm(tmp, { recursive: true, force: true }));

/** 2 images × 3 columns; the second image's second column is wrong, the first image's true class unknown. */
function spec(): GridSpec {
  const cells = [[null, 'COVID', 'COVID'], ['Normal', 'COVID', 'Normal']].map((row, r) => row.map((pred, c) => {
    const truth = r === 0 ? null : 'Normal';
    const predicted = pred ?? 'Normal';
    return { caption: gridCaption(truth, predicted, 0.5 + c / 10), correct: isCorrect(truth, predicted) };
  }));
  return {
    columns: ['run-a', 'run-b', 'run-c'].map((id) => ({ title: gridColumnTitle({ runId: id, arch: 'resnet18', checkpoint: 'best', epoch: 3, methodLabel: 'Grad-CAM' }) })),
    rows: [{ label: ['scan.png', 'true ?'] }, { label: ['Normal/x.png', 'true Normal'] }],
    cells,
  };
}

test('the words: caption, correctness, column title, true class from the folders', () => {
  assert.equal(gridCaption('COVID', 'Normal', 0.9734), 'true COVID · pred Normal 97.3%');
  assert.equal(gridCaption(null, 'Normal', 0.5), 'true ? · pred Normal 50.0%');
  assert.deepEqual([isCorrect('A', 'A'), isCorrect('A', 'B'), isCorrect(null, 'B')], [true, false, null]);
  assert.deepEqual(gridColumnTitle({ runId: 'r1', arch: 'vgg16', checkpoint: 'last', epoch: 7, methodLabel: 'Score-CAM', className: 'COVID' }),
    ['r1', 'vgg16 · last (epoch 7)', 'Score-CAM of COVID']);
  const classes = ['COVID', 'Normal', 'Viral_Pneumonia'];
  assert.equal(trueLabelFromPath('/d/cxr/COVID/x.png', classes), 'COVID');
  assert.equal(trueLabelFromPath('/d/cxr/test/Normal/x.png', classes), 'Normal', 'a split folder above the class');
  assert.equal(trueLabelFromPath('/d/db/Viral_Pneumonia/images/x.png', classes), 'Viral_Pneumonia', 'the Radiography Database layout');
  assert.equal(trueLabelFromPath('C:\\data\\normal\\x.png', classes), 'Normal', 'Windows separators, case ignored');
  assert.equal(trueLabelFromPath('/elsewhere/scan.png', classes), null);
  assert.equal(trueLabelFromPath('/COVID/a/b/c/x.png', classes), null, 'only three folders up');
});

test('layout: cells on a regular grid right of the labels and under the titles; captions fit or split; wrong ones marked', () => {
  const s = spec();
  const layout = gridLayout(s, { cell: 200 });
  assert.equal(layout.cell, 200);
  assert.equal(layout.cells.length, 2);
  assert.ok(layout.cells.every((r) => r.length === 3));
  const [a, b] = [layout.cells[0][0], layout.cells[1][2]];
  const dx = layout.cells[0][1].x - a.x, dy = layout.cells[1][0].y - a.y;
  assert.ok(dx >= 200 && dy >= 200 + 17, `steps ${dx}, ${dy}`);
  assert.equal(b.x, a.x + 2 * dx);
  assert.equal(b.y, a.y + dy);
  assert.ok(a.x >= layout.rowLabels[0].x + layout.rowLabels[0].width, 'cells right of the row labels');
  assert.ok(a.y > layout.headers[0].y + 3 * 14, 'cells under the three title lines');
  assert.equal(layout.headers[1].x, layout.cells[0][1].x, 'each title over its column');
  assert.ok(layout.width >= b.x + 200 && layout.height > b.y + 200, 'everything inside the picture');
  assert.deepEqual(layout.headers[0].lines, ['run-a', 'resnet18 · best (epoch 3)', 'Grad-CAM']);
  assert.deepEqual(layout.rowLabels[1].lines, ['Normal/x.png', 'true Normal']);
  // A run id too long for its column breaks after a separator, bold, and the columns' lower lines stay level.
  const longId = gridLayout({ ...s, columns: [{ title: ['20261129-223656-mobilenetv2-seed7', 'mobilenetv2 · best', 'Grad-CAM'] }, ...s.columns.slice(1)] }, { cell: 200 });
  assert.deepEqual(longId.headers[0].lines, ['20261129-223656-', 'mobilenetv2-seed7', 'mobilenetv2 · best', 'Grad-CAM']);
  assert.deepEqual([longId.headers[0].bold, longId.headers[1].bold], [2, 1]);
  assert.equal(longId.headers[1].y, longId.headers[0].y + 18, 'a one-line id starts one line lower');
  assert.equal(longId.cells[0][0].y, layout.cells[0][0].y + 18, 'the header grew by one line');

  // The one wrong cell: marked, with ✗ before "pred"; the unknown row is not.
  assert.deepEqual(layout.cells.flat().filter((c) => c.wrong).map((c) => [c.row, c.col]), [[1, 1]]);
  assert.ok(layout.cells[1][1].captionLines.join(' ').includes(`${WRONG_MARK} pred COVID 60.0%`), layout.cells[1][1].captionLines.join('|'));
  assert.ok(layout.cells[0][0].captionLines.join(' · ').startsWith('true ? · pred Normal 50.0%'));
  assert.ok(!layout.cells[1][0].captionLines.join('').includes(WRONG_MARK));
  // A caption that fits is one line; one that does not splits at " · " and every line fits the cell.
  assert.deepEqual(captionLines('true A · pred B 90.0%', false, 256), ['true A · pred B 90.0%']);
  const long = captionLines('true Viral_Pneumonia · pred Viral_Pneumonia 99.5%', true, 256);
  assert.deepEqual(long, ['true Viral_Pneumonia', `${WRONG_MARK} pred Viral_Pneumonia 99.5%`]);
  const narrow = captionLines('true Viral_Pneumonia · pred Viral_Pneumonia 99.5%', true, 150);
  assert.match(narrow[1], /^✗ pred Vir\S*… 99\.5%$/, 'the name gives way, the probability stays');
  assert.ok(narrow.every((l) => textWidth(l, 13) <= 150), narrow.join('|'));
  assert.ok(captionLines(`true ${'x'.repeat(80)} · pred y 1.0%`, false, 120).every((l) => textWidth(l, 13) <= 120));
  assert.ok(fitText('a'.repeat(100), 60, 12).endsWith('…'));

  // The SVG draws a red frame for the wrong cell only, and escapes names.
  const svg = gridSvg(gridLayout({ ...s, rows: [{ label: ['<b>&.png', 'true ?'] }, s.rows[1]] }));
  assert.equal((svg.match(/stroke="#d32f2f"/g) ?? []).length, 1);
  assert.ok(svg.includes('&lt;b&gt;&amp;.png') && !svg.includes('<b>'));
  assert.throws(() => gridLayout({ ...s, cells: [s.cells[0]] }), /not 2 × 3/);
});

test('the PNG: the layout size, decodes, overlays in their cells, a red frame around the wrong one', async () => {
  const colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
  const overlays = await Promise.all(colours.map(async ([r, g, b], i) => {
    const file = path.join(tmp, `overlay-${i}.png`);
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g, b } } }).png().toFile(file);
    return file;
  }));
  const s = spec();
  const layout = gridLayout(s, { cell: 128 });
  const file = path.join(tmp, 'sub', 'grid.png');
  await renderGridPng(layout, s.cells.map((row) => row.map((_, c) => overlays[c])), file);
  const meta = await sharp(file).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', layout.width, layout.height]);
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const px = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3));
  for (const c of layout.cells.flat()) {
    assert.deepEqual(px(c.x + c.size / 2, c.y + c.size / 2), colours[c.col], `cell ${c.row},${c.col} centre`);
    // 64×48 fitted into a square: black bars above and below.
    assert.deepEqual(px(c.x + c.size / 2, c.y + 2), [0, 0, 0]);
    const frame = px(c.x - 3, c.y + c.size / 2);
    assert.equal(frame[0] > 180 && frame[1] < 90, c.wrong, `cell ${c.row},${c.col} frame ${frame}`);
  }
});

test('the grid job: images × (runs × methods) from the per-run explain results, one PNG, true classes from folders or labels', async () => {
  await initBackend('auto');
  const images = [image('consolidation', 3), image('normal', 2)];
  const events: string[] = [];
  const result = await explainGrid({
    runs: [RUN], images, methods: ['gradcam', 'gradcam++'], outDir: path.join(tmp, 'cams'), png: path.join(tmp, 'job.png'),
    labels: { [images[1]]: 'effusion' }, emit: (e) => { if (e.type === 'progress') events.push(`${e.phase} ${e.done}/${e.total}`); },
  });
  assert.deepEqual(result.columns.map((c) => [c.runId, c.method, c.checkpoint, c.epoch]), [['run', 'gradcam', 'best', 1], ['run', 'gradcampp', 'best', 1]]);
  assert.deepEqual(result.columns[1].title, ['run', 'mobilenetv2 · best (epoch 1)', 'Grad-CAM++']);
  assert.deepEqual(result.rows.map((r) => [r.name, r.trueLabel]), [['img-0003.png', 'consolidation'], ['img-0002.png', 'effusion']], 'the folder, or the label given');
  assert.equal(result.cells.length, 2);
  for (const [r, row] of result.cells.entries()) {
    assert.equal(row.length, 2);
    for (const c of row) {
      assert.ok(c.overlay.startsWith(path.join(tmp, 'cams')) && c.overlay.endsWith('-overlay.png'));
      await fs.access(c.overlay);
      assert.equal(c.correct, c.predicted === result.rows[r].trueLabel);
      assert.equal(c.caption, gridCaption(result.rows[r].trueLabel, c.predicted, c.probability));
      assert.equal(c.explained, c.predicted, 'no class forced: the prediction is explained');
    }
  }
  assert.notEqual(result.cells[0][0].overlay, result.cells[0][1].overlay, 'each method its own file');
  assert.equal(result.png, path.join(tmp, 'job.png'));
  const meta = await sharp(result.png).metadata();
  assert.deepEqual([meta.width, meta.height], [result.width, result.height]);
  assert.equal(events.at(-1), 'grid 4/4');
  assert.ok(events.every((e) => e.startsWith('grid ')), events.join(', '));
  assert.match(formatGrid(result), /grid: 2 images × 2 columns[\s\S]*img-0003\.png\s+consolidation[\s\S]*job\.png \(\d+×\d+ px\)/);

  // A forced class is explained in every cell and named in the titles; an unknown one is refused naming the run's classes.
  const forced = await explainGrid({ runs: [RUN], images: [images[0]], className: 'normal', outDir: path.join(tmp, 'cams'), png: path.join(tmp, 'forced.png'), emit: () => undefined });
  assert.equal(forced.cells[0][0].explained, 'normal');
  assert.equal(forced.columns[0].title[2], 'Grad-CAM of normal');
  await assert.rejects(explainGrid({ runs: [RUN], images, className: 'COVID', png: path.join(tmp, 'x.png'), emit: () => undefined }), /Unknown class "COVID" for run run; its classes are: 0=consolidation/);
  await assert.rejects(explainGrid({ runs: [], images, emit: () => undefined }), /at least one run/);
});
