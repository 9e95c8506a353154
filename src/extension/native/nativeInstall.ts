/**
 * "CXR Lab: Install Native Backend" and "Remove Native Backend": the TensorFlow libraries for the tfjs-node addon
 * that the .vsix carries go into the extension's global storage (kept across extension updates), fetched by the
 * engine's native-install job behind a cancellable progress notification, then checked by a fresh engine process.
 */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { InfoResult, NativeSource } from '../../shared/engineProtocol';
import { findNativeAddon, nativeBackendDir, nativeEnvForStorage, nativeUnsupportedReason, readNativeManifest, type NativeVariant } from '../../shared/node/nativeLibs';
import { carriedKind } from '../../shared/errorKind';
import { showError } from '../engine/errorNotice';
import type { Services } from '../services';
import { InstallProgress, sourceChoices, variantChoices, type SourceKind } from './nativeChoices';
import { checkNativeEngine } from './verifyNative';

/** What a caller (the e2e tier, the wasm offer) may decide up front instead of the quick picks. */
export interface InstallPreset { variant?: NativeVariant; source?: NativeSource }

export function storageDir(s: Services): string {
  return s.context.globalStorageUri.fsPath;
}

/** The environment for new engine processes: the installed libraries, if any (a broken manifest is logged, then ignored). */
export function nativeEngineEnvFor(s: Pick<Services, 'context' | 'output'>): Record<string, string> {
  const { env, error } = nativeEnvForStorage(s.context.globalStorageUri.fsPath, process.env);
  if (error) s.output.appendLine(`Native backend: ignoring ${error}; run "CXR Lab: Install Native Backend" again.`);
  return env;
}

/** Why the native backend cannot be installed from this extension at all, or undefined. */
export function cannotInstallReason(extensionPath: string): string | undefined {
  return nativeUnsupportedReason() ?? (findNativeAddon(extensionPath) ? undefined
    : 'this CXR Lab package carries no tfjs-node addon (it was packaged without `npm run install:native`); install a .vsix built with it.');
}

export async function installNativeBackend(s: Services, preset: InstallPreset = {}): Promise<boolean> {
  const blocked = cannotInstallReason(s.context.extensionPath);
  if (blocked) { void vscode.window.showWarningMessage(`CXR Lab: ${blocked}`); return false; }
  const variant = preset.variant ?? (await vscode.window.showQuickPick(variantChoices(), { title: 'Install Native Backend (1/2)', placeHolder: 'TensorFlow build', ignoreFocusOut: true }))?.value;
  if (!variant) return false;
  const source = preset.source ?? await pickSource(variant);
  if (!source) return false;
  const dir = nativeBackendDir(storageDir(s));
  s.output.appendLine(`Installing the native backend (${variant}, ${source.kind === 'files' ? source.paths.join(', ') : source.kind}) into ${dir}…`);

  const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'CXR Lab: Native backend', cancellable: true }, async (progress, token) => {
    const bar = new InstallProgress();
    progress.report({ message: source.kind === 'pypi' ? `looking for the ${variant === 'cpu' ? 'tensorflow-cpu' : 'tensorflow'} wheel…` : source.kind === 'tfjs' ? 'downloading libtensorflow…' : 'reading the files…' });
    const job = await s.engine.start({ type: 'native-install', dir, variant, source }, (e) => {
      if (e.type === 'progress') progress.report(bar.next(e));
    });
    token.onCancellationRequested(() => job.cancel());
    const result = await job.result;
    s.output.appendLine(`Installed TensorFlow ${result.tensorflow} (${result.variant}) from ${result.source}: ${(result.bytes / 1e6).toFixed(0)} MB in ${result.seconds.toFixed(0)} s.`);
    progress.report({ message: 'checking that a new engine loads it…' });
    const env = nativeEnvForStorage(storageDir(s), process.env).env;
    return checkNativeEngine(s.engine.hostScript, env);
  }).then((check) => check, async (err: unknown) => {
    if (carriedKind(err) === 'cancelled') {
      s.output.appendLine('Native backend install cancelled; nothing was changed.');
      void vscode.window.showInformationMessage('CXR Lab: native backend install cancelled; nothing was changed.');
    } else {
      s.output.appendLine(`Native backend install failed: ${err instanceof Error ? err.message : String(err)}`);
      await showError('the native backend could not be installed', err);
    }
    return undefined;
  });
  if (!outcome) return false;
  if (!outcome.ok) {
    // Libraries a fresh engine cannot load would only make every engine start try them: take them away again.
    await fs.rm(dir, { recursive: true, force: true });
    s.output.appendLine(`Native backend check failed, install removed: ${outcome.reason}`);
    void vscode.window.showErrorMessage(`CXR Lab: the TensorFlow libraries were installed but the engine cannot use them (${outcome.reason}); they were removed again.`, 'Show Log')
      .then((c) => c && vscode.commands.executeCommand('cxrLab.showLog'));
    return false;
  }
  const busy = s.trainings.liveRuns().length > 0;
  s.engine.restartWhenIdle();
  s.output.appendLine(`Native backend ready: ${describe(outcome.info)}`);
  void vscode.window.showInformationMessage(`CXR Lab: native backend installed — ${describe(outcome.info)}. `
    + (busy ? 'The running training stays on its backend; the next job uses TensorFlow.' : 'The next job runs on it.'));
  return true;
}

