/**
 * A real VS Code (code-server) for the end-to-end tier: every piece of its state (config, data, cache, user data,
 * extensions) inside one temp folder, started in its own process group so teardown stops the extension host and
 * the engine process it forked too. See ../shared/e2e-notes.md.
 */
import { spawn, execFile } from 'node:child_process';
import { createWriteStream, existsSync, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CODE_SERVER_BIN } from './paths';

const run = promisify(execFile);

/** Settings that remove first-run noise (welcome page, trust prompt, update checks, animations). */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'workbench.reduceMotion': 'on',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'update.mode': 'none',
  'git.enabled': false,
  'chat.commandCenter.enabled': false,
  'window.commandCenter': false,
  // The one-time "install the native backend?" toast would cover the scenario's screenshots; native.test.ts turns it on.
  'cxrLab.offerNativeBackend': false,
};

export interface ServerDirs { root: string; userDataDir: string; extensionsDir: string; env: NodeJS.ProcessEnv }

export function serverDirs(root: string): ServerDirs {
  return {
    root,
    userDataDir: path.join(root, 'user-data'),
    extensionsDir: path.join(root, 'extensions'),
    env: {
      ...process.env,
      XDG_CONFIG_HOME: path.join(root, 'xdg-config'),
      XDG_DATA_HOME: path.join(root, 'xdg-data'),
      XDG_CACHE_HOME: path.join(root, 'xdg-cache'),
      // Nothing may wait on a terminal prompt.
      CI: 'true',
    },
  };
}

function dirArgs(d: ServerDirs): string[] {
  return ['--user-data-dir', d.userDataDir, '--extensions-dir', d.extensionsDir];
}

export function assertCodeServerInstalled(): void {
  if (!existsSync(CODE_SERVER_BIN)) {
    throw new Error(`code-server is not installed at ${CODE_SERVER_BIN}; run: bash test/e2e/setup.sh`);
  }
}

/** `code-server --install-extension <vsix>`; returns the folder the extension `*.<name>` was unpacked into. */
export async function installExtension(d: ServerDirs, vsix: string, name: string): Promise<string> {
  assertCodeServerInstalled();
  const { stdout, stderr } = await run(CODE_SERVER_BIN, [...dirArgs(d), '--install-extension', vsix], { env: d.env, timeout: 120_000 });
  if (!/successfully installed/i.test(stdout + stderr)) throw new Error(`--install-extension did not report success:\n${stdout}\n${stderr}`);
  const listFile = path.join(d.extensionsDir, 'extensions.json');
  const list = JSON.parse(await fs.readFile(listFile, 'utf8')) as { identifier: { id: string }; relativeLocation?: string; location?: { path?: string } }[];
  const entry = list.find((e) => e.identifier.id.toLowerCase().endsWith(`.${name.toLowerCase()}`));
  const dir = entry && (entry.relativeLocation ? path.join(d.extensionsDir, entry.relativeLocation) : entry.location?.path);
  if (!dir) throw new Error(`Installed extension *.${name} not listed in ${listFile}: ${JSON.stringify(list.map((e) => e.identifier.id))}`);
  return dir;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface CodeServer { url: string; port: number; pid: number; logFile: string; stop(): Promise<void> }

async function tail(file: string, lines = 30): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** Starts code-server and resolves once /healthz answers. */
export async function startCodeServer(d: ServerDirs, settings: Record<string, unknown> = {}): Promise<CodeServer> {
  assertCodeServerInstalled();
  const settingsFile = path.join(d.userDataDir, 'User', 'settings.json');
  await fs.mkdir(path.dirname(settingsFile), { recursive: true });
  await fs.writeFile(settingsFile, JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));

  const port = await freePort();
  const logFile = path.join(d.root, 'code-server.log');
  const log = createWriteStream(logFile);
  await new Promise((r) => log.once('open', r));
  // detached: setsid() in the child, so the server, its extension host and the engine share one process group.
  const child = spawn(CODE_SERVER_BIN, [
    ...dirArgs(d), '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
  ], { env: d.env, detached: true, stdio: ['ignore', log, log] });
  const pid = child.pid!;
  let exited: string | undefined;
  child.once('exit', (code, signal) => { exited = signal ?? `code ${code}`; });

  const stop = async () => {
    for (const [signal, waitMs] of [['SIGTERM', 5000], ['SIGKILL', 2000]] as const) {
      try { process.kill(-pid, signal); } catch { return; } // group already gone
      const deadline = Date.now() + waitMs;
      while (Date.now() < deadline) {
        try { process.kill(-pid, 0); } catch { return; }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited (${exited}) before it was healthy:\n${await tail(logFile)}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer ${url}/healthz within 60 s:\n${await tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, port, pid, logFile, stop };
}
