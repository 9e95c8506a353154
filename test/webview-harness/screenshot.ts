/**
 * Dev harness (not shipped, not a unit test): loads each built webview bundle (dist/webview/<name>.js) in headless
 * Chromium under the same CSP VS Code uses, with a fake acquireVsCodeApi, posts sample host messages, clicks the
 * main controls, checks what the view posted back, and saves screenshots in dark, light and high-contrast themes.
 *
 *   node esbuild.mjs && node --import tsx test/webview-harness/screenshot.ts [outDir]
 *
 * Needs Chromium (/usr/bin/chromium, or CHROMIUM) and playwright-core (resolvable from the repo, or the folder
 * given in PLAYWRIGHT_CORE, e.g. after `npm install --prefix /tmp/pw playwright-core`). Screenshots go to
 * test-results/webview-harness/ by default.
 */
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { jet } from '../../src/engine/cam/colormap';
import { evaluationFull, evaluationInit, explainResult, gridMessages, trainingCompleted, trainingRunning } from './samples';
import { themes } from './themes';

/* eslint-disable @typescript-eslint/no-explicit-any -- playwright-core is not a dependency of the repo: typed loosely. */
type Page = any;

const repo = path.resolve(__dirname, '../..');
const outDir = path.resolve(process.argv[2] ?? path.join(repo, 'test-results/webview-harness'));
const sampleImage = path.resolve(repo, '../shared/data/cxr/COVID/hannover-006f3a8a.png');

function loadPlaywright(): any {
  const req = createRequire(__filename);
  for (const spec of ['playwright-core', process.env.PLAYWRIGHT_CORE && path.join(process.env.PLAYWRIGHT_CORE, 'node_modules/playwright-core')]) {
    if (!spec) continue;
    try { return req(spec); } catch { /* try the next */ }
  }
  throw new Error('playwright-core not found: npm install --prefix /tmp/pw playwright-core, then PLAYWRIGHT_CORE=/tmp/pw');
}

/** Original (a real X-ray when ../shared is present), a jet heatmap of a blob, and their 50% blend, as PNG files. */
async function makeImages(): Promise<{ original: string; heatmap: string; overlay: string }> {
  const size = 384;
  const original = existsSync(sampleImage)
    ? await sharp(sampleImage).resize(size, size, { fit: 'fill' }).removeAlpha().toColourspace('srgb').raw().toBuffer()
    : Buffer.from(Array.from({ length: size * size * 3 }, (_, i) => Math.round(60 + 120 * Math.sin((i / 3 / size) * 0.02) ** 2)));
  const heat = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const blob = (cx: number, cy: number, s: number) => Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s));
    const v = Math.min(1, blob(size * 0.32, size * 0.55, size * 0.12) + 0.7 * blob(size * 0.68, size * 0.4, size * 0.09));
    heat.set(jet(v), (y * size + x) * 3);
  }
  const overlay = Uint8Array.from(heat, (h, i) => Math.round(0.5 * h + 0.5 * original[i]));
  const files = { original: path.join(outDir, 'sample-original.png'), heatmap: path.join(outDir, 'sample-heatmap.png'), overlay: path.join(outDir, 'sample-overlay.png') };
  const raw = { raw: { width: size, height: size, channels: 3 as const } };
  await sharp(original, raw).png().toFile(files.original);
  await sharp(Buffer.from(heat), raw).png().toFile(files.heatmap);
  await sharp(Buffer.from(overlay), raw).png().toFile(files.overlay);
  return files;
}

/** The page VS Code would build: #app, the CSS link, the nonce'd bundle, its CSP; plus the fake VS Code API. */
function pageHtml(view: string, theme: keyof typeof themes, savedState?: unknown): string {
  const t = themes[theme];
  const style = Object.entries(t.vars).map(([k, v]) => `${k}: ${v}`).join('; ');
  const dist = pathToFileURL(path.join(repo, 'dist/webview')).href;
  const nonce = 'harness0nonce';
  return `<!DOCTYPE html>
<html lang="en" style='${style}'>
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src file: data:; style-src file: 'unsafe-inline'; script-src 'nonce-${nonce}'; font-src file:;">
<link rel="stylesheet" href="${dist}/${view}.css">
</head>
<body class="${t.bodyClass}">
<div id="app"></div>
<script nonce="${nonce}">
  window.__posted = []; window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
  let state = ${JSON.stringify(savedState ?? null)} ?? undefined;
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return { postMessage: (m) => window.__posted.push(m), getState: () => state, setState: (s) => { state = s; window.__state = s; return s; } };
  };
</script>
<script nonce="${nonce}" src="${dist}/${view}.js"></script>
</body>
</html>`;
}