export async function removeNativeBackend(s: Services): Promise<boolean> {
  const dir = nativeBackendDir(storageDir(s));
  const read = readNativeManifest(dir);
  const present = await fs.stat(dir).then(() => true, () => false);
  if (!present) { void vscode.window.showInformationMessage(`CXR Lab: the native backend is not installed (nothing in ${dir}).`); return false; }
  const what = read.state === 'ok' ? `TensorFlow ${read.manifest.tensorflow} (${read.manifest.variant}, ${(read.manifest.bytes / 1e6).toFixed(0)} MB)` : 'an incomplete install';
  const ok = await vscode.window.showWarningMessage(`Remove the native backend?`, { modal: true, detail: `${what} in ${dir}.\nCXR Lab goes back to WebAssembly (5–10× slower training).` }, 'Remove');
  if (ok !== 'Remove') return false;
  try {
    await fs.rm(dir, { recursive: true, force: true });
  } catch (err) {
    await showError('cannot remove the native backend', err);
    return false;
  }
  s.engine.restartWhenIdle();
  s.output.appendLine(`Native backend removed (${dir}).`);
  void vscode.window.showInformationMessage(`CXR Lab: native backend removed. ${s.trainings.liveRuns().length ? 'The running training keeps its backend; the' : 'The'} next job runs on WebAssembly.`);
  return true;
}

async function pickSource(variant: NativeVariant): Promise<NativeSource | undefined> {
  const pick = await vscode.window.showQuickPick(sourceChoices(variant), { title: 'Install Native Backend (2/2)', placeHolder: 'Where the TensorFlow libraries come from', ignoreFocusOut: true });
  if (!pick) return undefined;
  const kind: SourceKind = pick.value;
  if (kind !== 'files') return { kind };
  const uris = await vscode.window.showOpenDialog({
    canSelectMany: true, canSelectFiles: true, canSelectFolders: false, openLabel: 'Install from these',
    title: variant === 'cpu' ? 'A tensorflow-cpu wheel or a libtensorflow .tar.gz' : 'The tensorflow wheel and its nvidia-*-cu12 wheels, or a libtensorflow-gpu .tar.gz',
    filters: { 'TensorFlow wheels and tarballs': ['whl', 'gz', 'tgz'] },
  });
  return uris?.length ? { kind: 'files', paths: uris.map((u) => u.fsPath) } : undefined;
}

function describe(info: InfoResult): string {
  const tf = info.versions['tensorflow'] ?? '?';
  const gpu = info.gpu && (info.gpu.usable || info.gpu.devices.length) ? `; ${info.gpu.summary}` : '';
  return `backend tensorflow (TensorFlow ${tf}, ${info.threads} threads)${gpu}`;
}
