/**
 * The one HTML page every webview uses: an #app root, the view's bundle with a nonce, and a CSP that allows
 * nothing remote (images and styles from the webview's own resource origin, inline styles for web components).
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { escapeHtml } from '../shared/format';
import { LAB_DIR } from '../shared/runFiles';

export type WebviewName = 'training' | 'evaluation' | 'explain' | 'grid' | 'audit' | 'compare' | 'samples';

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'unsafe-inline'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}


export function webviewHtml(webview: Pick<vscode.Webview, 'cspSource' | 'asWebviewUri'>, extensionUri: vscode.Uri, name: WebviewName, title: string): string {
  const nonce = makeNonce();
  const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', file)).toString();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview.cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset(`${name}.css`)}">
<title>${escapeHtml(title)}</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${asset(`${name}.js`)}"></script>
</body>
</html>`;
}

/** Where a webview may load files from: the extension's bundles and media, each workspace's .cxr-lab, plus `extra`. */
export function resourceRoots(extensionUri: vscode.Uri, extra: string[] = []): vscode.Uri[] {
  const roots = [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
  for (const f of vscode.workspace.workspaceFolders ?? []) roots.push(vscode.Uri.joinPath(f.uri, LAB_DIR));
  for (const dir of extra) roots.push(vscode.Uri.file(path.resolve(dir)));
  return roots;
}

export function webviewOptions(extensionUri: vscode.Uri, extra: string[] = []): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: resourceRoots(extensionUri, extra) };
}

/** Tab icon of the panels: an <img> cannot use currentColor, so one file per theme kind. */
export function panelIcon(extensionUri: vscode.Uri): { light: vscode.Uri; dark: vscode.Uri } {
  const icon = (kind: string) => vscode.Uri.joinPath(extensionUri, 'media', 'icons', `cxr-lab-${kind}.svg`);
  return { light: icon('light'), dark: icon('dark') };
}