const results: { name: string; ok: boolean; detail?: string }[] = [];
function check(name: string, ok: boolean, detail?: string): void {
  results.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}

async function open(browser: any, view: string, theme: keyof typeof themes, width: number, savedState?: unknown): Promise<Page> {
  const htmlFile = path.join(outDir, `${view}-${theme}${savedState ? '-restored' : ''}.html`);
  writeFileSync(htmlFile, pageHtml(view, theme, savedState));
  const page = await browser.newPage({ viewport: { width, height: 900 }, reducedMotion: 'reduce' });
  const errors: string[] = [];
  page.on('pageerror', (e: Error) => errors.push(e.message));
  page.on('console', (m: any) => { if (m.type() === 'error') errors.push(m.text()); });
  page.__errors = errors;
  await page.goto(pathToFileURL(htmlFile).href);
  await page.waitForFunction(() => (window as any).__posted.some((m: any) => m.type === 'ready'), null, { timeout: 10_000 });
  return page;
}

async function send(page: Page, messages: unknown[]): Promise<void> {
  for (const m of messages) await page.evaluate((msg: unknown) => window.postMessage(msg, '*'), m);
  await page.waitForTimeout(300);
}

async function posted(page: Page): Promise<any[]> {
  return page.evaluate(() => (window as any).__posted);
}

async function finish(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
  const csp = await page.evaluate(() => (window as any).__cspViolations);
  check(`${name}: no CSP violations`, csp.length === 0, csp.join('; '));
  check(`${name}: no page errors`, page.__errors.length === 0, page.__errors.join('; '));
  await page.close();
}

async function training(browser: any, theme: keyof typeof themes): Promise<void> {
  const page = await open(browser, 'training', theme, 1200);
  await send(page, trainingRunning());
  const canvases = await page.evaluate(() => ['#loss-chart', '#acc-chart', '#lr-chart'].map((s) => document.querySelectorAll(`${s} canvas`).length));
  check(`training/${theme}: three uPlot canvases`, canvases.every((n: number) => n === 1), String(canvases));
  check(`training/${theme}: best epoch marked`, (await page.getAttribute('#loss-chart', 'data-best-epoch')) === '6');
  check(`training/${theme}: 6 epoch rows`, (await page.locator('#epoch-table tbody tr').count()) === 6);
  check(`training/${theme}: cancel visible, evaluate hidden`, (await page.isVisible('#cancel-button')) && !(await page.isVisible('#evaluate-button')));
  await page.screenshot({ path: path.join(outDir, `training-${theme}.png`), fullPage: true });
  await page.click('#cancel-button');
  check(`training/${theme}: cancel posted`, (await posted(page)).some((m) => m.type === 'cancel'));
  const saved = await page.evaluate(() => (window as any).__state);
  await finish(page, `training-${theme}-after-cancel`);

  // A reloaded view restores what it showed from vscode.getState before any host message.
  const restored = await open(browser, 'training', theme, 1200, saved);
  check(`training/${theme}: restored shows Cancelling…`, (await restored.textContent('#cancel-button'))?.trim() === 'Cancelling…');
  check(`training/${theme}: restored from state`, (await restored.locator('#epoch-table tbody tr').count()) === 6
    && (await restored.evaluate(() => document.querySelectorAll('#loss-chart canvas').length)) === 1);
  await finish(restored, `training-${theme}-restored`);

  const done = await open(browser, 'training', theme, 1200);
  await send(done, trainingCompleted());
  check(`training/${theme}: completed shows Evaluate`, (await done.isVisible('#evaluate-button')) && !(await done.isVisible('#cancel-button')));
  await done.click('#evaluate-button');
  check(`training/${theme}: evaluate posted`, (await posted(done)).some((m) => m.type === 'evaluate'));
  await finish(done, `training-${theme}-completed`);
}

async function evaluation(browser: any, theme: keyof typeof themes): Promise<void> {
  const page = await open(browser, 'evaluation', theme, 1200);
  await send(page, evaluationInit());
  check(`evaluation/${theme}: 9 matrix cells`, (await page.locator('#confusion-matrix .cm-cell[data-row][data-col]').count()) === 9);
  await page.click('.cm-cell[data-row="2"][data-col="1"]');
  check(`evaluation/${theme}: cell lists its 3 images`, (await page.locator('#cell-images .cell-image').count()) === 3);
  if (theme === 'light') await page.click('#cm-mode-percent');
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(outDir, `evaluation-${theme}.png`), fullPage: true });
  await page.click('#cell-images .cell-image >> nth=0');
  const explain = (await posted(page)).find((m) => m.type === 'explainImage');
  check(`evaluation/${theme}: image click posts explainImage`, !!explain && explain.file.includes('Viral_Pneumonia'), JSON.stringify(explain));
  check(`evaluation/${theme}: runs table in 2 groups (test split, external folder)`, (await page.locator('#runs-table tr.runs-group').count()) === 2);
  await page.click('#runs-table tbody tr.clickable >> nth=1');
  check(`evaluation/${theme}: summary row posts openEvaluation`, (await posted(page)).some((m) => m.type === 'openEvaluation'));
  await finish(page, `evaluation-${theme}-after-clicks`);
}

