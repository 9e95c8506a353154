/** A dataset scan → Dataset tree nodes (classes with counts per split, health problems) and Problems-panel entries. Pure. */
import * as path from 'node:path';
import type { ScanSummary } from '../../shared/engineProtocol';

type Split = 'train' | 'val' | 'test';
/** The engine's health report has per-split counts for train/val/test layouts; the scan summary may carry them. */
export type DatasetSummary = ScanSummary & { perSplit?: Partial<Record<Split, Record<string, number>>> };
export type Issue = ScanSummary['issues'][number];

export type DatasetNode =
  | { kind: 'class'; name: string; total: number; perSplit?: Partial<Record<Split, number>> }
  | { kind: 'problems'; issues: Issue[] }
  | { kind: 'issue'; issue: Issue }
  | { kind: 'message'; label: string; detail?: string; icon: string };

export interface DatasetNodeView { label: string; description?: string; tooltip?: string; icon: string; collapsible: 'none' | 'collapsed' | 'expanded'; contextValue: string; file?: string }

export function datasetRoots(s: DatasetSummary): DatasetNode[] {
  const nodes: DatasetNode[] = s.classes.map((name) => {
    const perSplit = s.perSplit && Object.fromEntries(
      (Object.entries(s.perSplit) as [Split, Record<string, number>][]).filter(([, counts]) => counts && Object.keys(counts).length > 0)
        .map(([split, counts]) => [split, counts[name] ?? 0]));
    return { kind: 'class', name, total: s.perClass[name] ?? 0, ...(perSplit && Object.keys(perSplit).length ? { perSplit } : {}) };
  });
  if (nodes.length === 0) nodes.push({ kind: 'message', label: 'No classes found', detail: `${s.root}: expected one folder per class, or train/ val/ test/ folders of class folders`, icon: 'info' });
  if (s.issues.length > 0) nodes.push({ kind: 'problems', issues: s.issues });
  return nodes;
}

export function datasetChildren(node: DatasetNode): DatasetNode[] {
  return node.kind === 'problems' ? node.issues.map((issue) => ({ kind: 'issue', issue })) : [];
}

const SEVERITY_ICON: Record<string, string> = { error: 'error', warning: 'warning', info: 'info' };

export function classDescription(n: Extract<DatasetNode, { kind: 'class' }>): string {
  const images = `${n.total} image${n.total === 1 ? '' : 's'}`;
  if (!n.perSplit) return images;
  return `${images} · ${(['train', 'val', 'test'] as const).filter((k) => n.perSplit![k] !== undefined).map((k) => `${k} ${n.perSplit![k]}`).join(' · ')}`;
}

export function datasetNodeView(node: DatasetNode): DatasetNodeView {
  switch (node.kind) {
    case 'class':
      return { label: node.name, description: classDescription(node), icon: 'symbol-folder', collapsible: 'none', contextValue: 'datasetClass' };
    case 'problems': {
      const worst = node.issues.some((i) => i.severity === 'error') ? 'error' : node.issues.some((i) => i.severity === 'warning') ? 'warning' : 'info';
      return { label: 'Problems', description: String(node.issues.length), icon: SEVERITY_ICON[worst], collapsible: 'expanded', contextValue: 'datasetProblems' };
    }
    case 'issue':
      return {
        label: node.issue.file ? path.basename(node.issue.file) : node.issue.kind, description: node.issue.message, tooltip: node.issue.message,
        icon: SEVERITY_ICON[node.issue.severity] ?? 'info', collapsible: 'none', contextValue: 'datasetIssue', ...(node.issue.file ? { file: node.issue.file } : {}),
      };
    case 'message':
      return { label: node.label, description: node.detail, tooltip: node.detail, icon: node.icon, collapsible: 'none', contextValue: 'datasetMessage' };
  }
}

/** Issues that concern one file, grouped by that file (for a DiagnosticCollection). */
export function issuesByFile(s: ScanSummary): Map<string, Issue[]> {
  const out = new Map<string, Issue[]>();
  for (const issue of s.issues) {
    if (!issue.file) continue;
    const file = path.isAbsolute(issue.file) ? issue.file : path.join(s.root, issue.file);
    out.set(file, [...(out.get(file) ?? []), issue]);
  }
  return out;
}
