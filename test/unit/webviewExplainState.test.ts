import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ExplainView } from '../../src/shared/webviewProtocol';
import {
  camHeader, checkpointLabel, clampOpacity, colorbarModel, DEFAULT_OPACITY, initialExplainState, methodChange, methodLabel, methodPicker, predictionSentence,
  probabilityBars, reduceExplain, restoreExplainState, scaleOptions,
} from '../../src/webview/explain/state';
import { colormapColor } from '../../src/shared/camDisplay';

const view: ExplainView = {
  image: { path: '/d/x.png', uri: 'vscode-resource:/d/x.png', name: 'x.png' },
  heatmapUri: 'h.png', overlayUri: 'o.png', classes: ['covid', 'normal', 'viral'], probabilities: [0.2, 0.7, 0.1], classIndex: 2,
  layer: 'conv5', layers: ['conv5', 'conv4'], checkpoint: { runDir: '/r', runId: 'r1', arch: 'resnet18', which: 'best', epoch: 7 },
  method: 'gradcam', augSmooth: false, eigenSmooth: false, scaleMode: 'per-map',
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

test('header facts: true class from the folder, correct or wrong, the split of the run, the probability', () => {
  const test = camHeader({ ...view, classIndex: 1, facts: { trueClass: 'normal', split: 'test', rel: 'normal/x.png' } });
  assert.equal(test.verdict, 'correct');
  assert.equal(test.text, 'True class normal · ✓ correct: predicted normal · test split of this run · p(normal) = 70.0%');
  assert.equal(test.splitWarning, false);
  // Wrong, a training image (said with a warning), and explaining another class than the predicted one.
  const train = camHeader({ ...view, facts: { trueClass: 'covid', split: 'train' } });
  assert.equal(train.verdict, 'wrong');
  assert.equal(train.verdictText, '✗ wrong: predicted normal');
  assert.match(train.split, /^training split of this run — the model learned from this image/);
  assert.equal(train.splitWarning, true);
  assert.equal(train.probability, 'p(normal) = 70.0%; explaining viral, p = 10.0%');
  assert.equal(camHeader({ ...view, facts: { trueClass: 'covid', split: 'val' } }).split, 'validation split of this run');
  assert.equal(camHeader({ ...view, facts: { trueClass: null, split: 'outside' } }).split, "not in this run's dataset");
  const unknown = camHeader({ ...view, facts: { trueClass: null, split: 'outside' } });
  assert.equal(unknown.verdict, undefined);
  assert.match(unknown.trueClass, /unknown/);
  assert.equal(camHeader({ ...view, facts: { trueClass: 'edema', split: 'unsplit' } }).verdict, undefined, 'a folder that is not a class of the model');
  assert.equal(camHeader(view).split, 'split unknown');
});

test('colour bar: the colormap\'s gradient, ticks 0–1, a legend that says the scale; the shared scale marks this map\'s peak', () => {
  const raw = { width: 2, height: 2, values: [0, 1, 2, 3], inputWidth: 4, inputHeight: 4 };
  const perMap = colorbarModel({ ...view, raw, scale: { mode: 'per-map', min: 0, max: 0.0042 } }, 'inferno', 'heat', 0.6);
  const [r, g, b] = colormapColor('inferno', 1);
  assert.match(perMap.gradient, new RegExp(`^linear-gradient\\(to right, rgb\\(0, 0, 4\\) 0\\.0%, .*rgb\\(${r}, ${g}, ${b}\\) 100\\.0%\\)$`));
  assert.deepEqual(perMap.ticks.map((t) => t.label), ['0', '0.25', '0.5', '0.75', '1']);
  assert.equal(perMap.peak, undefined);
  assert.match(perMap.legend, /^Per-map scale \(pytorch-grad-cam's\)/);
  assert.match(perMap.legend, /Raw Grad-CAM values 0 – 0\.0042 are drawn as 0 – 1\./);
  assert.match(perMap.legend, /Opacity follows the heat: 0 is transparent \(the X-ray as it is\), 1 is drawn at 60 %\./);
  const shared = colorbarModel({ ...view, classIndex: 0, scaleMode: 'shared', raw, scale: { mode: 'shared', min: 0, max: 4, classes: [{ min: 0, max: 1 }, { min: 0, max: 4 }, { min: 0, max: 2 }] } }, 'jet', 'uniform', 0.5);
  assert.ok(Math.abs(shared.peak! - 0.25) < 1e-6, `covid's map peaks at a quarter of normal's (${shared.peak})`);
  assert.match(shared.legend, /^Scale shared by the 3 classes of this image: 1 is the strongest map \(normal's\); covid's map peaks at 0\.25, so a weak class looks weak\./);
  assert.match(shared.legend, /One opacity everywhere \(50 %\), as pytorch-grad-cam's show_cam_on_image blends\./);
});

test('scale options: per map (default) or shared; aug-smooth leaves only per map, and says why', () => {
  assert.deepEqual(scaleOptions(undefined).options.map((o) => o.value), ['per-map', 'shared']);
  assert.equal(scaleOptions({ ...view, scaleMode: 'shared' }).value, 'shared');
  assert.equal(scaleOptions(view).sharedDisabled, undefined);
  assert.match(scaleOptions({ ...view, augSmooth: true }).sharedDisabled ?? '', /Aug-smooth scales each augmented map/);
});

test('state: pin messages, colormap and overlay mode survive, an older saved state gets the defaults', () => {
  assert.equal(initialExplainState.pinned, undefined, 'no pin button until the host says the view has one');
  assert.equal(reduceExplain(initialExplainState, { type: 'pin', pinned: true }).pinned, true);
  assert.deepEqual([initialExplainState.colormap, initialExplainState.overlayMode], ['jet', 'heat']);
  const old = restoreExplainState({ opacity: 0.3, showHeatmap: true } as never);
  assert.deepEqual([old.opacity, old.colormap, old.overlayMode], [0.3, 'jet', 'heat']);
  assert.equal(restoreExplainState({ ...initialExplainState, colormap: 'rainbow' as never, overlayMode: 'uniform' }).colormap, 'jet');
  assert.equal(restoreExplainState({ ...initialExplainState, colormap: 'turbo', overlayMode: 'uniform' }).overlayMode, 'uniform');
  assert.equal(restoreExplainState(undefined), initialExplainState);
});
