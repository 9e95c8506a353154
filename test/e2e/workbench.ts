/**
 * Driving the VS Code workbench (code-server 4.100.3) in Debian's Chromium with playwright-core: the palette, quick
 * picks, the activity bar, trees, context menus and webview frames. Selectors are the ones ../shared/e2e-notes.md
 * found to work; every helper retries where the workbench is known to race (palette before the extension registered
 * its commands, context menus opening late) and fails with a message naming what it waited for.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';
import { CHROMIUM, RESULTS_DIR } from './paths';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `fn` (after `between`) until it succeeds or `attempts` are used up; rethrows the last error. */
export async function retry<T>(what: string, attempts: number, fn: (attempt: number) => Promise<T>, between?: () => Promise<void>): Promise<T> {
  let last: unknown;
  for (let i = 1; i <= attempts; i++) {
    try {
      return await fn(i);
    } catch (err) {
      last = err;
      if (i < attempts) await between?.().catch(() => undefined);
    }
  }
  throw new Error(`${what} failed after ${attempts} attempts: ${(last as Error)?.message ?? last}`);
}

/** Polls `check` until it returns a value other than undefined/false. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await sleep(everyMs);
  }
}

export class Workbench {
  constructor(readonly page: Page) {}

  /** Opens `folder` in the workbench at `url` and waits until the explorer shows it. */
  static async open(browser: Browser, url: string, folder: string): Promise<Workbench> {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, reducedMotion: 'reduce' });
    const page = await context.newPage();
    await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60_000 });
    return new Workbench(page);
  }

  async screenshot(name: string): Promise<string> {
    await fs.mkdir(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  async escape(times = 1): Promise<void> {
    for (let i = 0; i < times; i++) await this.page.keyboard.press('Escape');
  }

  // ---- quick input (palette, quick picks) ------------------------------------------------------

  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  get quickInputBox(): Locator {
    return this.page.locator('.quick-input-widget .quick-input-box input');
  }

  /** Quick-pick rows whose label is exactly `label` (codicons in labels are separate elements). */
  quickPickRow(label: string | RegExp): Locator {
    const exact = typeof label === 'string' ? new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) : label;
    return this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exact }) });
  }

  /** Runs a palette command by its full title ("CXR Lab: Train Model"); retries once the palette was too early. */
  async runCommand(title: string): Promise<void> {
    await retry(`Running "${title}" from the command palette`, 3, async () => {
      await this.page.keyboard.press('F1');
      await this.quickInputBox.waitFor({ state: 'visible', timeout: 10_000 });
      await this.quickInputBox.fill(`>${title}`);
      const row = this.quickPickRow(title).first();
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      await this.page.keyboard.press('Enter');
      // The palette closes (or turns into the command's own quick pick, which has no '>' prefix).
      await waitFor(`the palette to run "${title}"`, async () => !(await this.quickInput.isVisible()) || !(await this.quickInputBox.inputValue()).startsWith('>'), 10_000);
    }, async () => { await this.escape(2); await sleep(1500); });
  }

  /**
   * Answers one quick-pick step: waits for the step (by its placeholder), filters by `filter` (default: the
   * label), and clicks the row labelled exactly `label`.
   */
  async pickQuickItem(step: { placeholder: RegExp; label: string; filter?: string }): Promise<void> {
    await waitFor(`the quick pick "${step.placeholder.source}"`, async () =>
      (await this.quickInput.isVisible()) && step.placeholder.test((await this.quickInputBox.getAttribute('placeholder')) ?? ''), 30_000);
    await this.quickInputBox.fill(step.filter ?? step.label);
    const row = this.quickPickRow(step.label).first();
    await row.waitFor({ state: 'visible', timeout: 10_000 }).catch(async () => {
      const shown = await this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row .label-name').allTextContents();
      throw new Error(`No item "${step.label}" in the quick pick "${step.placeholder.source}" (shown: ${shown.join(' | ') || 'none'})`);
    });
    await row.click();
    // The step is answered once its placeholder is gone (next step, or the pick closed).
    await waitFor(`the quick pick "${step.placeholder.source}" to accept "${step.label}"`, async () =>
      !(await this.quickInput.isVisible()) || !step.placeholder.test((await this.quickInputBox.getAttribute('placeholder')) ?? ''), 10_000);
  }

  // ---- activity bar, views, trees ----------------------------------------------------------------

  activityTab(name: string | RegExp): Locator {
    return this.page.locator('.activitybar').getByRole('tab', { name });
  }

  /** Shows a view container; clicking an already active tab would hide the side bar, so check first. */
  async showViewContainer(name: string | RegExp): Promise<void> {
    const tab = this.activityTab(name).first();
    await tab.waitFor({ state: 'visible', timeout: 60_000 });
    if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
    await waitFor(`the "${name}" view container to be active`, async () => (await tab.getAttribute('aria-selected')) === 'true', 10_000);
  }

  /** Drags the side bar's edge so tree descriptions (run status, metrics) are readable in screenshots. */
  async resizeSideBar(width: number): Promise<void> {
    const box = await this.page.locator('.part.sidebar').boundingBox();
    if (!box || Math.abs(box.width - width) < 4) return;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width - 1, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 5 });
    await this.page.mouse.up();
  }

  /** Dismisses notification toasts (they cover the bottom right of screenshots). */
  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
  }

  /** The explorer, through its activity-bar tab or, when that tab has no accessible name, the palette. */
  async showExplorer(): Promise<void> {
    const view = this.page.locator('.part.sidebar .explorer-folders-view');
    if (await view.isVisible()) return;
    const tab = this.activityTab(/^Explorer/).first();
    if (await tab.count()) await tab.click();
    else await this.runCommand('View: Show Explorer');
    await view.waitFor({ state: 'visible', timeout: 10_000 });
  }

  /**
   * Tree rows of the side bar whose label (not description) matches; a string matches the whole label. The
   * accessible name is no use here: VS Code makes it the tooltip when an item has one.
   */
  treeItem(label: string | RegExp, within?: Locator): Locator {
    const text = typeof label === 'string' ? new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) : label;
    return (within ?? this.page.locator('.part.sidebar')).getByRole('treeitem')
      .filter({ has: this.page.locator('.label-name', { hasText: text }) });
  }

  /** The description VS Code shows after a tree row's label. */
  async description(row: Locator): Promise<string> {
    return (await row.locator('.label-description').first().textContent({ timeout: 5_000 }).catch(() => '')) ?? '';
  }

  /** The pane of a view (e.g. "Runs") in the side bar. */
  viewPane(title: string): Locator {
    return this.page.locator('.part.sidebar .pane').filter({ has: this.page.locator('.pane-header', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}`, 'i') }) });
  }

  /** Expands a tree row with its twistie: clicking a row that has a command runs the command instead. */
  async expand(item: Locator): Promise<void> {
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    // A tree that re-renders under the pointer (a file appearing in the explorer) can take the click on another row:
    // click the twistie again while this row is still collapsed.
    await retry('a tree item to expand', 3, async () => {
      if ((await item.getAttribute('aria-expanded')) === 'false') await item.locator('.monaco-tl-twistie').click();
      await waitFor('a tree item to expand', async () => (await item.getAttribute('aria-expanded')) !== 'false', 5_000);
    }, async () => { await sleep(500); });
  }

  /** Right-clicks `target` and chooses `menuItem` from its context menu, retrying when the menu comes up late or empty. */
  async contextMenu(target: Locator, menuItem: string | RegExp): Promise<void> {
    await target.waitFor({ state: 'visible', timeout: 30_000 });
    await retry(`Context menu item "${menuItem}"`, 3, async () => {
      await target.click({ button: 'right' });
      await sleep(300);
      const item = this.page.getByRole('menuitem', { name: menuItem }).first();
      await item.waitFor({ state: 'visible', timeout: 5_000 });
      await item.click();
    }, async () => { await this.escape(); await sleep(500); });
  }

  // ---- webviews ----------------------------------------------------------------------------------

  /**
   * The content frame of the webview that contains `selector`. Webviews are two nested iframes
   * (iframe.webview.ready > #active-frame); several panels may exist, so find the one holding the element.
   *
   * code-server serves every webview from one origin, so they share one service-worker scope: a webview created
   * while another registers its worker can stay blank ("Found unexpected service worker controller … Waiting for
   * controllerchange" in the console, never resolved). That is the platform, not the extension; after
   * `reloadAfterMs` the webviews are reloaded once ("Developer: Reload Webviews") and the wait goes on.
   */
  async webviewFrame(selector: string, what: string, o: { timeoutMs?: number; reloadAfterMs?: number; accept?: (frame: Frame) => Promise<boolean> } = {}): Promise<Frame> {
    const find = async () => {
      for (const frame of this.page.frames()) {
        if (frame === this.page.mainFrame() || frame.isDetached()) continue;
        const el = await frame.$(selector).catch(() => null);
        if (el && await el.isVisible().catch(() => false) && (!o.accept || await o.accept(frame).catch(() => false))) return frame;
      }
      return undefined;
    };
    const timeoutMs = o.timeoutMs ?? 60_000;
    const reloadAfterMs = Math.min(o.reloadAfterMs ?? 20_000, timeoutMs / 2);
    const first = await waitFor(`the ${what} webview (${selector})`, find, reloadAfterMs, 500).catch(() => undefined);
    if (first) return first;
    if (await this.blankWebviews() > 0) {
      console.log(`    note: a webview stayed blank while waiting ${Math.round(reloadAfterMs / 1000)} s for the ${what}; reloading webviews once`);
      this.webviewReloads++;
      await this.runCommand('Developer: Reload Webviews');
    }
    return waitFor(`the ${what} webview (${selector})`, find, timeoutMs - reloadAfterMs, 500);
  }

  /** Webviews whose content frame never navigated (the service-worker race above). */
  async blankWebviews(): Promise<number> {
    const hosts = this.page.frames().filter((f) => f.url().includes('/webview/browser/pre/index.html'));
    return hosts.filter((f) => !f.childFrames().some((c) => c.url() !== '' && c.url() !== 'about:blank')).length;
  }

  /** How often webviewFrame had to reload webviews (reported by the scenario). */
  webviewReloads = 0;

  /** Text of the workbench's visible notification toasts (to explain a failure). */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notifications-toasts .notification-toast .notification-list-item-message').allTextContents().catch(() => []);
  }
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
