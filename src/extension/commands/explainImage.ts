/** CXR Lab: Explain with Grad-CAM — the image from the explorer, the editor title, or the active editor. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services';

export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'bmp', 'tif', 'tiff'];
export const isImage = (file: string) => IMAGE_EXTENSIONS.includes(path.extname(file).slice(1).toLowerCase());

/** The image shown in the active editor tab (image preview, custom editor or text editor), if any. */
export function activeImage(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : vscode.window.activeTextEditor?.document.uri;
  return uri && uri.scheme === 'file' && isImage(uri.fsPath) ? uri : undefined;
}

export async function askForImage(title: string, defaultFolder?: string): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false, title, openLabel: 'Explain', filters: { Images: IMAGE_EXTENSIONS },
    ...(defaultFolder ? { defaultUri: vscode.Uri.file(defaultFolder) } : {}),
  });
  return picked?.[0];
}

export function registerExplainImage(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.explainImage', async (arg?: unknown) => {
    const uri = arg instanceof vscode.Uri ? arg : activeImage() ?? await askForImage('Image to explain with Grad-CAM', vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
    if (!uri) return;
    if (!isImage(uri.fsPath)) {
      void vscode.window.showWarningMessage(`CXR Lab: ${path.basename(uri.fsPath)} is not a PNG, JPEG, BMP or TIFF image.`);
      return;
    }
    s.explainPanels.open(uri.fsPath);
  });
}
