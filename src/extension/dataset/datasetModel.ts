/** A dataset scan → Dataset tree nodes (classes with counts per split, health problems) and Problems-panel entries. Pure. */
import * as path from 'node:path';
import type { ScanPatients, ScanSummary } from '../../shared/engineProtocol';

type Split = 'train' | 'val' | 'test';
/** The engine's health report has per-split counts for train/val/test layouts; the scan summary may carry them. */
export type DatasetSummary = ScanSummary & { perSplit?: Partial<Record<Split, Record<string, number>>> };
export type Issue = ScanSummary['issues'][number];

export type DatasetNode =
  | { kind: 'class'; name: string; total: number; perSplit?: Partial<Record<Split, number>> }
  | { kind: 'problems'; issues: Issue[] }
  | { kind: 'issue'; issue: Issue }
  | { kind: 'message'; label: string; detail?: string; icon: string }
  /** Where the patients came from: metadata.csv (with its columns as children), a file-name pattern, or none. */
  | { kind: 'patients'; patients: ScanPatients; images: number }
  | { kind: 'detail'; label: string; description: string; tooltip?: string; icon: string };

export interface DatasetNodeView { label: string; description?: string; tooltip?: string; icon: string; collapsible: 'none' | 'collapsed' | 'expanded'; contextValue: string; file?: string }

export function datasetRoots(s: DatasetSummary): DatasetNode[] {
  const nodes: DatasetNode[] = s.classes.map((name) => {
    const perSplit = s.perSplit && Object.fromEntries(
      (Object.entries(s.perSplit) as [Split, Record<string, number>][]).filter(([, counts]) => counts && Object.keys(counts).length > 0)
        .map(([split, counts]) => [split, counts[name] ?? 0]));
    return { kind: 'class', name, total: s.perClass[name] ?? 0, ...(perSplit && Object.keys(perSplit).length ? { perSplit } : {}) };
  });
  if (nodes.length === 0) nodes.push({ kind: 'message', label: 'No classes found', detail: `${s.root}: expected one folder per class, or train/ val/ test/ folders of class folders`, icon: 'info' });
  else if (s.patients) nodes.push({ kind: 'patients', patients: s.patients, images: Object.values(s.perClass).reduce((a, b) => a + b, 0) });
  if (s.issues.length > 0) nodes.push({ kind: 'problems', issues: s.issues });
  return nodes;
}

export function datasetChildren(node: DatasetNode): DatasetNode[] {
  if (node.kind === 'patients') return patientDetails(node.patients, node.images);
  return node.kind === 'problems' ? node.issues.map((issue) => ({ kind: 'issue', issue })) : [];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Under metadata.csv: the patients (which column, how many images it names) and its other columns. */
export function patientDetails(p: ScanPatients, images: number): DatasetNode[] {
  const m = p.metadata;
  if (!m) return [];
  return [
    m.column
      ? { kind: 'detail', label: 'Patients', description: `${p.count} from column "${m.column}" (${m.matched} of ${plural(images, 'image')} listed)`, icon: 'person',
        tooltip: 'The split keeps every image of a patient on one side; bootstrap intervals resample patients.' }
      : { kind: 'detail', label: 'Patients', description: `no patient column: each image is its own patient (${m.matched} of ${plural(images, 'image')} listed)`, icon: 'person' },
    { kind: 'detail', label: 'Other columns', description: m.columns.length ? m.columns.join(', ') : 'none', icon: 'symbol-field',
      tooltip: 'Checked for confounders (a column that predicts the class is a warning); evaluations report accuracy per value.' },
  ];
}

function patientsView(p: ScanPatients): DatasetNodeView {
  if (p.metadata) {
    return {
      label: 'metadata.csv', description: p.metadata.column ? `read · ${plural(p.count, 'patient')} from column "${p.metadata.column}"` : 'read · no patient column',
      tooltip: p.metadata.file, icon: 'table', collapsible: 'expanded', contextValue: 'datasetMetadata', file: p.metadata.file,
    };
  }
  const description = p.source === 'pattern'
    ? `${plural(p.count, 'patient')}, from the file names (patient pattern)`
    : 'unknown: no metadata.csv with file and patient columns, so each image is its own patient';
  return { label: 'Patients', description, tooltip: description, icon: 'person', collapsible: 'none', contextValue: 'datasetPatients' };
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
    case 'patients':
      return patientsView(node.patients);
    case 'detail':
      return { label: node.label, description: node.description, tooltip: node.tooltip ?? node.description, icon: node.icon, collapsible: 'none', contextValue: 'datasetDetail' };
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
