/**
 * `explain` with every CAM method and the smoothing options on a real (tiny) run: the files are named by image,
 * class, method, options and layer, so no explanation overwrites another, and the default one keeps today's name.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { explainImages } from '../../src/engine/jobs/explain';
import { readCamFile } from '../../src/engine/run/runFiles';
import { camFileStem } from '../../src/shared/runFiles';

const FIXTURE = path.resolve('test/fixtures/run-format1');
const RUN = path.join(FIXTURE, 'run');
const IMAGE = path.join(FIXTURE, 'data', 'consolidation', 'img-0003.png');
let tmp: string;
before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-explain-methods-'));
  await initBackend('auto');
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

test('camFileStem: method, options, and the layer only when it is not the default', () => {
  const base = { imageKey: 'k', className: 'covid', layer: 'features.18.2', defaultLayer: 'features.18.2' };
  assert.equal(camFileStem({ ...base, method: 'gradcam' }), 'k-covid-gradcam');
  assert.equal(camFileStem({ ...base, method: 'scorecam', augSmooth: true, eigenSmooth: true }), 'k-covid-scorecam-aug-eigen');
  assert.equal(camFileStem({ ...base, method: 'hirescam', eigenSmooth: true, layer: 'layer4/1 relu' }), 'k-covid-hirescam-eigen-layer4_1_relu');
});

test('every method and option writes its own files; the default Grad-CAM keeps its name', async () => {
  const explain = (o: { method?: string; augSmooth?: boolean; eigenSmooth?: boolean; layer?: string }) =>
    explainImages({ runDir: RUN, images: [IMAGE], classIndex: 0, outDir: tmp, emit: () => undefined, ...o });
  const plain = await explain({});
  assert.deepEqual(plain.methods.map((m) => m.id), ['gradcam', 'gradcampp', 'hirescam', 'xgradcam', 'layercam', 'eigencam', 'scorecam']);
  // The name the format-1 fixture's cams/ holds for this image (written before there were methods and options).
  const committed = (await fs.readdir(path.join(RUN, 'cams'))).find((f) => f.endsWith('-heatmap.png'));
  assert.equal(path.basename(plain.items[0].heatmap), committed);

  const cases: [Parameters<typeof explain>[0], string, Partial<Record<'method' | 'augSmooth' | 'eigenSmooth' | 'layer', unknown>>][] = [
    [{ method: 'gradcam++', augSmooth: true }, 'consolidation-gradcampp-aug', { method: 'gradcampp', augSmooth: true, eigenSmooth: false }],
    [{ method: 'hirescam', eigenSmooth: true }, 'consolidation-hirescam-eigen', { method: 'hirescam', eigenSmooth: true }],
    [{ method: 'eigencam', layer: 'features.13.add' }, 'consolidation-eigencam-features.13.add', { method: 'eigencam', layer: 'features.13.add' }],
    [{ method: 'scorecam', layer: 'features.13.add', augSmooth: true, eigenSmooth: true }, 'consolidation-scorecam-aug-eigen-features.13.add', { method: 'scorecam', augSmooth: true, eigenSmooth: true }],
    [{ method: 'layercam' }, 'consolidation-layercam', { method: 'layercam', augSmooth: false }],
  ];
  for (const [options, stem, recorded] of cases) {
    const { items } = await explain(options);
    const item = items[0];
    assert.equal(path.basename(item.heatmap), `${committed!.slice(0, 12)}-${stem}-heatmap.png`, JSON.stringify(options));
    assert.equal(path.basename(item.overlay), `${committed!.slice(0, 12)}-${stem}-overlay.png`);
    const camFile = await readCamFile(item.json);
    for (const [k, v] of Object.entries(recorded)) assert.equal(camFile?.[k as keyof typeof camFile], v, `${stem}: ${k}`);
  }
  const files = await fs.readdir(tmp);
  assert.equal(files.filter((f) => f.endsWith('-heatmap.png')).length, cases.length + 1, files.join(', '));
  assert.equal(files.filter((f) => f.endsWith('.json')).length, cases.length + 1);
});
