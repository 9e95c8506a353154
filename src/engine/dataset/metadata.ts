/**
 * Patient ids, so the split can keep every image of one patient on one side. Sources, first that applies:
 * the dataset's own metadata.csv (a file/path column + a patient column), a user regex on the file name,
 * else each file is its own group. metadata.csv's other columns (source, site, sex …) are kept per image
 * (DatasetMetadata) for the confounding check and the subgroup metrics.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DatasetError } from './errors';
import type { DatasetMetadata, HealthIssue, ImageItem } from './types';

const FILE_COLUMNS = ['file', 'path', 'filepath', 'file_path', 'filename', 'file_name', 'image', 'image_path', 'image_id', 'rel'];
const PATIENT_COLUMNS = ['patient', 'patient_id', 'patientid', 'patient id', 'subject', 'subject_id', 'subjectid'];

/** RFC 4180 CSV: quoted fields, doubled quotes, commas and newlines inside quotes, CRLF, a leading BOM. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

export interface PatientResult {
  source: 'metadata.csv' | 'pattern' | 'none';
  issues: HealthIssue[];
  /** Every metadata.csv column's value per item, when its file column names at least one of the items. */
  metadata?: DatasetMetadata;
}

/**
 * Set `patient` on every item, and read every other metadata.csv column per item. `rel` keys are matched against
 * metadata.csv's file column as written, then without the leading train/val/test folder, then by bare file name
 * when that name is unique in the csv.
 */
export async function assignPatients(root: string, items: ImageItem[], patientPattern?: string): Promise<PatientResult> {
  const issues: HealthIssue[] = [];
  for (const it of items) it.patient = it.rel;
  const table = await readMetadataCsv(root, issues);
  let metadata: DatasetMetadata | undefined;
  if (table) {
    const rowOf = items.map((it) => table.lookup(it.rel, it.presetSplit !== undefined));
    if (rowOf.some((r) => r !== undefined)) metadata = itemMetadata(table, rowOf);
    if (table.patientCol !== undefined) {
      let matched = 0;
      items.forEach((it, i) => {
        const p = rowOf[i] === undefined ? '' : (table.rows[rowOf[i]!][table.patientCol!] ?? '').trim();
        if (p) { it.patient = p; matched++; }
      });
      if (matched > 0) {
        const missing = items.length - matched;
        if (missing > 0) issues.push({ severity: 'info', kind: 'patient-unknown', message: `${missing} of ${items.length} images have no patient id in metadata.csv; each of them is treated as its own patient.` });
        return { source: 'metadata.csv', issues, ...(metadata ? { metadata } : {}) };
      }
      issues.push({ severity: 'warning', kind: 'metadata-unmatched', message: `metadata.csv has a patient column but none of its ${table.rows.length} rows name an image found in the class folders.` });
    }
  }
  const withMetadata = metadata ? { metadata } : {};
  if (patientPattern !== undefined && patientPattern !== '') {
    const re = compilePatientPattern(patientPattern);
    let missing = 0;
    for (const it of items) {
      const m = re.exec(path.posix.basename(it.rel));
      if (m && m[1]) it.patient = m[1]; // a captured id has no "/", so it cannot collide with a rel fallback
      else missing++;
    }
    if (missing > 0) issues.push({ severity: 'info', kind: 'patient-unknown', message: `${missing} of ${items.length} file names do not match the patient pattern ${patientPattern}; each of them is treated as its own patient.` });
    return { source: 'pattern', issues, ...withMetadata };
  }
  return { source: 'none', issues, ...withMetadata };
}

/** Column → value per item (index-aligned with `items`); the file column left out, empty cells and unmatched items undefined. */
function itemMetadata(table: MetadataTable, rowOf: (number | undefined)[]): DatasetMetadata {
  const values = new Map<string, (string | undefined)[]>();
  table.columns.forEach((name, c) => {
    if (c === table.fileCol) return;
    values.set(name, rowOf.map((r) => {
      const v = r === undefined ? '' : (table.rows[r][c] ?? '').trim();
      return v === '' ? undefined : v;
    }));
  });
  return {
    file: table.file,
    columns: [...values.keys()],
    ...(table.patientCol !== undefined ? { patientColumn: table.columns[table.patientCol] } : {}),
    values,
  };
}

