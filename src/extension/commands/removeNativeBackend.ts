/** CXR Lab: Remove Native Backend — deletes the libraries "Install Native Backend" put in global storage; back to wasm. */
import * as vscode from 'vscode';
import { removeNativeBackend } from '../native/nativeInstall';
import type { Services } from '../services';

export function registerRemoveNativeBackend(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.removeNativeBackend', () => removeNativeBackend(s));
}
