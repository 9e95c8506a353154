/**
 * The native backend inside VS Code (code-server 4.100.3, Debian's Chromium): a first tiny training starts on
 * WebAssembly and the extension offers "Install Native Backend" once; the user accepts, picks CPU and PyPI — the
 * tensorflow-cpu wheel that `npm run install:native` cached (CXR_LAB_CACHE, default ~/.cache/cxr-lab) is reused, so no
 * network is needed — and the libraries land in the extension's global storage; the next training's panel and the
 * status bar say backend tensorflow, and its run.json too. "Remove Native Backend" undoes it.
 *
 * Run: `npm run package && node --import tsx test/e2e/native.test.ts` (after test/e2e/setup.sh). When the .vsix carries
 * no wheel is cached (install:native could not reach PyPI), the scenario says why and is skipped (exit 0).
 */
import { existsSync, mkdtempSync, promises as fs, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generatePhantomDataset } from '../../src/cli/demo/phantom';
import { tensorflowCacheDir } from '../../src/engine/native/install/acquire';
import { findNativeAddon, NATIVE_DIR_NAME, PINNED_TF_VERSION } from '../../src/shared/node/nativeLibs';
import { RUN_FILES } from '../../src/shared/runFiles';
import { extensionName, failureEvidence, openHarness, prepareServerState, waitFor, type Harness } from './harness';
import { RESULTS_DIR } from './paths';
import { runScenario, Steps } from './steps';

const ARCH = 'mobilenetv2';
const IMAGE_PX = 64;
const SHOT = 'native';

