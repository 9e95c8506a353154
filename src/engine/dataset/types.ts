/** What a dataset scan finds: images, health issues and the report. Types only, shared by scan, health and metadata. */
import type { SplitName } from '../../shared/engineProtocol';

export type { SplitName };

export interface ImageItem {
  /** Absolute path. */
  path: string;
  /** Relative to the dataset root, '/' separators. */
  rel: string;
  label: number;
  className: string;
  /** Patient id, or `rel` when unknown (the file is then its own group). */
  patient: string;
  /** Set in the split-folders layout. */
  presetSplit?: SplitName;
}

export interface HealthIssue {
  severity: 'error' | 'warning' | 'info';
  /** 'empty-file' | 'not-image' | 'truncated' | 'unreadable' | 'unsupported-format' | 'broken-link' | 'empty-class' | 'empty-class-in-split'
   *  | 'tiny-class' | 'single-class' | 'mixed-channels' | 'stray-file' | 'stray-folder' | 'unknown-class' | 'missing-class'
   *  | 'class-imbalance' | 'patient-unknown' | 'metadata-*' */
  kind: string;
  /** One clear sentence. */
  message: string;
  /** Absolute path. */
  file?: string;
  className?: string;
}

export interface HealthReport {
  issues: HealthIssue[];
  perClass: Record<string, number>;
  perSplit?: Record<SplitName, Record<string, number>>;
  size: { minWidth: number; maxWidth: number; minHeight: number; maxHeight: number; meanWidth: number; meanHeight: number };
  /** e.g. {'1': 1200, '3': 63}; palette images count their palette's channels. */
  channels: Record<string, number>;
  formats: Record<string, number>;
}

export interface DatasetScan {
  root: string;
  layout: 'class-folders' | 'split-folders';
  /** Sorted (code-point order, like torchvision's ImageFolder), or the forced order of `ScanOptions.classes`. */
  classes: string[];
  /** Only usable images, sorted by rel. */
  items: ImageItem[];
  excluded: { file: string; reason: string }[];
  health: HealthReport;
  patientSource: 'metadata.csv' | 'pattern' | 'none';
  /** sha256 over sorted rel paths + byte sizes of the usable images. */
  hash: string;
}
