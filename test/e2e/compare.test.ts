/**
 * The reference study in one go, as a user does it in a real VS Code (code-server 4.100.3): "CXR Lab: Train Model" with
 * two architectures (MobileNetV2 and SqueezeNet 1.1 at 64 px on phantom X-rays, 5 epochs) → both train one after the
 * other as a training queue, in a runner process of its own → the Runs tree shows the queue with both members
 * completed → "Compare Runs" from the queue's context menu opens the compare view → "Export Report" writes the report →
 * the report file opened in Chromium on its own (file://, offline). Screenshots: test-results/queue-*.png.
 *
 * Run: flock /tmp/cxr-e2e.lock bash -c 'npm run package >/dev/null && node --import tsx test/e2e/compare.test.ts'
 */
import { mkdtempSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { LAB_DIR, RUN_FILES, SWEEP_FILES, SWEEPS_DIR, parseSweepFile, type RunInfo, type SweepFile } from '../../src/shared/runFiles';
import { failureEvidence, openHarness, prepareServerState, waitFor, type Harness, type Workbench } from './harness';
import { RESULTS_DIR } from './paths';
import { runScenario, Steps } from './steps';

const ARCHS = ['mobilenetv2', 'squeezenet1_1'];
const IMAGE_PX = 64;
const EPOCHS = 5;
const SHOT_PREFIX = 'queue';

/** Checks or unchecks one row of a multi-select quick pick (filtered to it first). */
async function setChecked(wb: Workbench, label: string, checked: boolean): Promise<void> {
  await wb.quickInputBox.fill(label);
  const row = wb.quickPickRow(label).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  const isChecked = async () => (await row.getAttribute('aria-checked')) === 'true'
    || (await row.locator('input[type=checkbox]').first().isChecked().catch(() => false));
  if ((await isChecked()) === checked) return;
  const box = row.locator('.quick-input-list-checkbox, input[type=checkbox]').first();
  if (await box.count()) await box.click();
  else await row.click();
  await waitFor(`"${label}" to be ${checked ? 'checked' : 'unchecked'}`, async () => (await isChecked()) === checked, 5_000);
}

async function main(): Promise<number> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cxr-lab-e2e-queue-'));
  const workspace = path.join(root, 'chest-xrays');
  const stateRoot = path.join(root, 'editor');
  let h: Harness | undefined;
  let extensionDir = '';
  let shot = 0;
  const screenshot = async (name: string) => h!.wb.screenshot(`${SHOT_PREFIX}-${String(++shot).padStart(2, '0')}-${name}`);
  const steps = new Steps(failureEvidence(() => h, `${SHOT_PREFIX}-`));
  let sweepDir = '';

  try {
    await steps.step('the workbench opens a phantom X-ray folder with the extension installed', async () => {
      await generatePhantomDataset(workspace, { perClass: 10, size: IMAGE_PX, classes: 3, seed: 2 });
      ({ extensionDir } = await prepareServerState({ workspace, root: stateRoot }));
      h = await openHarness({ workspace, root: stateRoot, extensionDir });
      await h.wb.treeItem('normal').first().waitFor({ timeout: 60_000 });
      await h.wb.showViewContainer(/CXR Lab/);
      await h.wb.resizeSideBar(520);
    });

    await steps.step('Train Model with two architectures (a training queue)', async () => {
      const { wb } = h!;
      await wb.runCommand('CXR Lab: Train Model');
      await wb.pickQuickItem({ placeholder: /^Dataset folder/, label: path.basename(workspace) });
      await waitFor('the architecture step', async () => /^Architecture$/.test((await wb.quickInputBox.getAttribute('placeholder')) ?? ''), 60_000);
      await wb.pickQuickItem({ placeholder: /^Architecture$/, label: 'Several architectures or seeds…', filter: 'Several' });
      await waitFor('the multi-select architecture step', async () => /^Check the architectures/.test((await wb.quickInputBox.getAttribute('placeholder')) ?? ''), 10_000);
      await setChecked(wb, 'densenet121', false); // the reference default comes checked
      for (const arch of ARCHS) await setChecked(wb, arch, true);
      await wb.quickInputBox.fill('');
      await screenshot('pick-architectures');
      await wb.page.keyboard.press('Enter');
      await wb.pickQuickItem({ placeholder: /^Seeds/, label: 'One seed' });
      await wb.pickQuickItem({ placeholder: /^Pretrained weights/, label: 'None' });
      await wb.pickQuickItem({ placeholder: /^Training preset/, label: 'reference' });
      await wb.pickQuickItem({ placeholder: /^Epochs/, label: String(EPOCHS) });
      await wb.pickQuickItem({ placeholder: /^Batch size/, label: '8' });
      await wb.pickQuickItem({ placeholder: /^Learning rate/, label: '1e-3' });
      await wb.pickQuickItem({ placeholder: /^Image size/, label: String(IMAGE_PX) });
      await wb.pickQuickItem({ placeholder: /^Sampler/, label: 'shuffle' });
      await wb.pickQuickItem({ placeholder: /^Learning-rate schedule/, label: 'none' });
      // After the preflight, where sbatch is on PATH, "Run on: this machine / Slurm cluster"; then the first member's panel.
      await waitFor('the training panel (or the "Run on" step)', async () => {
        if (await wb.quickInput.isVisible() && /^Run on/.test((await wb.quickInputBox.getAttribute('placeholder')) ?? '')) {
          console.log('    (sbatch is on PATH here: Run on → This machine)');
          await wb.pickQuickItem({ placeholder: /^Run on/, label: 'This machine' });
        }
        for (const f of wb.page.frames()) if (!f.isDetached() && await f.$('#loss-chart').catch(() => null)) return true;
        return undefined;
      }, 180_000, 500);
      await wb.webviewFrame('#loss-chart', 'training panel', { timeoutMs: 120_000 });
      const sweeps = path.join(workspace, LAB_DIR, SWEEPS_DIR);
      const names = await waitFor('the queue folder', async () => { const n = await fs.readdir(sweeps).catch(() => [] as string[]); return n.length ? n : undefined; }, 60_000);
      if (names.length !== 1 || !/^\d{8}-\d{6}-sweep$/.test(names[0])) throw new Error(`queue folders: ${names.join(', ')}`);
      sweepDir = path.join(sweeps, names[0]);
      await screenshot('training-panel-first-member');
    }, ['the workbench opens a phantom X-ray folder with the extension installed']);

    await steps.step('both architectures train one after the other; the Runs tree shows the queue with both members completed', async () => {
      const { wb } = h!;
      await wb.showViewContainer(/CXR Lab/);
      const pane = wb.viewPane('Runs');
      const row = wb.treeItem(path.basename(sweepDir), pane).first();
      const listed = await row.waitFor({ timeout: 60_000 }).then(() => true, () => false);
      if (!listed) {
        console.log('  (the Runs tree missed the new queue: CXR Lab: Refresh)');
        await wb.runCommand('CXR Lab: Refresh');
        await row.waitFor({ timeout: 60_000 });
      }
      // While it runs: the queue's live status names the member in progress (with its batch progress once the window
      // follows the runner's log).
      let sawRunning = '', sawLive = '';
      await waitFor('the queue to complete', async () => {
        const d = await wb.description(row);
        if (/\brunning\b/.test(d) && !sawRunning) { sawRunning = d; await screenshot('runs-tree-queue-running'); }
        if (/\d+%/.test(d) && !sawLive) { sawLive = d; await screenshot('runs-tree-queue-live-progress'); }
        if (/\b(failed|cancelled|interrupted)\b/.test(d)) throw new Error(`the queue says: ${d}`);
        return /\b2\/2 completed\b/.test(d) ? d : undefined;
      }, 900_000, 1000);
      console.log(`    while running: "${sawRunning}"${sawLive ? `; live: "${sawLive}"` : ' (no batch progress seen between polls)'}`);
      await wb.expand(row);
      for (const arch of ARCHS) {
        const member = wb.treeItem(arch, pane).first();
        await member.waitFor({ timeout: 30_000 }).catch(() => { throw new Error(`no "${arch}" row under the queue`); });
        await waitFor(`${arch} to say completed`, async () => /\bcompleted\b/.test(await wb.description(member)), 30_000);
      }
      // The files agree: one split, one runner for the queue, each member its own engine process.
      const sweep: SweepFile = parseSweepFile(await fs.readFile(path.join(sweepDir, SWEEP_FILES.sweep), 'utf8'), SWEEP_FILES.sweep);
      // Members in the model list's order (the multi-select's), each completed.
      if (sweep.status !== 'completed' || sweep.members.map((m) => `${m.name}:${m.status}`).sort().join(',') !== ARCHS.map((a) => `${a}:completed`).sort().join(',')) {
        throw new Error(`sweep.json says ${sweep.status}: ${sweep.members.map((m) => `${m.name} ${m.status} ${m.reason ?? ''}`).join('; ')}`);
      }
      const infos = await Promise.all(ARCHS.map(async (a) => JSON.parse(await fs.readFile(path.join(sweepDir, a, RUN_FILES.run), 'utf8')) as RunInfo));
      const splits = await Promise.all(ARCHS.map((a) => fs.readFile(path.join(sweepDir, a, RUN_FILES.split), 'utf8')));
      if (splits[0] !== splits[1]) throw new Error('the members were split differently');
      if (infos.some((i) => i.pid === sweep.runner?.pid)) throw new Error('a member trained in the runner process itself');
      console.log(`    ${sweep.members.map((m) => m.name).join(' then ')}: ${infos.map((i) => `${i.config.arch} ${i.epochsDone} epochs on ${i.backend.name}`).join(', ')}; runner pid ${sweep.runner?.pid}`);
      await wb.clearNotifications();
      await screenshot('runs-tree-queue-completed');
    }, ['Train Model with two architectures (a training queue)']);

    await steps.step('Compare Runs from the queue\'s context menu opens the compare view of both members', async () => {
      const { wb } = h!;
      const row = wb.treeItem(path.basename(sweepDir), wb.viewPane('Runs')).first();
      await wb.contextMenu(row, /^Compare Runs$/);
      const frame = await wb.webviewFrame('#compare-table tbody tr', 'compare view', { timeoutMs: 180_000 });
      const models = await frame.$$eval('#compare-table tbody tr td:first-child', (els) => els.map((e) => e.childNodes[0]?.textContent ?? ''));
      if ([...models].sort().join(',') !== [...ARCHS].sort().join(',')) throw new Error(`compare table rows: ${models.join(', ')}`);
      const sentences = await frame.$$eval('#paired-tests .sentences li', (els) => els.map((e) => e.textContent ?? ''));
      if (sentences.length !== 1 || !/ vs .*: macro-F1 .*, McNemar p [=<] [\d.]+ — /.test(sentences[0])) throw new Error(`paired tests: ${sentences.join(' | ')}`);
      console.log(`    ${sentences[0]}`);
      const canvases = await frame.$$eval('#val-curves canvas', (els) => els.length);
      if (canvases < 2) throw new Error(`${canvases} curve canvases`);
      await waitFor('the CAM grid image to load', async () => frame.$eval('#cam-grid img', (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0).catch(() => false), 180_000);
      await screenshot('compare-view');
      await frame.$eval('#cam-grid', (el) => el.scrollIntoView());
      await screenshot('compare-grid');
    }, ['both architectures train one after the other; the Runs tree shows the queue with both members completed']);

    let report = '';
    await steps.step('Export Report writes the report of the queue', async () => {
      const { wb } = h!;
      const frame = await wb.webviewFrame('#export-report', 'compare view');
      await frame.click('#export-report');
      const reports = path.join(workspace, LAB_DIR, 'reports');
      report = await waitFor('the report file', async () => {
        const names = await fs.readdir(reports).catch(() => [] as string[]);
        const html = names.find((n) => n.endsWith('.html'));
        return html ? path.join(reports, html) : undefined;
      }, 180_000);
      if (!path.basename(report).includes(path.basename(sweepDir))) console.log(`    note: the report is named ${path.basename(report)}`);
      await waitFor('the report to be written', async () => ((await fs.readFile(report, 'utf8').catch(() => '')).includes('</html>')), 60_000);
      await wb.webviewFrame('section#claim', 'report', { timeoutMs: 60_000 }); // it opens in VS Code too
      await screenshot('report-exported');
    }, ['Compare Runs from the queue\'s context menu opens the compare view of both members']);

    await steps.step('the report file opens in Chromium on its own (file://)', async () => {
      const page = await h!.browser.newPage({ viewport: { width: 1280, height: 1000 } });
      try {
        // Offline: any request leaving the file is refused, so a report that needs the network shows it.
        const outside: string[] = [];
        await page.route(/^(?!file:|data:)/, (r) => { outside.push(r.request().url()); return r.abort(); });
        await page.goto(`file://${report}`, { waitUntil: 'load', timeout: 60_000 });
        const title = (await page.textContent('h1')) ?? '';
        if (!title.includes(path.basename(sweepDir))) throw new Error(`report title "${title}"`);
        const text = (await page.textContent('body')) ?? '';
        for (const arch of ARCHS) if (!text.includes(arch)) throw new Error(`the report does not name ${arch}`);
        const broken = await page.$$eval('img', (els) => els.filter((e) => !(e as HTMLImageElement).complete || (e as HTMLImageElement).naturalWidth === 0).length);
        if (broken > 0) throw new Error(`${broken} image(s) of the report did not load`);
        if (outside.length) throw new Error(`the report asked the network for ${outside.join(', ')}`);
        await fs.mkdir(RESULTS_DIR, { recursive: true });
        await page.screenshot({ path: path.join(RESULTS_DIR, `${SHOT_PREFIX}-${String(++shot).padStart(2, '0')}-report-in-chromium.png`) });
        await page.screenshot({ path: path.join(RESULTS_DIR, `${SHOT_PREFIX}-${String(++shot).padStart(2, '0')}-report-in-chromium-full.png`), fullPage: true });
        console.log(`    ${path.relative(workspace, report)}: "${title.trim()}", ${(text.length / 1e3).toFixed(0)} k characters`);
      } finally {
        await page.close();
      }
    }, ['Export Report writes the report of the queue']);
  } finally {
    await h?.close();
    await fs.rm(root, { recursive: true, force: true }).catch(() => undefined);
  }
  return steps.summary();
}

runScenario(main);