export function compilePatientPattern(pattern: string): RegExp {
  const problem = patientPatternProblem(pattern);
  if (problem) throw new DatasetError(`The patient pattern ${pattern} ${problem}.`);
  return new RegExp(pattern);
}

/** What is wrong with a patient pattern ("is not a valid regular expression (…)", "needs a capture group …"), or undefined. */
export function patientPatternProblem(pattern: string): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (e) {
    return `is not a valid regular expression (${e instanceof Error ? e.message : String(e)})`;
  }
  if (new RegExp(`${re.source}|`).exec('')!.length < 2) return 'needs a capture group, e.g. (person\\d+), whose match is the patient id';
  return undefined;
}

interface MetadataTable {
  /** Absolute path of metadata.csv. */
  file: string;
  /** Header names as written (trimmed), made unique. */
  columns: string[];
  /** Data rows (the header left out). */
  rows: string[][];
  fileCol: number;
  patientCol?: number;
  /** The row that names this image, or undefined. */
  lookup(rel: string, inSplitFolder: boolean): number | undefined;
}

async function readMetadataCsv(root: string, issues: HealthIssue[]): Promise<MetadataTable | undefined> {
  const names = await fs.readdir(root).catch(() => [] as string[]);
  const name = names.find((n) => n.toLowerCase() === 'metadata.csv');
  if (!name) return undefined;
  const file = path.join(root, name);
  let all: string[][];
  try {
    all = parseCsv(await fs.readFile(file, 'utf8'));
  } catch (e) {
    issues.push({ severity: 'warning', kind: 'metadata-unreadable', message: `metadata.csv could not be read (${e instanceof Error ? e.message : String(e)}); patients are not known from it.`, file });
    return undefined;
  }
  const columns = uniqueNames((all[0] ?? []).map((h) => h.trim()));
  const header = columns.map((h) => h.toLowerCase());
  const fileCol = FILE_COLUMNS.map((c) => header.indexOf(c)).find((i) => i >= 0);
  const patientCol = PATIENT_COLUMNS.map((c) => header.indexOf(c)).find((i) => i >= 0);
  if (fileCol === undefined || patientCol === undefined) {
    issues.push({ severity: 'info', kind: 'metadata-no-patient', message: `metadata.csv has no ${fileCol === undefined ? 'file/path' : 'patient'} column, so it is not used for patient ids.`, file });
    if (fileCol === undefined) return undefined;
  }
  const rows = all.slice(1);
  const byPath = new Map<string, number>();
  const byBase = new Map<string, number | null>(); // null: the bare name is ambiguous
  rows.forEach((r, i) => {
    const key = normaliseRel(r[fileCol] ?? '');
    if (!key) return;
    byPath.set(key, i);
    const base = path.posix.basename(key);
    byBase.set(base, byBase.has(base) ? null : i);
  });
  return {
    file, columns, rows, fileCol, ...(patientCol !== undefined ? { patientCol } : {}),
    lookup(rel: string, inSplitFolder: boolean): number | undefined {
      const direct = byPath.get(rel);
      if (direct !== undefined) return direct;
      if (inSplitFolder) {
        const inSplit = byPath.get(rel.slice(rel.indexOf('/') + 1)); // train/COVID/a.png -> COVID/a.png
        if (inSplit !== undefined) return inSplit;
      }
      return byBase.get(path.posix.basename(rel)) ?? undefined;
    },
  };
}

/** A repeated header name gets " (2)", " (3)" …; an empty one is "column N". */
function uniqueNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((n, i) => {
    let name = n === '' ? `column ${i + 1}` : n;
    for (let k = 2; seen.has(name); k++) name = `${n} (${k})`;
    seen.add(name);
    return name;
  });
}

function normaliseRel(p: string): string {
  return p.trim().replace(/\\/g, '/').replace(/^\.\//, '').replace(/^\/+/, '');
}