/** Why the scenario cannot run here, or undefined. */
function skipReason(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the native backend is Linux x86-64 only (this is ${process.platform} ${process.arch})`;
  const wheels = path.join(tensorflowCacheDir(), 'wheels');
  const cached = existsSync(wheels) && readdirSync(wheels).some((f) => f.startsWith(`tensorflow_cpu-${PINNED_TF_VERSION}-`) && f.endsWith('.whl'));
  if (!cached) return `no tensorflow-cpu ${PINNED_TF_VERSION} wheel cached in ${wheels} (npm run install:native puts it there; it needs PyPI once)`;
  return undefined;
}

/**
 * Train Model through its quick picks: a tiny MobileNetV2 the first time, "Train with last settings" afterwards.
 * Steps are answered by their placeholder; a step this file does not know (Train Model grows) takes its default.
 */
async function trainTiny(h: Harness, workspace: string): Promise<void> {
  const { wb } = h;
  const answers: [RegExp, string, string?][] = [
    [/^Train with the last settings/, 'Train with last settings', 'last settings'],
    [/^Dataset folder/, path.basename(workspace)], [/^Architecture/, ARCH], [/^Pretrained weights/, 'None'], [/^Epochs/, '2'],
    [/^Batch size/, '8'], [/^Learning rate/, '1e-3'], [/^Image size/, String(IMAGE_PX)], [/^Sampler/, 'shuffle'], [/^Learning-rate schedule/, 'none'],
  ];
  await wb.runCommand('CXR Lab: Train Model');
  const placeholder = async () => ((await wb.quickInput.isVisible()) ? (await wb.quickInputBox.getAttribute('placeholder')) ?? '' : undefined);
  await waitFor('the first Train Model step', async () => Boolean(await placeholder()), 60_000);
  // Steps can be seconds apart (the engine starts, the dataset is scanned): done once no step shows for 10 s.
  let last = '';
  let hiddenSince = Date.now();
  for (let asked = 0; asked < 20;) {
    const current = await placeholder();
    if (current === undefined || current === last) {
      if (current !== undefined) hiddenSince = Date.now();
      if (Date.now() - hiddenSince > 10_000) return;
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    asked++;
    last = current;
    const answer = answers.find(([re]) => re.test(current));
    if (answer) await wb.pickQuickItem({ placeholder: answer[0], label: answer[1], filter: answer[2] });
    else await wb.page.keyboard.press('Enter');
    hiddenSince = Date.now();
  }
  throw new Error('Train Model asked more than 20 questions');
}

/** The run folders of the workspace, oldest first. */
async function runDirs(workspace: string): Promise<string[]> {
  const root = path.join(workspace, '.cxr-lab', 'runs');
  return (await fs.readdir(root).catch(() => [] as string[])).sort().map((r) => path.join(root, r));
}

async function runBackend(runDir: string): Promise<string | undefined> {
  const info = await fs.readFile(path.join(runDir, RUN_FILES.run), 'utf8').then((t) => JSON.parse(t) as { backend?: { name?: string }; status?: string }, () => undefined);
  return info?.backend?.name;
}

async function main(): Promise<number> {
  const skip = skipReason();
  if (skip) {
    // Not a failure, in CI either: without the wheel (install:native could not reach PyPI) the tests run on wasm.
    console.log(`native backend e2e skipped: ${skip}`);
    return 0;
  }
  // This file's screenshots only (scenario.test.ts's share the folder).
  for (const f of await fs.readdir(RESULTS_DIR).catch(() => [] as string[])) if (f.startsWith(`${SHOT}-`)) await fs.rm(path.join(RESULTS_DIR, f));
  // The server's engine looks for the wheel where install:native cached it (harness gives code-server its own XDG dirs).
  process.env.CXR_LAB_CACHE ??= path.dirname(tensorflowCacheDir());
  const root = mkdtempSync(path.join(os.tmpdir(), 'cxr-lab-e2e-native-'));
  const workspace = path.join(root, 'chest-xrays');
  const stateRoot = path.join(root, 'editor');
  let h: Harness | undefined;
  let extensionDir = '';
  let shot = 0;
  const screenshot = async (name: string) => h!.wb.screenshot(`${SHOT}-${String(++shot).padStart(2, '0')}-${name}`);

  const steps = new Steps(failureEvidence(() => h, `${SHOT}-`));

  let nativeDir = '';
  try {
    await steps.step('the vsix carries tfjs-node and its addon, not the TensorFlow libraries', async () => {
      await generatePhantomDataset(workspace, { perClass: 10, size: IMAGE_PX, classes: 3 });
      ({ extensionDir } = await prepareServerState({ workspace, root: stateRoot }));
      const addon = findNativeAddon(extensionDir);
      if (!addon) throw new Error(`the installed extension has no tfjs-node addon under ${extensionDir}/node_modules/@tensorflow/tfjs-node/lib (was the .vsix packaged after npm run install:native?)`);
      const deps = path.join(extensionDir, 'node_modules', '@tensorflow', 'tfjs-node', 'deps');
      if (existsSync(deps)) throw new Error(`the .vsix carries ${deps}: the TensorFlow libraries must stay out of it`);
      console.log(`    addon ${path.relative(extensionDir, addon)} (${((await fs.stat(addon)).size / 1024).toFixed(0)} KB)`);
    });

    await steps.step('a first training starts on wasm and the extension offers the native backend', async () => {
      h = await openHarness({ workspace, root: stateRoot, extensionDir, settings: { 'cxrLab.offerNativeBackend': true } });
      // The extension's global storage folder, as VS Code names it: <publisher>.<name>, lower case.
      const { publisher } = JSON.parse(await fs.readFile(path.join(extensionDir, 'package.json'), 'utf8')) as { publisher: string };
      nativeDir = path.join(h.dirs.userDataDir, 'User', 'globalStorage', `${publisher}.${extensionName()}`.toLowerCase(), NATIVE_DIR_NAME);
      await h.wb.treeItem('normal').first().waitFor({ timeout: 60_000 });
      await trainTiny(h, workspace);
      const frame = await h.wb.webviewFrame('#run-meta', 'training panel', { timeoutMs: 120_000 });
      await waitFor('the panel to name its backend', async () => /backend wasm/.test(await frame.$eval('#run-meta', (el) => el.textContent ?? '')), 120_000);
      const offer = h.wb.page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'runs on WebAssembly' });
      await offer.first().waitFor({ state: 'visible', timeout: 60_000 }).catch(() => { throw new Error('no "runs on WebAssembly" offer appeared'); });
      await screenshot('wasm-offer');
      await offer.first().getByRole('button', { name: 'Install Native Backend' }).click();
    }, ['the vsix carries tfjs-node and its addon, not the TensorFlow libraries']);

    await steps.step('Install Native Backend: CPU, from PyPI (the cached wheel), into global storage', async () => {
      const { wb } = h!;
      await wb.pickQuickItem({ placeholder: /^TensorFlow build/, label: 'CPU' });
      await wb.pickQuickItem({ placeholder: /^Where the TensorFlow libraries come from/, label: 'Download from PyPI' });
      // The progress notification while the wheel is unpacked (~10 s; a fast machine may be done before it shows).
      const progress = wb.page.locator('.notifications-toasts .notification-toast').filter({ hasText: /unpacking .* \d+ %/ });
      if (await progress.first().waitFor({ state: 'visible', timeout: 60_000 }).then(() => true, () => false)) await screenshot('installing');
      const done = await waitFor('the install to finish', async () => {
        const notes = await wb.notifications();
        const failed = notes.find((n) => /could not be installed|cannot use them/.test(n));
        if (failed) throw new Error(`install failed: ${failed}`);
        return notes.find((n) => /native backend installed/.test(n));
      }, 300_000, 1000);
      console.log(`    ${done}`);
      if (!/backend tensorflow \(TensorFlow \d+\.\d+\.\d+/.test(done)) throw new Error(`the success message does not name TensorFlow: ${done}`);
      if (!existsSync(path.join(nativeDir, 'manifest.json'))) throw new Error(`no manifest in ${nativeDir}`);
      if (!existsSync(path.join(nativeDir, 'tensorflow', 'libtensorflow_cc.so.2'))) throw new Error(`no libtensorflow_cc.so.2 in ${nativeDir}/tensorflow`);
      await screenshot('installed');
    }, ['a first training starts on wasm and the extension offers the native backend']);

    await steps.step('the next training runs on tensorflow: panel, status bar, run.json', async () => {
      const { wb } = h!;
      // The first training keeps its engine (wasm) to the end; the engine is replaced before the next job.
      const first = (await runDirs(workspace))[0]!;
      await waitFor('the first training to finish', async () => {
        const status = await fs.readFile(path.join(first, RUN_FILES.run), 'utf8').then((t) => (JSON.parse(t) as { status: string }).status, () => 'running');
        return status !== 'running' && status;
      }, 300_000, 1000);
      if (await runBackend(first) !== 'wasm') throw new Error(`the first run says backend ${await runBackend(first)}, expected wasm`);
      await wb.clearNotifications();
      // The status bar item shows only while a training runs (2–3 s on tensorflow at this size): watch from the start.
      const statusBar = wb.page.locator('.statusbar-item').filter({ hasText: /CXR Lab: tensorflow/ });
      const sawStatusBar = waitFor('the status bar to say "CXR Lab: tensorflow"', async () => {
        if (!(await statusBar.first().isVisible().catch(() => false))) return false;
        await screenshot('status-bar-tensorflow');
        return true;
      }, 240_000, 100);
      await trainTiny(h!, workspace);
      const frame = await wb.webviewFrame('#run-meta', 'training panel', {
        timeoutMs: 120_000, accept: async (f) => /backend tensorflow/.test(await f.$eval('#run-meta', (el) => el.textContent ?? '').catch(() => '')),
      });
      const meta = await frame.$eval('#run-meta', (el) => el.textContent ?? '');
      await sawStatusBar;
      await waitFor('the second training to complete', async () => {
        const status = await frame.$eval('#status-badge', (el) => (el as HTMLElement).dataset.status ?? el.textContent);
        if (status === 'failed' || status === 'cancelled') throw new Error(`training ended ${status}`);
        return status === 'completed';
      }, 300_000, 1000);
      const second = (await runDirs(workspace)).at(-1)!;
      if (await runBackend(second) !== 'tensorflow') throw new Error(`${path.basename(second)}/run.json says backend ${await runBackend(second)}`);
      console.log(`    panel: "${meta}"; ${path.basename(second)}/run.json: backend tensorflow`);
      await screenshot('training-tensorflow');
    }, ['Install Native Backend: CPU, from PyPI (the cached wheel), into global storage']);

    await steps.step('Remove Native Backend removes the libraries from global storage', async () => {
      const { wb } = h!;
      await wb.clearNotifications();
      await wb.runCommand('CXR Lab: Remove Native Backend');
      const dialog = wb.page.locator('.monaco-dialog-box');
      await dialog.waitFor({ state: 'visible', timeout: 30_000 });
      await screenshot('remove-confirm');
      await dialog.getByRole('button', { name: 'Remove' }).click();
      await waitFor('the install folder to go', async () => !existsSync(nativeDir), 30_000);
      await waitFor('the removal message', async () => (await wb.notifications()).find((n) => /native backend removed/.test(n)), 30_000);
      await screenshot('removed');
    }, ['Install Native Backend: CPU, from PyPI (the cached wheel), into global storage']);
  } finally {
    await h?.close();
    await fs.rm(root, { recursive: true, force: true }).catch(() => undefined);
  }
  return steps.summary();
}

runScenario(main);
