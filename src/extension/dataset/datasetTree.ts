/**
 * The Dataset view: classes with image counts (per split when the folder has train/val/test), health problems
 * as children of "Problems", and each problem that names a file in the Problems panel.
 */
import * as vscode from 'vscode';
import type { ScanSummary } from '../../shared/engineProtocol';
import { Disposable } from '../dispose';
import type { EngineService } from '../engine/engineService';
import { datasetChildren, datasetNodeView, datasetRoots, issuesByFile, type DatasetNode, type DatasetSummary } from './datasetModel';
import { datasetCandidates, looksLikeDataset } from '../training/datasetCandidates';

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning, info: vscode.DiagnosticSeverity.Information,
};

export function toDiagnostics(summary: ScanSummary): [vscode.Uri, vscode.Diagnostic[]][] {
  return [...issuesByFile(summary)].map(([file, issues]) => [vscode.Uri.file(file), issues.map((i) => {
    const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), i.message, SEVERITY[i.severity] ?? vscode.DiagnosticSeverity.Information);
    d.source = 'CXR Lab';
    d.code = i.kind;
    return d;
  })]);
}

export class DatasetTree extends Disposable implements vscode.TreeDataProvider<DatasetNode> {
  private readonly changed = this.register(new vscode.EventEmitter<DatasetNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('cxrLab'));
  private scan?: Promise<DatasetNode[]>;

  constructor(private readonly engine: EngineService, private readonly root: () => string | undefined) {
    super();
  }

  /** Scan again (after Refresh, or when another dataset folder was chosen for training). */
  refresh(): void {
    this.scan = undefined;
    this.changed.fire(undefined);
  }

  getTreeItem(node: DatasetNode): vscode.TreeItem {
    const v = datasetNodeView(node);
    const state = { none: vscode.TreeItemCollapsibleState.None, collapsed: vscode.TreeItemCollapsibleState.Collapsed, expanded: vscode.TreeItemCollapsibleState.Expanded }[v.collapsible];
    const item = new vscode.TreeItem(v.label, state);
    item.description = v.description;
    item.tooltip = v.tooltip;
    item.contextValue = v.contextValue;
    item.iconPath = new vscode.ThemeIcon(v.icon);
    if (v.file) {
      item.resourceUri = vscode.Uri.file(v.file);
      item.command = { command: 'revealInExplorer', title: 'Reveal in Explorer', arguments: [item.resourceUri] };
    }
    return item;
  }

  async getChildren(node?: DatasetNode): Promise<DatasetNode[]> {
    if (node) return datasetChildren(node);
    const root = this.root();
    if (!root) return [];
    this.scan ??= this.load(root);
    return this.scan;
  }

  private async load(folder: string): Promise<DatasetNode[]> {
    try {
      // A project folder that holds the dataset in a sub-folder (cxr/ beside weights/): show that dataset, not the project.
      const root = (await looksLikeDataset(folder)) ? folder : (await datasetCandidates(folder))[0] ?? folder;
      const summary = await vscode.window.withProgress({ location: { viewId: 'cxrLab.dataset' }, title: 'Scanning the dataset' }, async () => {
        const job = await this.engine.start({ type: 'scan', root });
        return job.result;
      });
      this.diagnostics.clear();
      this.diagnostics.set(toDiagnostics(summary));
      return datasetRoots(summary as DatasetSummary);
    } catch (err) {
      this.diagnostics.clear();
      return [{ kind: 'message', label: 'Cannot read the dataset', detail: (err as Error).message, icon: 'error' }];
    }
  }
}
