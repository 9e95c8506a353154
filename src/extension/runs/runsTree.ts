/** The Runs view: every run of the workspace, newest first, with live progress of this window's trainings. */
import * as vscode from 'vscode';
import { Disposable } from '../dispose';
import type { TrainingManager } from '../training/trainingManager';
import type { RunsModel } from './runsModel';
import { childNodes, nodeView, rootNodes, type NodeView, type RunsTreeNode } from './runTreeModel';

const PROGRESS_REFRESH_MS = 1000;

export function toTreeItem(v: NodeView): vscode.TreeItem {
  const state = { none: vscode.TreeItemCollapsibleState.None, collapsed: vscode.TreeItemCollapsibleState.Collapsed, expanded: vscode.TreeItemCollapsibleState.Expanded }[v.collapsible];
  const item = new vscode.TreeItem(v.label, state);
  item.id = v.id;
  item.description = v.description;
  item.tooltip = v.tooltip;
  item.accessibilityInformation = { label: v.accessibilityLabel };
  item.contextValue = v.contextValue;
  item.iconPath = new vscode.ThemeIcon(v.icon);
  if (v.command) item.command = v.command;
  return item;
}

export class RunsTree extends Disposable implements vscode.TreeDataProvider<RunsTreeNode> {
  private readonly changed = this.register(new vscode.EventEmitter<RunsTreeNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private lastProgressRefresh = 0;
  private progressTimer?: NodeJS.Timeout;

  constructor(private readonly runs: RunsModel, private readonly trainings: TrainingManager) {
    super();
    this.register(runs.onDidChange(() => this.changed.fire(undefined)));
    this.register(trainings.onDidChange((e) => (e.kind === 'job' && e.event.type === 'progress' ? this.throttledRefresh() : this.runs.invalidate())));
    this.register({ dispose: () => clearTimeout(this.progressTimer) });
  }

  refresh(): void {
    this.runs.invalidate();
  }

  getTreeItem(node: RunsTreeNode): vscode.TreeItem {
    return toTreeItem(nodeView(node));
  }

  async getChildren(node?: RunsTreeNode): Promise<RunsTreeNode[]> {
    if (node) return childNodes(node);
    const live = (dir: string) => this.trainings.progress(dir);
    const [runs, sweeps] = await Promise.all([this.runs.list(), this.runs.sweeps()]);
    return rootNodes(runs, live, this.trainings.failedStarts(), sweeps);
  }

  /** Progress arrives per batch: redraw the run rows at most once a second. */
  private throttledRefresh(): void {
    if (this.progressTimer) return;
    const wait = Math.max(0, this.lastProgressRefresh + PROGRESS_REFRESH_MS - Date.now());
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      this.lastProgressRefresh = Date.now();
      this.changed.fire(undefined);
    }, wait);
  }
}
