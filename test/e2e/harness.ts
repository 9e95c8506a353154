/**
 * One end-to-end session: a temp folder holding all editor state, the .vsix installed into it, code-server started
 * in its own process group, Chromium opened on the workspace folder. close() undoes all of it, in reverse order.
 */
import { existsSync, mkdtempSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { installExtension, serverDirs, startCodeServer, type CodeServer, type ServerDirs } from './codeServer';
import { REPO_ROOT, RESULTS_DIR, VSIX } from './paths';
import { launchBrowser, Workbench } from './workbench';

export { Workbench, retry, waitFor } from './workbench';

/** The extension's `name` from package.json (code-server installs it as `<publisher>.<name>`). */
export function extensionName(): string {
  return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string }).name;
}

export interface Harness {
  root: string;
  dirs: ServerDirs;
  extensionDir: string;
  server: CodeServer;
  browser: Browser;
  wb: Workbench;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** The folder to open as the workspace. */
  workspace: string;
  /** The temp folder for editor state (made when absent). */
  root?: string;
  vsix?: string;
  settings?: Record<string, unknown>;
}

/** Installs the vsix and starts the server only; the browser is opened by openHarness. */
export async function prepareServerState(o: HarnessOptions): Promise<{ root: string; dirs: ServerDirs; extensionDir: string }> {
  const vsix = o.vsix ?? VSIX;
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\` first (or set CXR_LAB_VSIX).`);
  const root = o.root ?? mkdtempSync(path.join(os.tmpdir(), 'cxr-lab-e2e-'));
  const dirs = serverDirs(root);
  const extensionDir = await installExtension(dirs, vsix, extensionName());
  return { root, dirs, extensionDir };
}

export async function openHarness(o: HarnessOptions & { extensionDir?: string }): Promise<Harness> {
  const prepared = o.extensionDir && o.root ? { root: o.root, dirs: serverDirs(o.root), extensionDir: o.extensionDir } : await prepareServerState(o);
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    // Keep the server log beside the screenshots: it is what explains a failure in CI.
    await fs.mkdir(RESULTS_DIR, { recursive: true });
    await fs.copyFile(path.join(prepared.root, 'code-server.log'), path.join(RESULTS_DIR, 'code-server.log')).catch(() => undefined);
    // ...and the workbench's logs (extension host, the "CXR Lab" output channel).
    await fs.rm(path.join(RESULTS_DIR, 'logs'), { recursive: true, force: true });
    await fs.cp(path.join(prepared.dirs.userDataDir, 'logs'), path.join(RESULTS_DIR, 'logs'), { recursive: true }).catch(() => undefined);
  };
  try {
    const server = await startCodeServer(prepared.dirs, o.settings);
    cleanups.push(() => server.stop());
    const browser = await launchBrowser();
    cleanups.push(() => browser.close());
    const wb = await Workbench.open(browser, server.url, o.workspace);
    return { ...prepared, server, browser, wb, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A failed step's evidence for `Steps`: a screenshot named after the step (after `prefix`) and the open notifications. */
export function failureEvidence(harness: () => Harness | undefined, prefix = ''): (step: string) => Promise<string | undefined> {
  return async (step) => {
    const h = harness();
    if (!h) return undefined;
    const file = await h.wb.screenshot(`${prefix}failed-${step.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`);
    const notes = await h.wb.notifications();
    return `screenshot: ${path.relative(process.cwd(), file)}${notes.length ? `\nnotifications: ${notes.join(' | ')}` : ''}`;
  };
}