/** A current eval file: warnings, curves, the threshold slider, the top-losses gallery (thumbnails on request), subgroups. */
async function evaluationSections(browser: any, theme: keyof typeof themes, original: string): Promise<void> {
  const page = await open(browser, 'evaluation', theme, 1200);
  await send(page, evaluationFull());
  check(`evaluation-full/${theme}: confounder warning shown`, await page.isVisible('#confounder-warnings .confounder-warning'));
  check(`evaluation-full/${theme}: ROC, PR and reliability charts drawn`,
    (await page.evaluate(() => ['#roc-chart', '#pr-chart', '#reliability-chart'].map((s) => document.querySelectorAll(`${s} canvas`).length))).every((n: number) => n === 1));
  const request = (await posted(page)).find((m) => m.type === 'requestImages');
  check(`evaluation-full/${theme}: gallery asks for 24 thumbnails`, request?.files.length === 24, String(request?.files.length));
  await send(page, [{ type: 'images', uris: Object.fromEntries((request?.files ?? []).map((f: string) => [f, pathToFileURL(original).href])) }]);
  check(`evaluation-full/${theme}: 24 tiles with pictures`, (await page.locator('#loss-gallery .loss-tile img').count()) === 24);
  await page.fill('#threshold-slider', '0.3');
  check(`evaluation-full/${theme}: slider moves the threshold row`, (await page.textContent('#threshold-value')) === '0.30'
    && /≥ 0\.30/.test((await page.textContent('#operating-table tr[data-kind="threshold"]')) ?? ''));
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(outDir, `evaluation-full-${theme}.png`), fullPage: true });
  await page.click('#loss-gallery .loss-tile >> nth=0');
  const explain = (await posted(page)).find((m) => m.type === 'explainImage');
  check(`evaluation-full/${theme}: tile click posts explainImage`, !!explain, JSON.stringify(explain));
  await finish(page, `evaluation-full-${theme}-after-clicks`);
}

async function explain(browser: any, theme: keyof typeof themes, images: { original: string; heatmap: string; overlay: string }): Promise<void> {
  const page = await open(browser, 'explain', theme, 1100);
  const uri = (f: string) => pathToFileURL(f).href;
  await send(page, explainResult(uri(images.original), uri(images.heatmap), uri(images.overlay)));
  await page.waitForFunction(() => ['original-image', 'overlay-image'].every((id) => (document.getElementById(id) as HTMLImageElement).naturalWidth > 0), null, { timeout: 5000 });
  const opacity = await page.evaluate(() => getComputedStyle(document.getElementById('overlay-image')!).opacity);
  check(`explain/${theme}: overlay opacity 0.5`, opacity === '0.5', opacity);
  check(`explain/${theme}: 3 probability bars, 1 chosen`, (await page.locator('#probabilities .prob-row').count()) === 3 && (await page.locator('#probabilities .prob-row.chosen').count()) === 1);
  if (theme === 'light') {
    await page.fill('#opacity-slider', '0.8');
    await page.click('#show-heatmap');
    await page.waitForTimeout(150);
  }
  await page.screenshot({ path: path.join(outDir, `explain-${theme}.png`), fullPage: true });
  await page.click('#probabilities .prob-row[data-class-index="0"]');
  const select = (await posted(page)).find((m) => m.type === 'selectClass');
  check(`explain/${theme}: bar click posts selectClass 0`, select?.classIndex === 0, JSON.stringify(select));
  await page.click('#change-checkpoint');
  check(`explain/${theme}: change checkpoint posted`, (await posted(page)).some((m) => m.type === 'changeCheckpoint'));
  // The sample was made with Grad-CAM++ on the shared scale: the picker and the boxes say so; eigen-smooth asks for it on top.
  const caption = await page.textContent('#overlay-caption');
  check(`explain/${theme}: caption names the method`, caption === 'Grad-CAM++ overlay', String(caption));
  const header = (await page.textContent('#cam-header')) ?? '';
  check(`explain/${theme}: header says true class, verdict, split`, /True class COVID/.test(header) && /wrong: predicted COVID|correct: predicted COVID/.test(header) && /test split of this run/.test(header), header);
  check(`explain/${theme}: colour bar with its legend`, await page.isVisible('#colorbar') && /shared by the 3 classes/.test((await page.textContent('#colorbar-legend')) ?? ''));
  await send(page, [{ type: 'pin', pinned: false }]);
  await page.click('#pin');
  check(`explain/${theme}: pin posts pin`, (await posted(page)).some((m) => m.type === 'pin'));
  await page.click('#eigen-smooth');
  const method = (await posted(page)).find((m) => m.type === 'selectMethod');
  check(`explain/${theme}: eigen-smooth posts selectMethod`, method?.method === 'gradcampp' && method.augSmooth === false && method.eigenSmooth === true, JSON.stringify(method));
  await send(page, [{ type: 'busy', message: 'Computing Grad-CAM for class COVID…' }]);
  check(`explain/${theme}: busy shown`, await page.isVisible('#busy'));
  await page.screenshot({ path: path.join(outDir, `explain-${theme}-busy.png`), fullPage: true });
  await send(page, [{ type: 'error', message: 'No finished run with a checkpoint in this workspace. Train a model first.' }]);
  check(`explain/${theme}: error shown`, await page.isVisible('#error-message'));
  await finish(page, `explain-${theme}-error`);
}

