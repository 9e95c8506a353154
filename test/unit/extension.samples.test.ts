/**
 * "Show Samples" (issue 15, item 2): the sample grid view's controller (busy with progress, the result with webview URIs,
 * Regenerate with a new seed and the page's preset / count, opening an image, a new draw replacing a running one) and
 * the page's pure state (messages, histogram bars, size text).
 */
import '../fakes/vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SamplesResult } from '../../src/shared/engineProtocol';
import type { GridProgress, SamplesToWebview } from '../../src/shared/webviewProtocol';
import { SamplesController, toSamplesView, type SamplesDeps, type SamplesJobRequest } from '../../src/extension/dataset/samplesController';
import { histogramBars, progressText, reduceSamples, samplesSummary, sizeText, initialSamplesState } from '../../src/webview/samples/state';
import { FakeWebview } from '../fakes/vscode';

const size = { images: 2, minWidth: 200, medianWidth: 256, maxWidth: 300, minHeight: 256, medianHeight: 256, maxHeight: 256 };
function result(r: SamplesJobRequest): SamplesResult {
  return {
    root: r.root, preset: r.preset ?? 'recommended', seed: r.seed ?? 42, perClass: r.perClass ?? 6, thumbnail: 160, seconds: 1,
    classes: ['COVID', 'Normal'].map((className) => ({
      className, images: 2, size,
      histogram: { bins: [0.5, 0.2, 0.3], images: 2, mean: 100, std: 20 },
      samples: [{ file: `/data/${className}/a.png`, rel: `${className}/a.png`, width: 256, height: 256, original: `/t/${className}-o.png`, augmented: `/t/${className}-a.png`, augmentation: 'flip, rotate 3.0°' }],
    })),
  };
}

function setup() {
  const webview = new FakeWebview();
  const requests: SamplesJobRequest[] = [];
  const opened: string[] = [];
  let cleared = 0, cancelled = 0;
  const pending: ((r: SamplesResult) => void)[] = [];
  const deps: SamplesDeps = {
    samples: async (r, onProgress: (p: GridProgress) => void) => {
      requests.push(r);
      onProgress({ done: 1, total: 4 });
      return { result: new Promise<SamplesResult>((resolve) => pending.push(() => resolve(result(r)))), cancel: () => { cancelled++; } };
    },
    toWebviewUri: (file) => `vscode-resource:${file}`,
    openImage: (file) => opened.push(file),
    clearThumbnails: async () => { cleared++; },
  };
  const controller = new SamplesController(webview as never, deps, { root: '/data', preset: 'recommended', perClass: 6, seed: 42, thumbnailsDir: '/t' });
  const posted = () => webview.posted as SamplesToWebview[];
  return { webview, controller, requests, opened, pending, posted, counts: () => ({ cleared, cancelled }) };
}

const settle = () => new Promise((r) => setImmediate(r));

test('the view draws on ready: busy with progress, then the result with webview URIs; a thumbnail opens its image', async () => {
  const t = setup();
  const drawn = t.controller.handle({ type: 'ready' });
  await settle();
  assert.deepEqual(t.requests, [{ root: '/data', preset: 'recommended', perClass: 6, seed: 42, thumbnailsDir: '/t' }]);
  assert.equal(t.counts().cleared, 1, 'the thumbnails folder is emptied before a draw');
  t.pending[0](result(t.requests[0]));
  await drawn;
  const kinds = t.posted().map((m) => m.type);
  assert.deepEqual(kinds.slice(0, 2), ['busy', 'busy']);
  assert.deepEqual((t.posted()[1] as Extract<SamplesToWebview, { type: 'busy' }>).progress, { done: 1, total: 4 });
  const last = t.posted().at(-1) as Extract<SamplesToWebview, { type: 'result' }>;
  assert.equal(last.type, 'result');
  assert.equal(last.view.classes[0].samples[0].originalUri, 'vscode-resource:/t/COVID-o.png?v=1');
  assert.deepEqual(last.view.presets.map((p) => p.name), ['reference', 'recommended']);
  await t.controller.handle({ type: 'openImage', file: '/data/COVID/a.png' });
  await t.controller.handle({ type: 'openImage', file: '/etc/passwd' });
  assert.deepEqual(t.opened, ['/data/COVID/a.png'], 'only images of the draw open');
});

test('Regenerate draws with a new seed and the page\'s preset and count (clamped); the running draw is cancelled', async () => {
  const t = setup();
  const first = t.controller.handle({ type: 'ready' });
  await settle();
  const second = t.controller.handle({ type: 'regenerate', preset: 'reference', perClass: 99 });
  await settle();
  assert.deepEqual(t.requests[1], { root: '/data', preset: 'reference', perClass: 16, seed: 43, thumbnailsDir: '/t' });
  assert.equal(t.counts().cancelled, 1, 'the first draw was still running');
  t.pending[1](result(t.requests[1]));
  t.pending[0](result(t.requests[0]));
  await Promise.all([first, second]);
  const results = t.posted().filter((m) => m.type === 'result') as Extract<SamplesToWebview, { type: 'result' }>[];
  assert.equal(results.length, 1, 'the cancelled draw is never shown');
  assert.equal(results[0].view.seed, 43);
  assert.equal(results[0].view.preset, 'reference');
});

test('the page state: busy keeps the last draw, a result replaces it, an error ends busy', () => {
  const view = toSamplesView(result({ root: '/d', thumbnailsDir: '/t' }), (f) => f, 1);
  let s = reduceSamples(initialSamplesState, { type: 'result', view });
  s = reduceSamples(s, { type: 'busy', message: 'Drawing…', progress: { done: 3, total: 10 } });
  assert.equal(s.view, view);
  assert.equal(progressText(s.progress), '3 of 10 images');
  s = reduceSamples(s, { type: 'error', message: 'no images' });
  assert.deepEqual([s.busy, s.error, s.view === view], [undefined, 'no images', true]);
  assert.equal(samplesSummary(view), '2 classes · 6 per class · seed 42 · recommended preset');
  assert.equal(sizeText(size), '200–300 × 256 px, median 256 × 256');
  assert.equal(sizeText({ ...size, images: 0 }), 'no readable image');
});

test('histogram bars: scaled to the inner bins, a taller first or last bin is cut and marked', () => {
  const bars = histogramBars([0.9, 0.05, 0.1, 0.05, 0.0], 100, 50);
  assert.equal(bars.length, 5);
  assert.equal(bars[0].clipped, true);
  assert.equal(bars[0].height, 50);
  assert.ok(Math.abs(bars[2].height - 50 / 1.1) < 1e-9, 'the tallest inner bin fills the box but for a margin');
  assert.equal(bars[4].height, 0);
  assert.ok(bars.every((b) => b.y + b.height <= 50 + 1e-9 && b.x >= 0));
});
