/**
 * The end-to-end scenario in a real VS Code (code-server 4.100.3, Debian's Chromium, playwright-core):
 * install cxr-lab.vsix, open a small phantom chest X-ray workspace, train a tiny model through "CXR Lab: Train
 * Model" and its quick picks, then check the training panel's curves, the Runs tree, the evaluation matrix and its
 * images, its ROC/PR curves, threshold slider and top-losses gallery, Grad-CAM from the explorer's context menu, and
 * "Audit Shortcuts" from the Runs tree. Screenshots of every step go to test-results/.
 *
 * Run: npm run test:e2e (setup, package, then this file), or `node --import tsx test/e2e/scenario.test.ts` when
 * code-server is installed (test/e2e/setup.sh) and cxr-lab.vsix is built (npm run package). Ends with `N passed, N failed`.
 */
import { existsSync, mkdtempSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import sharp from 'sharp';
import { EngineClient } from '../../src/extension/engine/engineClient';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { operatingPointAtThreshold } from '../../src/shared/operatingPoint';
import { LAB_DIR, RUN_FILES, RUNS_DIR, runFolderName, type RunInfo } from '../../src/shared/runFiles';
import { failureEvidence, openHarness, prepareServerState, waitFor, type Harness } from './harness';
import { RESULTS_DIR } from './paths';
import { runScenario, Steps } from './steps';

// MobileNetV2 at 64 px: small and quick, and its last feature map (2×2) still gives Grad-CAM some spatial
// detail; at 32 px the maps are 1×1 and the heatmap is flat, and an untrained SqueezeNet's output ReLU is dead.
const ARCH = 'mobilenetv2';
const CLASSES = 3;
const PER_CLASS = 10; // the engine warns about classes under 10 images
const IMAGE_PX = 64;

/** Pixels of a canvas that are clearly coloured (curves), as opposed to transparent or grey (axes, grid, text). */
async function chromaticPixels(frame: Frame, canvasSelector: string): Promise<number> {
  return frame.$eval(canvasSelector, (el) => {
    const c = el as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
    }
    return n;
  });
}

/** An <img> that finished loading a real picture. */
async function imageLoaded(frame: Frame, selector: string): Promise<{ src: string; width: number } | false> {
  return frame.$eval(selector, (el) => {
    const img = el as HTMLImageElement;
    return img.getAttribute('src') && img.complete && img.naturalWidth > 0 ? { src: img.getAttribute('src')!, width: img.naturalWidth } : false;
  });
}

