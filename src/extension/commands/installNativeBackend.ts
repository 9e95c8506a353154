/** CXR Lab: Install Native Backend — TensorFlow's libraries for the tfjs-node addon in the .vsix (native/nativeInstall.ts). */
import * as vscode from 'vscode';
import { installNativeBackend, type InstallPreset } from '../native/nativeInstall';
import type { Services } from '../services';

export function registerInstallNativeBackend(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.installNativeBackend', (preset?: InstallPreset) =>
    installNativeBackend(s, preset && typeof preset === 'object' ? preset : {}));
}
