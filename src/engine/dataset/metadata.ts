/**
 * Patient ids, so the split can keep every image of one patient on one side. Sources, first that applies:
 * the dataset's own metadata.csv (a file/path column + a patient column), a user regex on the file name,
 * else each file is its own group.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DatasetError } from './errors';
import type { HealthIssue, ImageItem } from './types';

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
}

/**
 * Set `patient` on every item. `rel` keys are matched against metadata.csv's file column as written, then
 * without the leading train/val/test folder, then by bare file name when that name is unique in the csv.
 */
export async function assignPatients(root: string, items: ImageItem[], patientPattern?: string): Promise<PatientResult> {
  const issues: HealthIssue[] = [];
  for (const it of items) it.patient = it.rel;
  const table = await readMetadataCsv(root, issues);
  if (table) {
    let matched = 0;
    for (const it of items) {
      const p = table.lookup(it.rel, it.presetSplit !== undefined);
      if (p !== undefined) { it.patient = p; matched++; }
    }
    if (matched > 0) {
      const missing = items.length - matched;
      if (missing > 0) issues.push({ severity: 'info', kind: 'patient-unknown', message: `${missing} of ${items.length} images have no patient id in metadata.csv; each of them is treated as its own patient.` });
      return { source: 'metadata.csv', issues };
    }
    issues.push({ severity: 'warning', kind: 'metadata-unmatched', message: `metadata.csv has a patient column but none of its ${table.rows} rows name an image found in the class folders.` });
  }
  if (patientPattern !== undefined && patientPattern !== '') {
    const re = compilePatientPattern(patientPattern);
    let missing = 0;
    for (const it of items) {
      const m = re.exec(path.posix.basename(it.rel));
      if (m && m[1]) it.patient = m[1]; // a captured id has no "/", so it cannot collide with a rel fallback
      else missing++;
    }
    if (missing > 0) issues.push({ severity: 'info', kind: 'patient-unknown', message: `${missing} of ${items.length} file names do not match the patient pattern ${patientPattern}; each of them is treated as its own patient.` });
    return { source: 'pattern', issues };
  }
  return { source: 'none', issues };
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

interface PatientTable {
  rows: number;
  lookup(rel: string, inSplitFolder: boolean): string | undefined;
}

async function readMetadataCsv(root: string, issues: HealthIssue[]): Promise<PatientTable | undefined> {
  const names = await fs.readdir(root).catch(() => [] as string[]);
  const name = names.find((n) => n.toLowerCase() === 'metadata.csv');
  if (!name) return undefined;
  let rows: string[][];
  try {
    rows = parseCsv(await fs.readFile(path.join(root, name), 'utf8'));
  } catch (e) {
    issues.push({ severity: 'warning', kind: 'metadata-unreadable', message: `metadata.csv could not be read (${e instanceof Error ? e.message : String(e)}); patients are not known from it.`, file: path.join(root, name) });
    return undefined;
  }
  const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
  const fileCol = FILE_COLUMNS.map((c) => header.indexOf(c)).find((i) => i >= 0);
  const patientCol = PATIENT_COLUMNS.map((c) => header.indexOf(c)).find((i) => i >= 0);
  if (fileCol === undefined || patientCol === undefined) {
    issues.push({ severity: 'info', kind: 'metadata-no-patient', message: `metadata.csv has no ${fileCol === undefined ? 'file/path' : 'patient'} column, so it is not used for patient ids.`, file: path.join(root, name) });
    return undefined;
  }
  const byPath = new Map<string, string>();
  const byBase = new Map<string, string | null>(); // null: the bare name is ambiguous
  for (const r of rows.slice(1)) {
    const key = normaliseRel(r[fileCol] ?? '');
    const patient = (r[patientCol] ?? '').trim();
    if (!key || !patient) continue;
    byPath.set(key, patient);
    const base = path.posix.basename(key);
    byBase.set(base, byBase.has(base) ? null : patient);
  }
  return {
    rows: rows.length - 1,
    lookup(rel: string, inSplitFolder: boolean): string | undefined {
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

function normaliseRel(p: string): string {
  return p.trim().replace(/\\/g, '/').replace(/^\.\//, '').replace(/^\/+/, '');
}
