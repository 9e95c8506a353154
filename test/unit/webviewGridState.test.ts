/** The CAM grid view's state and view models, and the evaluation view's "Explain these images with all runs" selection. Pure. */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { GridView } from '../../src/shared/webviewProtocol';
import { cellCaption, gridSummary, gridTemplate, initialGridState, progressText, reduceGrid } from '../../src/webview/grid/state';
import { gridSelection } from '../../src/webview/evaluation/gridModel';
import { gridCaption, isCorrect } from '../../src/shared/camGrid';

const cell = (truth: string | null, predicted: string, p: number) => ({ overlayUri: 'o.png', caption: gridCaption(truth, predicted, p), predicted, probability: p, correct: isCorrect(truth, predicted) });
const view: GridView = {
  columns: ['a', 'b'].map((id) => ({ title: [id, 'resnet18 · best (epoch 3)', 'Grad-CAM'], runDir: `/r/${id}`, runId: id, checkpoint: 'best' as const, method: 'gradcam' })),
  rows: [{ image: '/d/COVID/x.png', name: 'x.png', trueLabel: 'COVID' }, { image: '/e/y.png', name: 'y.png', trueLabel: null }],
  cells: [[cell('COVID', 'COVID', 0.9), cell('COVID', 'Normal', 0.6)], [cell(null, 'Normal', 0.7), cell(null, 'COVID', 0.55)]],
  png: '/ws/.cxr-lab/grids/grid-1.png',
};

test('busy keeps the last grid and shows progress, result clears everything, error and export keep the grid', () => {
  let s = reduceGrid(initialGridState, { type: 'busy', message: 'Explaining 2 images with 2 runs…', progress: { done: 1, total: 4, message: 'a · Grad-CAM: x.png' } });
  assert.equal(progressText(s.progress), '1 of 4 maps · a · Grad-CAM: x.png');
  s = reduceGrid(s, { type: 'result', view });
  assert.deepEqual(s, { view });
  s = reduceGrid(s, { type: 'busy', message: '' });
  assert.equal(s.busy, 'Computing the grid…');
  assert.equal(s.view, view, 'the previous grid stays beneath');
  assert.equal(progressText(s.progress), '');
  s = reduceGrid(s, { type: 'error', message: 'boom' });
  assert.deepEqual([s.busy, s.error, s.view], [undefined, 'boom', view]);
  s = reduceGrid(s, { type: 'exported', file: '/ws/cam-grid.png' });
  assert.deepEqual([s.exported, s.error, s.view], ['/ws/cam-grid.png', undefined, view]);
  assert.equal(reduceGrid(s, { type: 'result', view }).exported, undefined);
  assert.equal(progressText({ done: 9, total: 4 }), '4 of 4 maps');
});

test('view models: summary, captions with their mark, the CSS columns', () => {
  assert.equal(gridSummary(view), '2 images × 2 columns · 1 wrong prediction · 1 image with no known true class');
  assert.deepEqual(cellCaption(view.cells[0][0]), { truth: 'true COVID', prediction: 'pred COVID 90.0%', mark: '✓', label: 'true COVID · pred COVID 90.0% (right)' });
  assert.deepEqual(cellCaption(view.cells[0][1]), { truth: 'true COVID', prediction: 'pred Normal 60.0%', mark: '✗', label: 'true COVID · pred Normal 60.0% (wrong)' });
  assert.deepEqual(cellCaption(view.cells[1][0]), { truth: 'true ?', prediction: 'pred Normal 70.0%', mark: '', label: 'true ? · pred Normal 70.0% (true class unknown)' });
  assert.equal(gridTemplate(view), 'minmax(110px, max-content) repeat(2, minmax(140px, 256px))');
});

test('"Explain these images with all runs": the first 8 of the list, the button says how many', () => {
  assert.equal(gridSelection([], 'x'), undefined);
  const one = gridSelection(['/a.png', '/a.png'], 'the images of this cell')!;
  assert.deepEqual([one.files, one.label], [['/a.png'], 'Explain this image with all runs']);
  const files = Array.from({ length: 20 }, (_, i) => `/d/${i}.png`);
  const many = gridSelection(files, 'the images with the highest loss')!;
  assert.deepEqual(many.files, files.slice(0, 8));
  assert.equal(many.label, 'Explain the first 8 with all runs');
  assert.match(many.title, /^The CAM grid of the first 8 of the images with the highest loss: one row per image, one column per run/);
  assert.equal(gridSelection(files.slice(0, 3), 'x')!.label, 'Explain these 3 images with all runs');
});
