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
  /** Its lung mask (absolute path), when the class folder holds images/ + masks/ (COVID-19 Radiography Database layout). */
  mask?: string;
}

export interface HealthIssue {
  severity: 'error' | 'warning' | 'info';
  /** 'empty-file' | 'not-image' | 'truncated' | 'unreadable' | 'unsupported-format' | 'broken-link' | 'empty-class' | 'empty-class-in-split'
   *  | 'tiny-class' | 'single-class' | 'mixed-channels' | 'stray-file' | 'stray-folder' | 'unknown-class' | 'missing-class'
   *  | 'class-imbalance' | 'patient-unknown' | 'metadata-*' | 'confounder' (a metadata.csv column that predicts the class)
   *  | 'mask-folder' (a class folder of images/ + masks/: where its images and lung masks are read) */
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

/**
 * metadata.csv's columns per image, as a side table (one array per column) rather than one object per item.
 * Values are the trimmed cells as written; undefined where the image has no row or an empty cell.
 */
export interface DatasetMetadata {
  /** Absolute path of metadata.csv. */
  file: string;
  /** Header names in file order (repeated names made unique), the column that named the files left out. */
  columns: string[];
  /** The column the patient ids came from, if it has one. */
  patientColumn?: string;
  /** Column → value per item, index-aligned with DatasetScan.items. */
  values: Map<string, (string | undefined)[]>;
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
  /** metadata.csv's columns per item, when it names at least one of the images. */
  metadata?: DatasetMetadata;
  /** sha256 over sorted rel paths + byte sizes of the usable images. */
  hash: string;
}
