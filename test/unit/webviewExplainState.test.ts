import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ExplainView } from '../../src/shared/webviewProtocol';
import {
  checkpointLabel, clampOpacity, DEFAULT_OPACITY, initialExplainState, methodChange, methodLabel, methodPicker, predictionSentence,
  probabilityBars, reduceExplain,
} from '../../src/webview/explain/state';

const view: ExplainView = {
  image: { path: '/d/x.png', uri: 'vscode-resource:/d/x.png', name: 'x.png' },
  heatmapUri: 'h.png', overlayUri: 'o.png', classes: ['covid', 'normal', 'viral'], probabilities: [0.2, 0.7, 0.1], classIndex: 2,
  layer: 'conv5', layers: ['conv5', 'conv4'], checkpoint: { runDir: '/r', runId: 'r1', arch: 'resnet18', which: 'best', epoch: 7 },
  method: 'gradcam', augSmooth: false, eigenSmooth: false,
  methods: [{ id: 'gradcam', label: 'Grad-CAM' }, { id: 'gradcampp', label: 'Grad-CAM++' }, { id: 'scorecam', label: 'Score-CAM' }],
};

test('busy keeps the last result, result clears busy and error, error clears busy', () => {
  let s = reduceExplain(initialExplainState, { type: 'result', view });
  s = reduceExplain(s, { type: 'busy', message: 'Computing…' });
  assert.equal(s.busy, 'Computing…');
  assert.equal(s.view, view);
  const e = reduceExplain(s, { type: 'error', message: 'boom' });
  assert.equal(e.busy, undefined);
  assert.equal(e.error, 'boom');
  assert.equal(e.view, view);
  const r = reduceExplain(reduceExplain(e, { type: 'busy', message: '' }), { type: 'result', view: { ...view, classIndex: 0 } });
  assert.equal(r.busy, undefined);
  assert.equal(r.error, undefined);
  assert.equal(r.view?.classIndex, 0);
  assert.equal(r.opacity, DEFAULT_OPACITY);
});

test('opacity from the slider is clamped to [0, 1], default 0.5', () => {
  assert.equal(DEFAULT_OPACITY, 0.5);
  assert.equal(clampOpacity('0.75'), 0.75);
  assert.equal(clampOpacity(1.4), 1);
  assert.equal(clampOpacity(-1), 0);
  assert.equal(clampOpacity('x'), DEFAULT_OPACITY);
});

test('probability bars mark the explained class and the predicted one', () => {
  const bars = probabilityBars(view);
  assert.deepEqual(bars.map((b) => b.text), ['20.0%', '70.0%', '10.0%']);
  assert.deepEqual(bars.filter((b) => b.chosen).map((b) => b.name), ['viral']);
  assert.deepEqual(bars.filter((b) => b.predicted).map((b) => b.name), ['normal']);
  assert.equal(probabilityBars({ ...view, probabilities: [1.2, NaN, 0] })[0].probability, 1);
  assert.equal(probabilityBars({ ...view, probabilities: [1.2, NaN, 0] })[1].probability, 0);
});

test('labels for the checkpoint and the prediction', () => {
  assert.equal(checkpointLabel(view.checkpoint), 'r1 · resnet18 · best checkpoint (epoch 7)');
  assert.equal(checkpointLabel({ ...view.checkpoint, which: 'last', epoch: undefined }), 'r1 · resnet18 · last checkpoint');
  assert.equal(predictionSentence(view), 'Predicted normal (70.0%) — explaining viral at layer conv5');
  assert.equal(predictionSentence({ ...view, classIndex: 1 }), 'Predicted normal (70.0%) — explaining the predicted class at layer conv5');
});

test('method picker: the engine\'s methods with the current one, the smoothing boxes, and the request a change makes', () => {
  const picker = methodPicker(view);
  assert.deepEqual(picker.options.map((o) => o.value), ['gradcam', 'gradcampp', 'scorecam']);
  assert.deepEqual(picker.options.map((o) => o.label), ['Grad-CAM', 'Grad-CAM++', 'Score-CAM']);
  assert.deepEqual([picker.value, picker.augSmooth, picker.eigenSmooth], ['gradcam', false, false]);
  // A map made by a method the list does not name (an older engine) still shows in the picker.
  assert.deepEqual(methodPicker({ ...view, method: 'other' }).options.at(-1), { value: 'other', label: 'other' });

  assert.deepEqual(methodChange(view, { method: 'scorecam' }), { type: 'selectMethod', method: 'scorecam', augSmooth: false, eigenSmooth: false });
  assert.deepEqual(methodChange(view, { augSmooth: true }), { type: 'selectMethod', method: 'gradcam', augSmooth: true, eigenSmooth: false });
  const smoothed = { ...view, method: 'gradcampp', augSmooth: true, eigenSmooth: false };
  assert.deepEqual(methodChange(smoothed, { eigenSmooth: true }), { type: 'selectMethod', method: 'gradcampp', augSmooth: true, eigenSmooth: true });
  assert.equal(methodChange(view, { method: 'gradcam' }), undefined, 'the same method: no request');
  assert.equal(methodChange(view, { method: '' }), undefined, 'an empty select value: no request');
  assert.equal(methodChange(undefined, { method: 'scorecam' }), undefined, 'no view yet');

  assert.equal(methodLabel(view), 'Grad-CAM');
  assert.equal(methodLabel({ ...smoothed, eigenSmooth: true }), 'Grad-CAM++ · aug-smooth · eigen-smooth');
});
