/** Everything the report is made of, gathered by the report job (jobs/report.ts) and turned into a document by sections/. */
import type { GridResult } from '../../shared/camGrid';
import type { AuditFile } from '../../shared/runFiles';
import type { Comparison } from '../jobs/compare';

/** The dataset as the report describes it: a scan of the table's dataset, and its split by the first run. */
export interface DatasetFacts {
  root: string;
  layout: string;
  hash: string;
  classes: string[];
  /** Images per class, and per class in each split of the first run (split.json); absent when that run has no split file. */
  perClass: Record<string, number>;
  perSplit?: Record<'train' | 'val' | 'test', Record<string, number>>;
  excluded: number;
  groupedBy: 'patient' | 'file';
  patients?: number;
  patientSource: string;
  /** The health report's problems (errors and warnings); infos counted. */
  issues: { severity: string; kind: string; message: string }[];
  infos: number;
  /** Sentences of the split (run.json's split warnings). */
  splitWarnings: string[];
  /** metadata.csv columns, when there is one. */
  metadataColumns?: string[];
}

export interface ReportGrid { png: Uint8Array; result: GridResult }

export interface ReportInput {
  comparison: Comparison;
  /** Undefined when the dataset folder could not be scanned (moved, unreadable): said so. */
  dataset?: DatasetFacts;
  datasetError?: string;
  /** The CAM grid of a few test images; or why there is none. */
  grid?: ReportGrid;
  gridNote?: string;
  /** Each row's shortcut audit of its test split, by run id, when one exists. */
  audits: Map<string, AuditFile>;
  generatedAt: string;
  /** The CXR Lab version writing the report. */
  version: string;
}