/** The CAM grid: busy with progress, then 3 × 3 cells (two wrong, framed and marked), a cell click, Export PNG…. */
async function grid(browser: any, theme: keyof typeof themes, images: { overlay: string }): Promise<void> {
  const page = await open(browser, 'grid', theme, 1100);
  const [busy, result] = gridMessages(pathToFileURL(images.overlay).href);
  await send(page, [busy]);
  check(`grid/${theme}: busy with progress`, await page.isVisible('#busy') && /4 of 9 maps/.test((await page.textContent('#busy-progress')) ?? ''));
  await page.screenshot({ path: path.join(outDir, `grid-${theme}-busy.png`), fullPage: true });
  await send(page, [result]);
  await page.waitForFunction(() => Array.from(document.querySelectorAll('.grid-overlay')).every((i) => (i as HTMLImageElement).naturalWidth > 0), null, { timeout: 5000 });
  check(`grid/${theme}: 9 cells, 3 headers, 2 wrong`, (await page.locator('.grid-cell').count()) === 9 && (await page.locator('.grid-header').count()) === 3
    && (await page.locator('.grid-cell.wrong').count()) === 2);
  await page.screenshot({ path: path.join(outDir, `grid-${theme}.png`), fullPage: true });
  await page.click('.grid-cell[data-row="1"][data-col="2"]');
  const cell = (await posted(page)).find((m) => m.type === 'openCell');
  check(`grid/${theme}: cell click posts openCell`, cell?.row === 1 && cell?.col === 2, JSON.stringify(cell));
  await page.click('#export-png');
  check(`grid/${theme}: export posted`, (await posted(page)).some((m) => m.type === 'exportPng'));
  await send(page, [{ type: 'exported', file: '/ws/cam-grid.png' }]);
  check(`grid/${theme}: export confirmed`, (await page.textContent('#exported')) === 'Saved /ws/cam-grid.png');
  await finish(page, `grid-${theme}-exported`);
}

/** A narrow editor group (side by side with the image or the tree): layouts must wrap, not overflow. */
async function narrow(browser: any, images: { original: string; heatmap: string; overlay: string }): Promise<void> {
  const uri = (f: string) => pathToFileURL(f).href;
  for (const [view, messages] of [['training', trainingRunning()], ['evaluation', evaluationInit()], ['explain', explainResult(uri(images.original), uri(images.heatmap), uri(images.overlay))],
    ['grid', gridMessages(uri(images.overlay))]] as const) {
    const page = await open(browser, view, 'dark', 520);
    await send(page, messages as unknown[]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(`${view}/narrow: no horizontal page overflow`, overflow <= 0, `${overflow}px`);
    await finish(page, `${view}-dark-narrow`);
  }
}

async function main(): Promise<void> {
  for (const v of ['training', 'evaluation', 'explain', 'grid']) {
    if (!existsSync(path.join(repo, `dist/webview/${v}.js`))) throw new Error(`dist/webview/${v}.js missing: run node esbuild.mjs first`);
  }
  mkdirSync(outDir, { recursive: true });
  const images = await makeImages();
  const { chromium } = loadPlaywright();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--allow-file-access-from-files'],
  });
  try {
    for (const theme of Object.keys(themes) as (keyof typeof themes)[]) {
      await training(browser, theme);
      await evaluation(browser, theme);
      await evaluationSections(browser, theme, images.original);
      await explain(browser, theme, images);
      await grid(browser, theme, images);
    }
    await narrow(browser, images);
  } finally {
    await browser.close();
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed — screenshots in ${outDir}`);
  process.exitCode = failed ? 1 : 0;
}

void main();