async function main(): Promise<number> {
  await fs.rm(RESULTS_DIR, { recursive: true, force: true });
  const root = mkdtempSync(path.join(os.tmpdir(), 'cxr-lab-e2e-'));
  const workspace = path.join(root, 'chest-xrays');
  const stateRoot = path.join(root, 'editor');
  let h: Harness | undefined;
  let extensionDir = '';
  let shot = 0;
  const screenshot = async (name: string) => h!.wb.screenshot(`${String(++shot).padStart(2, '0')}-${name}`);

  const steps = new Steps(failureEvidence(() => h));

  try {
    await steps.step('vsix installs into code-server', async () => {
      await generatePhantomDataset(workspace, { perClass: PER_CLASS, size: IMAGE_PX, classes: CLASSES });
      ({ extensionDir } = await prepareServerState({ workspace, root: stateRoot }));
      for (const f of ['package.json', 'dist/extension.js', 'dist/engineHost.js', 'dist/webview/training.js']) {
        if (!existsSync(path.join(extensionDir, f))) throw new Error(`the installed extension lacks ${f}`);
      }
    });

    await steps.step('engine starts from the installed extension', async () => {
      // Fork the installed engine the way the extension does: its node_modules must be inside the vsix.
      const engine = new EngineClient(path.join(extensionDir, 'dist', 'engineHost.js'));
      try {
        const backend = await Promise.race([engine.ready, new Promise<never>((_, no) => setTimeout(() => no(new Error('engine not ready within 60 s')), 60_000))]);
        const info = await engine.request({ type: 'info' }).result;
        if (!info.models.includes(ARCH)) throw new Error(`engine models ${info.models.join(', ')} lack ${ARCH}`);
        const scan = await engine.request({ type: 'scan', root: workspace }).result;
        if (scan.classes.length !== CLASSES) throw new Error(`engine scan found classes ${scan.classes.join(', ')}`);
        console.log(`    backend ${backend}; ${info.models.length} models; ${Object.values(scan.perClass).reduce((a, b) => a + b, 0)} images`);
      } finally {
        engine.dispose();
      }
    }, ['vsix installs into code-server']);

    await steps.step('workbench opens the dataset folder', async () => {
      h = await openHarness({ workspace, root: stateRoot, extensionDir });
      await h.wb.treeItem('normal').first().waitFor({ timeout: 60_000 });
      await screenshot('workbench');
    }, ['vsix installs into code-server']);

    await steps.step('CXR Lab view lists the dataset classes', async () => {
      const { wb } = h!;
      await wb.showViewContainer(/CXR Lab/);
      await wb.resizeSideBar(460);
      const dataset = wb.viewPane('Dataset');
      for (const c of ['normal', 'consolidation', 'effusion']) {
        const row = wb.treeItem(c, dataset).first();
        await row.waitFor({ timeout: 60_000 }).catch(() => { throw new Error(`Dataset view shows no "${c}" row`); });
        const description = await wb.description(row);
        if (!description.includes(`${PER_CLASS} images`)) throw new Error(`Dataset row "${c}" says "${description}", expected ${PER_CLASS} images`);
      }
      await screenshot('cxr-lab-view');
    }, ['workbench opens the dataset folder']);

    await steps.step('Train Model from the palette (quick-pick flow)', async () => {
      const { wb } = h!;
      await wb.runCommand('CXR Lab: Train Model');
      await wb.pickQuickItem({ placeholder: /^Dataset folder/, label: path.basename(workspace) });
      await waitFor('the architecture step', async () => /^Architecture/.test((await wb.quickInputBox.getAttribute('placeholder')) ?? ''), 60_000);
      await screenshot('train-quick-pick');
      await wb.pickQuickItem({ placeholder: /^Architecture/, label: ARCH });
      await wb.pickQuickItem({ placeholder: /^Pretrained weights/, label: 'None' });
      await wb.pickQuickItem({ placeholder: /^Training preset/, label: 'reference' });
      await wb.pickQuickItem({ placeholder: /^Epochs/, label: '2' });
      await wb.pickQuickItem({ placeholder: /^Batch size/, label: '8' });
      await wb.pickQuickItem({ placeholder: /^Learning rate/, label: '1e-3' });
      await wb.pickQuickItem({ placeholder: /^Image size/, label: String(IMAGE_PX) });
      await wb.pickQuickItem({ placeholder: /^Sampler/, label: 'shuffle' });
      await wb.pickQuickItem({ placeholder: /^Learning-rate schedule/, label: 'none' });
      await wb.webviewFrame('#loss-chart', 'training panel');
      await screenshot('training-started');
    }, ['CXR Lab view lists the dataset classes']);

    let runDir = '';
    await steps.step('training panel draws loss and accuracy curves', async () => {
      const { wb } = h!;
      const frame = await wb.webviewFrame('#loss-chart', 'training panel');
      await waitFor('the training to complete (status badge)', async () => {
        const status = await frame.$eval('#status-badge', (el) => (el as HTMLElement).dataset.status ?? el.textContent);
        if (status === 'failed' || status === 'cancelled') throw new Error(`training ended ${status}`);
        return status === 'completed';
      }, 300_000, 1000);
      for (const chart of ['#loss-chart', '#acc-chart']) {
        const points = await waitFor(`${chart} to hold both epochs`, async () => {
          const n = Number(await frame.$eval(chart, (el) => (el as HTMLElement).dataset.points ?? '0'));
          return n >= 2 ? n : undefined;
        }, 30_000);
        const colored = await waitFor(`${chart} to draw coloured curves`, async () => {
          const n = await chromaticPixels(frame, `${chart} canvas`);
          return n > 100 ? n : undefined;
        }, 30_000);
        console.log(`    ${chart}: ${points} epochs, ${colored} coloured pixels`);
      }
      const runs = await fs.readdir(path.join(workspace, '.cxr-lab', 'runs'));
      if (runs.length !== 1) throw new Error(`expected one run folder, found ${runs.join(', ') || 'none'}`);
      runDir = path.join(workspace, '.cxr-lab', 'runs', runs[0]);
      await screenshot('training-panel');
    }, ['Train Model from the palette (quick-pick flow)']);

    await steps.step('Runs tree shows the run with its checkpoints', async () => {
      const { wb } = h!;
      await wb.showViewContainer(/CXR Lab/);
      const pane = wb.viewPane('Runs');
      const run = wb.treeItem(path.basename(runDir), pane).first();
      await run.waitFor({ timeout: 60_000 }).catch(() => { throw new Error(`no run row "${path.basename(runDir)}" in the Runs view`); });
      await waitFor('the run row to say completed', async () => /\bcompleted\b/.test(await wb.description(run)), 30_000);
      await wb.expand(run);
      for (const which of ['best', 'last']) {
        const row = wb.treeItem(which, pane).first();
        await row.waitFor({ timeout: 30_000 }).catch(() => { throw new Error(`no "${which}" checkpoint row under the run`); });
        const description = await wb.description(row);
        if (!/epoch \d+ · val loss \d/.test(description)) throw new Error(`checkpoint "${which}" says "${description}", expected its epoch and val loss`);
      }
      await wb.clearNotifications();
      await screenshot('runs-tree');
    }, ['training panel draws loss and accuracy curves']);

    let cellCount = 0;
    await steps.step('Evaluate from the run context menu shows the confusion matrix and metrics', async () => {
      const { wb } = h!;
      const pane = wb.viewPane('Runs');
      await wb.contextMenu(wb.treeItem(path.basename(runDir), pane).first(), /^Evaluate$/);
      const frame = await wb.webviewFrame('#confusion-matrix .cm-cell', 'evaluation', { timeoutMs: 180_000 });
      const cells = await frame.$$eval('#confusion-matrix .cm-cell[data-row][data-col]', (els) => els.map((e) => ({
        row: Number(e.getAttribute('data-row')), col: Number(e.getAttribute('data-col')), text: e.textContent ?? '',
      })));
      if (cells.length !== CLASSES * CLASSES) throw new Error(`matrix has ${cells.length} cells, expected ${CLASSES * CLASSES}`);
      const evalJson = JSON.parse(await fs.readFile(path.join(runDir, 'eval', 'test.json'), 'utf8')) as { confusion: number[][] };
      const total = evalJson.confusion.flat().reduce((a, b) => a + b, 0);
      if (total === 0) throw new Error('eval/test.json has an empty confusion matrix');
      // Metrics under the run in the tree: accuracy, macro-F1 and one row per class.
      const metrics = wb.treeItem('metrics (test)', pane).first();
      await metrics.waitFor({ timeout: 30_000 }).catch(() => { throw new Error('no "metrics (test)" row under the run'); });
      if (!/accuracy [\d.]+% · macro-F1 [\d.]+ · AUC ([\d.]+|n\/a)/.test(await wb.description(metrics))) throw new Error(`"metrics (test)" says "${await wb.description(metrics)}", expected accuracy, macro-F1 and AUC`);
      await wb.expand(metrics);
      for (const label of ['accuracy', 'macro-F1', 'normal', 'effusion', 'consolidation']) {
        await wb.treeItem(label, pane).first().waitFor({ timeout: 10_000 }).catch(() => { throw new Error(`no "${label}" metric row under "metrics (test)"`); });
      }
      await screenshot('evaluation');
      cellCount = total;
    }, ['Runs tree shows the run with its checkpoints']);

    let listedFile = '';
    await steps.step('a confusion-matrix cell click lists its images', async () => {
      const { wb } = h!;
      const frame = await wb.webviewFrame('#confusion-matrix .cm-cell', 'evaluation');
      const evalJson = JSON.parse(await fs.readFile(path.join(runDir, 'eval', 'test.json'), 'utf8')) as { confusion: number[][] };
      // The fullest cell, so the list cannot be empty.
      let best = { row: 0, col: 0, n: -1 };
      evalJson.confusion.forEach((r, i) => r.forEach((n, j) => { if (n > best.n) best = { row: i, col: j, n }; }));
      await frame.click(`#confusion-matrix .cm-cell[data-row="${best.row}"][data-col="${best.col}"]`);
      const listed = await waitFor('the cell\'s images to be listed', async () => {
        const n = await frame.$$eval('#cell-images .cell-image', (els) => els.length);
        return n > 0 ? n : undefined;
      }, 15_000);
      if (listed !== Math.min(best.n, 200)) throw new Error(`cell (${best.row}, ${best.col}) holds ${best.n} images but ${listed} are listed`);
      listedFile = await frame.$eval('#cell-images .cell-image', (el) => el.getAttribute('data-file') ?? '');
      if (!existsSync(listedFile)) throw new Error(`listed image ${listedFile} does not exist`);
      console.log(`    cell (${best.row}, ${best.col}): ${listed} of ${cellCount} test images`);
      await screenshot('cell-images');
    }, ['Evaluate from the run context menu shows the confusion matrix and metrics']);

    // The evaluation's newer sections: curves, the binary view's threshold slider, the top-losses gallery.
    type EvalJson = { classes: string[]; predictions: { file: string; rel: string; label: number; predicted: number; probabilities: number[] }[] };
    const readEval = async () => JSON.parse(await fs.readFile(path.join(runDir, 'eval', 'test.json'), 'utf8')) as EvalJson;
    const scrollTo = (frame: Frame, selector: string) => frame.$eval(selector, (el) => el.scrollIntoView({ block: 'start' }));

    await steps.step('evaluation draws ROC and precision-recall curves and the reliability diagram, with intervals', async () => {
      const { wb } = h!;
      const frame = await wb.webviewFrame('#roc-chart canvas', 'evaluation curves', { timeoutMs: 30_000 });
      for (const chart of ['#roc-chart', '#pr-chart', '#reliability-chart']) {
        const colored = await waitFor(`${chart} to draw coloured curves`, async () => {
          const n = await chromaticPixels(frame, `${chart} canvas`);
          return n > 100 ? n : undefined;
        }, 30_000);
        console.log(`    ${chart}: ${colored} coloured pixels, ${await frame.$eval(chart, (el) => (el as HTMLElement).dataset.series)} series`);
      }
      const interval = await frame.$eval('#macro-f1-interval', (el) => el.textContent ?? '');
      if (!/^\(\d\.\d{3}–\d\.\d{3}\)$/.test(interval)) throw new Error(`the macro-F1 headline shows the interval "${interval}", expected (0.xxx–0.xxx)`);
      const note = await frame.$eval('#bootstrap-note', (el) => el.textContent ?? '');
      if (!/2000 resamples of \d+ (patients|images)/.test(note)) throw new Error(`the bootstrap line says "${note}"`);
      console.log(`    macro-F1 ${await frame.$eval('#macro-f1', (el) => el.textContent)} ${interval}; ${note}`);
      await scrollTo(frame, '#roc-card');
      await screenshot('evaluation-curves');
    }, ['a confusion-matrix cell click lists its images']);

    await steps.step('the threshold slider updates sensitivity and specificity live', async () => {
      const { wb } = h!;
      const frame = await wb.webviewFrame('#threshold-slider', 'evaluation operating point');
      const evalJson = await readEval();
      const labels = evalJson.predictions.map((p) => p.label);
      const rowText = () => frame.$eval('#operating-table tr[data-kind="threshold"]', (el) => Array.from(el.querySelectorAll('td'), (td) => td.textContent ?? ''));
      const markers = () => frame.$eval('#roc-chart', (el) => (el as HTMLElement).dataset.markers ?? '');
      const before = await markers();
      for (const t of [0.8, 0.2]) {
        await frame.$eval('#threshold-slider', (el, value) => {
          const s = el as HTMLInputElement;
          s.value = String(value);
          s.dispatchEvent(new Event('input', { bubbles: true }));
        }, t);
        const expected = operatingPointAtThreshold(labels, evalJson.predictions.map((p) => p.probabilities), 0, t);
        const cells = await waitFor(`the threshold row to show p ≥ ${t.toFixed(2)}`, async () => {
          const c = await rowText();
          return c[0]?.endsWith(`≥ ${t.toFixed(2)}`) ? c : undefined;
        }, 5_000);
        const want = [expected.sensitivity, expected.specificity].map((v) => `${(v * 100).toFixed(1)}%`);
        if (cells[1] !== want[0] || cells[2] !== want[1]) throw new Error(`at ${t} the row says sensitivity ${cells[1]}, specificity ${cells[2]}; expected ${want.join(', ')}`);
        if (Number(cells[5]) !== expected.tp || Number(cells[6]) !== expected.fp) throw new Error(`at ${t}: TP ${cells[5]}, FP ${cells[6]}; expected ${expected.tp}, ${expected.fp}`);
        console.log(`    p(${evalJson.classes[0]}) ≥ ${t}: sensitivity ${cells[1]}, specificity ${cells[2]}, PPV ${cells[3]}, NPV ${cells[4]}`);
      }
      if ((await markers()) === before) throw new Error(`the ROC marker did not move (${before})`);
      // The slider and, above it, the ROC curves with the threshold's ring.
      await frame.$eval('#operating-card', (el) => el.scrollIntoView({ block: 'end' }));
      await screenshot('threshold-slider');
    }, ['evaluation draws ROC and precision-recall curves and the reliability diagram, with intervals']);

    let topLossFile = '';
    await steps.step('the top-losses gallery shows thumbnails, highest loss first', async () => {
      const { wb } = h!;
      const frame = await wb.webviewFrame('#loss-gallery .loss-tile', 'evaluation top losses');
      const evalJson = await readEval();
      const loss = (p: EvalJson['predictions'][number]) => -Math.log(Math.min(1 - Number.EPSILON, Math.max(Number.EPSILON, p.probabilities[p.label])));
      const expected = [...evalJson.predictions].sort((a, b) => loss(b) - loss(a) || a.rel.localeCompare(b.rel));
      const tiles = await frame.$$eval('#loss-gallery .loss-tile', (els) => els.map((e) => ({ file: e.getAttribute('data-file') ?? '', loss: Number(e.getAttribute('data-loss')) })));
      if (tiles.length !== Math.min(24, expected.length)) throw new Error(`${tiles.length} tiles for ${expected.length} images`);
      if (tiles.some((t, i) => Math.abs(t.loss - loss(expected[i])) > 1e-5)) throw new Error(`tile losses ${tiles.map((t) => t.loss.toFixed(3)).join(', ')} are not the highest first`);
      if (tiles[0].file !== expected[0].file) throw new Error(`the first tile is ${tiles[0].file}, expected ${expected[0].file}`);
      await waitFor('the first thumbnails to load', async () => {
        const loaded = await frame.$$eval('#loss-gallery .loss-tile img', (els) => els.filter((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth > 0).length);
        return loaded >= Math.min(8, tiles.length) ? loaded : undefined;
      }, 30_000);
      topLossFile = tiles[0].file;
      await scrollTo(frame, '#losses-card');
      await screenshot('top-losses');
    }, ['the threshold slider updates sensitivity and specificity live']);

    const gradcamFrame = async (h: Harness, file: string) => {
      const frame = await h.wb.webviewFrame('#overlay-image', `Grad-CAM of ${path.basename(file)}`, {
        timeoutMs: 120_000, accept: async (f) => (await f.$eval('#image-name', (el) => el.textContent)) === path.basename(file),
      });
      await waitFor(`the Grad-CAM overlay of ${path.basename(file)} to load`, async () => {
        const error = await frame.$eval('#error-message', (el) => ((el as HTMLElement).hidden ? '' : el.textContent ?? ''));
        if (error) throw new Error(`Grad-CAM view shows an error: ${error}`);
        return imageLoaded(frame, '#overlay-image');
      }, 120_000, 500);
      // The pickers show what was explained: "Predicted <class> (p) — explaining … at layer <layer>".
      const sentence = (await frame.$eval('#prediction', (el) => el.textContent)) ?? '';
      const layer = /at layer (\S+)/.exec(sentence)?.[1];
      const face = async (id: string) => ((await frame.locator(`${id} .select-face`).first().textContent({ timeout: 5_000 })) ?? '').trim();
      if (!layer || await face('#layer-picker') !== layer) throw new Error(`layer picker shows "${await face('#layer-picker')}" but the view says "${sentence}"`);
      const predicted = /Predicted (\S+)/.exec(sentence)?.[1];
      if (!predicted || !(await face('#class-picker')).startsWith(predicted)) throw new Error(`class picker shows "${await face('#class-picker')}" but the view says "${sentence}"`);
      return frame;
    };

    await steps.step('clicking a top-losses tile opens its Grad-CAM', async () => {
      const { wb } = h!;
      const frame = await wb.webviewFrame('#loss-gallery .loss-tile', 'evaluation top losses');
      await frame.click('#loss-gallery .loss-tile');
      await gradcamFrame(h!, topLossFile);
      await screenshot('gradcam-from-top-losses');
      // Back to the matrix for the next step.
      await (await wb.webviewFrame('#confusion-matrix', 'evaluation')).$eval('#confusion-matrix', (el) => el.scrollIntoView({ block: 'center' }));
    }, ['the top-losses gallery shows thumbnails, highest loss first']);

    await steps.step('clicking a listed image opens its Grad-CAM', async () => {
      const { wb } = h!;
      const frame = await wb.webviewFrame('#cell-images .cell-image', 'evaluation');
      await frame.click('#cell-images .cell-image');
      await gradcamFrame(h!, listedFile);
      // The top-losses tile opened a Grad-CAM view beside the evaluation: this image replaced it there (one view, no third column).
      const gradcamTabs = await wb.page.locator('.part.editor .tabs-container .tab', { hasText: 'Grad-CAM' }).count();
      const groups = await wb.page.locator('.part.editor .editor-group-container').count();
      if (gradcamTabs !== 1 || groups > 2) throw new Error(`${gradcamTabs} Grad-CAM tabs in ${groups} editor groups; expected the one reused view beside the evaluation`);
      await screenshot('gradcam-from-matrix');
    }, ['a confusion-matrix cell click lists its images']);

    // The grid needs a second run of the same classes: trained here through the installed engine (1 epoch, another seed).
    let secondRun = '';
    await steps.step('a second run trains through the installed engine and joins the Runs tree', async () => {
      const { wb } = h!;
      const first = JSON.parse(await fs.readFile(path.join(runDir, RUN_FILES.run), 'utf8')) as RunInfo;
      secondRun = path.join(workspace, LAB_DIR, RUNS_DIR, runFolderName(`${ARCH}-seed7`));
      const engine = new EngineClient(path.join(extensionDir, 'dist', 'engineHost.js'));
      try {
        await engine.ready;
        const trained = await engine.request({ type: 'train', dataset: workspace, config: { ...first.config, epochs: 1, seed: 7 }, runDir: secondRun }).result;
        if (trained.status !== 'completed') throw new Error(`the second run ended ${trained.status}`);
      } finally {
        engine.dispose();
      }
      // The extension reads runs through a file watcher: wait until it has the finished run (the grid's columns come from it).
      await wb.showViewContainer(/CXR Lab/);
      const row = wb.treeItem(path.basename(secondRun), wb.viewPane('Runs')).first();
      // File watchers are best effort (VS Code may drop events under load; seen once in CI-like runs here): what a user
      // would do then is press the view's Refresh, so that is the fallback, and the step still fails if it does not help.
      const listed = await row.waitFor({ timeout: 30_000 }).then(() => true, () => false);
      if (!listed) {
        console.log('  (the Runs tree missed the new run: CXR Lab: Refresh)');
        await wb.runCommand('CXR Lab: Refresh');
        await row.waitFor({ timeout: 60_000 }).catch(() => { throw new Error(`the Runs tree does not list ${path.basename(secondRun)}, even after Refresh`); });
      }
      await waitFor('the second run\'s row to say completed', async () => /\bcompleted\b/.test(await wb.description(row)), 30_000);
    }, ['Runs tree shows the run with its checkpoints']);

    await steps.step('"Explain these images with all runs" opens the CAM grid: top losses × both runs, PNG export', async () => {
      const { wb } = h!;
      const evaluation = await wb.webviewFrame('#losses-grid', 'evaluation top losses');
      await scrollTo(evaluation, '#losses-card');
      const label = (await evaluation.textContent('#losses-grid'))?.trim() ?? '';
      if (!/^Explain (these \d+ images|the first 8) with all runs$/.test(label)) throw new Error(`the button says "${label}"`);
      const sent = JSON.parse(await evaluation.$eval('#losses-grid', (el) => (el as HTMLElement).dataset.files ?? '[]')) as string[];
      await evaluation.click('#losses-grid');
      const frame = await wb.webviewFrame('#cam-grid .grid-cell', 'CAM grid', { timeoutMs: 180_000 });
      await waitFor('every overlay of the grid to load', async () => {
        const error = await frame.$eval('#error-message', (el) => ((el as HTMLElement).hidden ? '' : el.textContent ?? ''));
        if (error) throw new Error(`the grid view shows an error: ${error}`);
        const [n, loaded] = await frame.$$eval('.grid-overlay', (els) => [els.length, els.filter((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth > 0).length]);
        return n > 0 && n === loaded ? n : undefined;
      }, 60_000);
      const headers = await frame.$$eval('.grid-header .grid-header-title', (els) => els.map((e) => e.textContent ?? ''));
      if (headers.length !== 2 || headers[0] !== path.basename(runDir) || headers[1] !== path.basename(secondRun)) {
        throw new Error(`grid columns ${headers.join(', ')}; expected ${path.basename(runDir)}, then ${path.basename(secondRun)}`);
      }
      const cells = await frame.$$eval('.grid-cell', (els) => els.map((e) => ({
        row: Number(e.getAttribute('data-row')), col: Number(e.getAttribute('data-col')), correct: e.getAttribute('data-correct'),
        prediction: e.querySelector('.grid-prediction')?.textContent ?? '', wrong: e.classList.contains('wrong'),
      })));
      if (cells.length !== sent.length * 2) throw new Error(`${cells.length} cells for ${sent.length} images × 2 runs`);
      // The first column is the evaluated checkpoint: its predictions are the evaluation's, and wrong ones are framed.
      const evalJson = await readEval();
      for (const c of cells.filter((x) => x.col === 0)) {
        const p = evalJson.predictions.find((q) => q.file === sent[c.row])!;
        const predicted = evalJson.classes[p.predicted];
        if (!new RegExp(`pred ${predicted} \\d`).test(c.prediction)) throw new Error(`row ${c.row}: the grid says "${c.prediction}", the evaluation predicted ${predicted}`);
        if (c.wrong !== (p.label !== p.predicted) || c.correct !== String(p.label === p.predicted)) throw new Error(`row ${c.row}: marked ${c.correct}, the evaluation says ${p.label === p.predicted}`);
      }
      const grids = path.join(workspace, LAB_DIR, 'grids');
      const pngs = (await fs.readdir(grids).catch(() => [] as string[])).filter((f) => f.endsWith('.png'));
      if (pngs.length !== 1) throw new Error(`expected one grid PNG in ${grids}, found ${pngs.join(', ') || 'none'}`);
      const meta = await sharp(path.join(grids, pngs[0])).metadata();
      console.log(`    ${sent.length} images × 2 runs, ${cells.filter((c) => c.wrong).length} wrong; ${pngs[0]} ${meta.width}×${meta.height}`);
      // Export PNG…: the save dialog (VS Code's own, in the browser) proposes <workspace>/cam-grid.png; Enter accepts it.
      await frame.click('#export-png');
      await wb.quickInputBox.waitFor({ state: 'visible', timeout: 15_000 });
      await waitFor('the save dialog to propose cam-grid.png', async () => (await wb.quickInputBox.inputValue()).endsWith('cam-grid.png'), 10_000);
      await wb.quickInputBox.press('Enter');
      const exported = path.join(workspace, 'cam-grid.png');
      await waitFor('the exported PNG', async () => existsSync(exported), 15_000);
      const copy = await sharp(exported).metadata();
      if (copy.width !== meta.width || copy.height !== meta.height) throw new Error(`the exported PNG is ${copy.width}×${copy.height}, the grid ${meta.width}×${meta.height}`);
      await waitFor('the view to say where it saved the PNG', async () => ((await frame.textContent('#exported')) ?? '').includes('cam-grid.png'), 10_000);
      await screenshot('grid');
    }, ['the top-losses gallery shows thumbnails, highest loss first', 'a second run trains through the installed engine and joins the Runs tree']);

    await steps.step('Explain with Grad-CAM from the explorer context menu shows the overlay', async () => {
      const { wb } = h!;
      // An image other than the one the matrix opened, so a new view has to come up.
      const image = path.join(workspace, 'effusion', 'img-0003.png') === listedFile ? path.join(workspace, 'effusion', 'img-0004.png') : path.join(workspace, 'effusion', 'img-0003.png');
      // Room for it: close the editors, open the image itself, then explain it from the explorer (opens beside).
      await wb.runCommand('View: Close All Editor Groups');
      await wb.showExplorer();
      const explorer = wb.page.locator('.part.sidebar .explorer-folders-view');
      await wb.expand(wb.treeItem('effusion', explorer).first());
      const file = wb.treeItem(path.basename(image), explorer).first();
      await file.click();
      // Let the image preview (a webview too) finish loading before the next webview starts.
      await wb.webviewFrame('img', 'image preview', { accept: async (f) => (await f.title()) === 'Image Preview' });
      await wb.contextMenu(file, /^Explain with Grad-CAM$/);
      const frame = await gradcamFrame(h!, image);
      const probabilities = await frame.$$eval('#probabilities li', (els) => els.length);
      if (probabilities !== CLASSES) throw new Error(`${probabilities} class probabilities shown, expected ${CLASSES}`);
      // The header: the true class from its folder, right or wrong, the split of the run that holds it, the probability.
      const header = (await frame.textContent('#cam-header')) ?? '';
      if (!/True class effusion/.test(header) || !/(correct|wrong): predicted/.test(header) || !/(test|validation|training) split of this run/.test(header) || !/p\(\S+\) = \d/.test(header)) {
        throw new Error(`the Grad-CAM header says "${header}"`);
      }
      const legend = (await frame.textContent('#colorbar-legend')) ?? '';
      if (!await frame.isVisible('#colorbar') || !/^Per-map scale/.test(legend)) throw new Error(`colour bar ${await frame.isVisible('#colorbar') ? 'shown' : 'hidden'}, legend "${legend}"`);
      if (!await frame.isVisible('#pin')) throw new Error('the reusable view has no pin button');
      console.log(`    ${header}`);
      if (!await imageLoaded(frame, '#overlay-base')) throw new Error('the image under the heatmap did not load');
      // The opacity slider drives the overlay.
      await frame.$eval('#opacity-slider', (el) => {
        const s = el as HTMLInputElement;
        s.value = '0.8';
        s.dispatchEvent(new Event('input', { bubbles: true }));
      });
      const opacity = await frame.$eval('#overlay-image', (el) => (el as HTMLElement).style.opacity);
      if (opacity !== '0.8') throw new Error(`overlay opacity is "${opacity}" after setting the slider to 0.8`);
      // Saved in the run's cams/ as real pictures. (Their spread is only printed: a model this close to chance may
      // have no positive evidence for a class, and Grad-CAM's ReLU then rightly gives a flat map.)
      const camsDir = path.join(runDir, 'cams');
      const heatmaps = (await fs.readdir(camsDir).catch(() => [] as string[])).filter((f) => f.endsWith('.png') && !f.includes('overlay'));
      if (heatmaps.length < 2) throw new Error(`expected the heatmaps of both explained images in ${camsDir}, found ${heatmaps.join(', ') || 'none'}`);
      for (const f of heatmaps) {
        const { width, height } = await sharp(path.join(camsDir, f)).metadata();
        if (!width || !height) throw new Error(`heatmap ${f} is not a readable PNG`);
        const spread = Math.max(...(await sharp(path.join(camsDir, f)).stats()).channels.map((c) => c.stdev));
        console.log(`    ${f}: ${width}×${height}, pixel stdev ${spread.toFixed(1)}`);
      }
      await frame.locator('#overlay-figure').scrollIntoViewIfNeeded();
      await screenshot('gradcam-from-explorer');
    }, ['Runs tree shows the run with its checkpoints']);

    await steps.step('Audit Shortcuts from the run context menu shows the verdict, the per-class table and the ranked gallery', async () => {
      const { wb } = h!;
      await wb.runCommand('View: Close All Editor Groups');
      await wb.showViewContainer(/CXR Lab/);
      await wb.contextMenu(wb.treeItem(path.basename(runDir), wb.viewPane('Runs')).first(), /^Audit Shortcuts$/);
      const frame = await wb.webviewFrame('#audit-verdict', 'shortcut audit', { timeoutMs: 180_000 });
      type AuditJson = { images: { file: string; rel: string; borderMarkers: number | null; overlay?: string }[]; perClass: { className: string }[]; verdict: { sentence: string; flagged: boolean }; notes: string[] };
      const auditFile = path.join(runDir, 'audit', 'test.json');
      await waitFor('the audit file', async () => existsSync(auditFile), 180_000);
      const audit = JSON.parse(await fs.readFile(auditFile, 'utf8')) as AuditJson;
      const sentence = await waitFor('the verdict', async () => (await frame.textContent('#verdict-sentence')) || undefined, 30_000);
      if (sentence !== audit.verdict.sentence) throw new Error(`the view's verdict "${sentence}" is not the file's "${audit.verdict.sentence}"`);
      if ((await frame.$eval('#audit-verdict', (el) => (el as HTMLElement).dataset.flagged)) !== String(audit.verdict.flagged)) throw new Error('the verdict box is not marked as the file says');
      const rows = await frame.$$eval('#audit-class-table tbody tr', (els) => els.map((e) => e.getAttribute('data-class')));
      if (rows.join() !== audit.perClass.map((g) => g.className).join()) throw new Error(`class rows ${rows.join(', ')}; the file has ${audit.perClass.map((g) => g.className).join(', ')}`);
      // The phantom dataset has no lung masks: the view and the notes say that only the border band and markers were audited.
      if (!/^No lung masks/.test((await frame.textContent('#masks-line')) ?? '')) throw new Error('the view does not say that there are no lung masks');
      if (!audit.notes.some((n) => /No lung masks were found/.test(n))) throw new Error(`notes: ${audit.notes.join(' | ')}`);
      // The gallery: most on borders and markers first (no masks), each tile an overlay that loads.
      const ranked = audit.images.filter((i) => i.borderMarkers !== null && i.overlay).sort((a, b) => b.borderMarkers! - a.borderMarkers! || (a.rel < b.rel ? -1 : 1));
      const tiles = await frame.$$eval('#audit-gallery .audit-tile', (els) => els.map((e) => e.getAttribute('data-file')));
      if (tiles.length !== ranked.length || tiles[0] !== ranked[0]?.file) throw new Error(`gallery ${tiles.length} tiles starting ${tiles[0]}; expected ${ranked.length} starting ${ranked[0]?.file}`);
      if (tiles.length > 0) {
        await waitFor('the gallery overlays to load', async () => {
          const loaded = await frame.$$eval('#audit-gallery img', (els) => els.filter((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth > 0).length);
          return loaded >= Math.min(6, tiles.length) ? loaded : undefined;
        }, 30_000);
      }
      console.log(`    ${audit.images.length} images, ${tiles.length} ranked; verdict: ${audit.verdict.sentence}`);
      await screenshot('audit');
    }, ['Runs tree shows the run with its checkpoints']);

    await steps.step('Show Samples from the Dataset view: images per class, the same images augmented, histograms and sizes; Regenerate draws again', async () => {
      const { wb } = h!;
      await wb.runCommand('View: Close All Editor Groups');
      await wb.showViewContainer(/CXR Lab/);
      // The Dataset view's title-bar action (shown while the pointer is over the view), as a user clicks it.
      const pane = wb.viewPane('Dataset');
      await pane.locator('.pane-header').hover();
      const action = pane.locator('.pane-header .actions-container [aria-label="Show Samples"]').first();
      await action.waitFor({ state: 'visible', timeout: 10_000 });
      await action.click();
      const frame = await wb.webviewFrame('#samples-body .samples-class', 'samples', { timeoutMs: 120_000 });
      const loadedImages = async () => frame.$$eval('#samples-body img', (els) => [els.length, els.filter((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth > 0).length]);
      await waitFor('every thumbnail to load', async () => { const [n, ok] = await loadedImages(); return n > 0 && n === ok ? n : undefined; }, 60_000);
      const cards = await frame.$$eval('.samples-class', (els) => els.map((e) => ({
        name: e.getAttribute('data-class'), meta: e.querySelector('.class-meta')?.textContent ?? '',
        originals: e.querySelectorAll('.sample-original').length, augmented: e.querySelectorAll('.sample-augmented').length,
        captions: Array.from(e.querySelectorAll('.sample-augmented figcaption')).map((c) => c.textContent ?? ''),
        bars: e.querySelectorAll('.histogram rect').length,
      })));
      if (cards.map((c) => c.name).sort().join() !== 'consolidation,effusion,normal') throw new Error(`class cards ${cards.map((c) => c.name).join(', ')}`);
      for (const c of cards) {
        if (c.originals !== 6 || c.augmented !== 6) throw new Error(`${c.name}: ${c.originals} original and ${c.augmented} augmented thumbnails, expected 6 each`);
        if (!c.meta.includes(`${PER_CLASS} images`) || !c.meta.includes(`${IMAGE_PX} × ${IMAGE_PX} px`)) throw new Error(`${c.name}: the size line says "${c.meta}"`);
        if (c.bars !== 64) throw new Error(`${c.name}: a histogram of ${c.bars} bars`);
        if (c.captions.some((t) => !t)) throw new Error(`${c.name}: an augmented image without its caption`);
      }
      const summary = (await frame.textContent('#samples-summary')) ?? '';
      if (!/seed 42 · recommended preset/.test(summary)) throw new Error(`the summary says "${summary}"`);
      // The augmented thumbnails differ from the originals (the preset changed them), as files the engine wrote.
      const thumbs = path.join(workspace, LAB_DIR, 'samples');
      const files = (await fs.readdir(thumbs)).filter((f) => f.endsWith('.png'));
      if (files.length !== 36) throw new Error(`${files.length} thumbnails in ${thumbs}, expected 36`);
      const differing = await Promise.all(files.filter((f) => f.endsWith('-original.png')).map(async (f) => {
        const [a, b] = await Promise.all([f, f.replace('-original.png', '-augmented.png')].map((x) => sharp(path.join(thumbs, x)).raw().toBuffer()));
        return a.some((v, i) => Math.abs(v - b[i]) > 8);
      }));
      if (differing.filter(Boolean).length < 12) throw new Error(`only ${differing.filter(Boolean).length} of 18 augmented thumbnails differ from their originals`);
      console.log(`    ${cards.length} classes × 6 images; ${differing.filter(Boolean).length} of 18 visibly augmented; ${cards[0].captions[0]}`);
      await screenshot('samples-grid');
      const before = await frame.$$eval('.sample-augmented img', (els) => els.map((e) => e.getAttribute('src')));
      await frame.click('#regenerate');
      await waitFor('the new draw (seed 43)', async () => /seed 43/.test((await frame.textContent('#samples-summary')) ?? ''), 120_000);
      await waitFor('every new thumbnail to load', async () => { const [n, ok] = await loadedImages(); return n > 0 && n === ok ? n : undefined; }, 60_000);
      const after = await frame.$$eval('.sample-augmented img', (els) => els.map((e) => e.getAttribute('src')));
      if (after.length !== before.length || after.some((src, i) => src === before[i])) throw new Error('Regenerate left the augmented thumbnails as they were');
      await frame.locator('.samples-class').first().locator('.sample-augmented').first().scrollIntoViewIfNeeded();
      await screenshot('samples-regenerated');
    }, ['CXR Lab view lists the dataset classes']);
  } finally {
    await h?.close();
    await fs.rm(root, { recursive: true, force: true }).catch(() => undefined);
  }
  return steps.summary();
}

runScenario(main);
