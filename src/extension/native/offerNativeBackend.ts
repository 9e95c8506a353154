/**
 * Offered once (per user, in global state): the first time a training starts while the engine runs on WebAssembly,
 * a notification proposes "Install Native Backend". Off with the setting cxrLab.offerNativeBackend.
 */
import * as vscode from 'vscode';
import type { Services } from '../services';
import { cannotInstallReason } from './nativeInstall';

export const NATIVE_OFFERED_KEY = 'cxrLab.nativeBackendOffered';
const INSTALL = 'Install Native Backend';

export function registerNativeOffer(s: Services): vscode.Disposable {
  let offered = false;
  return s.trainings.onDidChange(() => {
    if (offered || s.engine.backend !== 'wasm' || s.trainings.liveRuns().length === 0) return;
    if (s.context.globalState.get<boolean>(NATIVE_OFFERED_KEY)) { offered = true; return; }
    if (!vscode.workspace.getConfiguration('cxrLab').get<boolean>('offerNativeBackend', true)) return;
    if (cannotInstallReason(s.context.extensionPath)) return;
    offered = true;
    void s.context.globalState.update(NATIVE_OFFERED_KEY, true);
    void vscode.window.showInformationMessage(
      'CXR Lab: this training runs on WebAssembly. The native TensorFlow backend trains 5–10× faster; install it now (259 MB download)?',
      INSTALL, 'Not now',
    ).then((choice) => { if (choice === INSTALL) void vscode.commands.executeCommand('cxrLab.installNativeBackend'); });
  });
}
