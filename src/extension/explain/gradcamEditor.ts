/**
 * "Reopen Editor With… → Grad-CAM": a read-only custom editor for images (priority "option" in package.json,
 * so the normal image preview stays the default). An editor of its own file: no pin, never reused for another image.
 */
import * as vscode from 'vscode';
import { Disposable } from '../dispose';
import type { ExplainPanels } from './explainPanels';

export const GRADCAM_EDITOR_VIEW_TYPE = 'cxrLab.gradcamEditor';

export class GradcamEditorProvider extends Disposable implements vscode.CustomReadonlyEditorProvider {
  constructor(private readonly explain: ExplainPanels) {
    super();
    this.register(vscode.window.registerCustomEditorProvider(GRADCAM_EDITOR_VIEW_TYPE, this, { supportsMultipleEditorsPerDocument: true }));
  }

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    const controller = this.explain.attach(panel.webview, document.uri.fsPath);
    panel.onDidDispose(() => controller.dispose());
  }
}
