import type * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {
  // Wiring only; placeholder until the extension is written.
}

export function deactivate(): void {}
