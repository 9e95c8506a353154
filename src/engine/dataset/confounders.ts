/**
 * The confounding check: a metadata.csv column (source, site, scanner, sex …) that predicts the class lets a model
 * learn the column instead of the finding. Pure functions over metadata values per image.
 *
 * A column is reported when
 *   - Cramér's V of the contingency table column value × class is at least CRAMERS_V_THRESHOLD (0.5). It is the
 *     bias-UNcorrected V, sqrt(chi² / (n · (min(rows, columns) − 1))), over the images that have a value — the same
 *     as scipy.stats.contingency.association(table, method='cramer'); or
 *   - the images of a class (at least MIN_SHARED_IMAGES of them) all share one value of the column.
 * Candidates are the columns left once these are set aside: the label column (its values are the class names, or it
 * is named label/class/… and splits the images as the classes do), file/path columns, identifier-like columns (the
 * patient id column, any column with more distinct values than half its rows) and constant columns. Columns that
 * split the images exactly as another one does — the same partition of the images, whatever the values are called
 * (source 'kermany' ⇔ license 'CC BY 4.0 …') — are one group, checked and reported once under its first column, the
 * others named as equivalents.
 */
import type { Confounder } from '../../shared/runFiles';
import type { DatasetMetadata, HealthIssue } from './types';

export type { Confounder };

export const CRAMERS_V_THRESHOLD = 0.5;
/** A class is said to share one value only from this many images on: on two or three images it says little. */
export const MIN_SHARED_IMAGES = 5;

/** Why a column is, or is not, a candidate for the check and the subgroups. */
export type ColumnRole = 'candidate' | 'label' | 'file' | 'identifier' | 'constant';

export interface ColumnGroup {
  /** The group's first column (file order): the one reported, whose values name the subgroups. */
  column: string;
  /** Other columns that split the images exactly as `column` does. */
  equivalents: string[];
  /** The column's value per image of the set (undefined: none). */
  values: (string | undefined)[];
}

const FILE_NAMES = /^(file|path|filepath|file_path|filename|file_name|image|image_path|image_id|rel|url|uri)$|(^|[_\s.-])(path|file|filename|url|uri)([_\s.-]|$)/i;
const LABEL_NAMES = /^(label|labels|class|class_name|classname|target|y|diagnosis|finding|findings|category)$/i;
const PATIENT_NAMES = /^(patient|patient_id|patientid|patient id|subject|subject_id|subjectid)$/i;
const IMAGE_FILE = /\.(png|jpe?g|tiff?|webp|bmp|dcm|gif)$/i;
/** Column names read as "… come from <column> 'x'" rather than "… have <column> 'x'". */
const ORIGIN_NAMES = /source|site|hospital|origin|repo|institution|cent(er|re)|scanner|device|dataset|vendor|manufacturer/i;

/**
 * The role of each metadata column, judged on the images given (`rows`: item indices into `meta.values`, default
 * all) whose classes are `classNames[i]` (per item index).
 */
export function columnRoles(meta: Pick<DatasetMetadata, 'columns' | 'values' | 'patientColumn'>, classNames: readonly string[],
  rows?: readonly number[]): Map<string, ColumnRole> {
  const idx = rows ?? classNames.map((_, i) => i);
  const classKey = partitionKey(idx.map((i) => classNames[i]));
  const roles = new Map<string, ColumnRole>();
  for (const column of meta.columns) {
    const all = meta.values.get(column) ?? [];
    const values = idx.map((i) => all[i]);
    const present = values.filter((v): v is string => v !== undefined);
    const distinct = new Set(present).size;
    let role: ColumnRole = 'candidate';
    if (FILE_NAMES.test(column) || (present.length > 0 && present.filter((v) => IMAGE_FILE.test(v)).length >= 0.9 * present.length)) role = 'file';
    else if (present.length > 0 && idx.every((i, k) => values[k] === undefined || values[k]!.toLowerCase() === classNames[i].toLowerCase())) role = 'label';
    else if (LABEL_NAMES.test(column) && partitionKey(values) === classKey) role = 'label';
    else if (column === meta.patientColumn || PATIENT_NAMES.test(column) || distinct > present.length / 2) role = 'identifier';
    else if (distinct < 2) role = 'constant';
    roles.set(column, role);
  }
  return roles;
}

/**
 * A canonical form of the partition a list of values makes: each value replaced by the order of its first
 * appearance (undefined, no value, is a value of its own). Two columns split the images the same way exactly when
 * their keys are equal, whatever their values are called.
 */
export function partitionKey(values: readonly (string | undefined)[]): string {
  const ordinal = new Map<string | undefined, number>();
  return values.map((v) => {
    let o = ordinal.get(v);
    if (o === undefined) { o = ordinal.size; ordinal.set(v, o); }
    return o;
  }).join(',');
}

/** The `columns` (in their order) grouped by the partition of the `rows` they make; values restricted to `rows`. */
export function groupEquivalentColumns(values: ReadonlyMap<string, readonly (string | undefined)[]>, columns: readonly string[],
  rows: readonly number[]): ColumnGroup[] {
  const groups: ColumnGroup[] = [];
  const byKey = new Map<string, ColumnGroup>();
  for (const column of columns) {
    const all = values.get(column) ?? [];
    const v = rows.map((i) => all[i]);
    const key = partitionKey(v);
    const group = byKey.get(key);
    if (group) group.equivalents.push(column);
    else {
      const g: ColumnGroup = { column, equivalents: [], values: v };
      byKey.set(key, g);
      groups.push(g);
    }
  }
  return groups;
}

/** Bias-uncorrected Cramér's V of a contingency table (rows: values, columns: classes); empty rows and columns are dropped; 0 when fewer than 2 remain either way. */
export function cramersV(table: readonly (readonly number[])[]): number {
  const rows = table.filter((r) => r.some((x) => x > 0));
  if (rows.length === 0) return 0;
  const cols = rows[0].map((_, j) => j).filter((j) => rows.some((r) => r[j] > 0));
  const k = Math.min(rows.length, cols.length);
  if (k < 2) return 0;
  const rowSum = rows.map((r) => cols.reduce((s, j) => s + r[j], 0));
  const colSum = cols.map((j) => rows.reduce((s, r) => s + r[j], 0));
  const n = rowSum.reduce((s, x) => s + x, 0);
  let chi2 = 0;
  rows.forEach((r, i) => cols.forEach((j, jj) => {
    const expected = (rowSum[i] * colSum[jj]) / n;
    chi2 += (r[j] - expected) ** 2 / expected;
  }));
  return Math.sqrt(chi2 / (n * (k - 1)));
}

/** Whether a column group predicts the class, judged on its values per image and the images' classes (indices into `classes`). */
export function checkColumn(group: ColumnGroup, labels: readonly number[], classes: readonly string[]): Confounder | undefined {
  const { column, equivalents, values } = group;
  const valueNames = [...new Set(values.filter((v): v is string => v !== undefined))].sort();
  if (valueNames.length < 2) return undefined;
  const row = new Map(valueNames.map((v, i) => [v, i]));
  const table = valueNames.map(() => new Array<number>(classes.length).fill(0));
  let images = 0;
  values.forEach((v, i) => { if (v !== undefined) { table[row.get(v)!][labels[i]]++; images++; } });
  const v = cramersV(table);
  const shared: Confounder['shared'] = [];
  classes.forEach((className, c) => {
    const of = values.filter((_, i) => labels[i] === c);
    if (of.length >= MIN_SHARED_IMAGES && of[0] !== undefined && of.every((x) => x === of[0])) shared.push({ className, value: of[0], count: of.length });
  });
  if (v < CRAMERS_V_THRESHOLD && shared.length === 0) return undefined;
  return { column, equivalents: [...equivalents], cramersV: v, images, shared, message: confounderSentence(column, equivalents, v, images, shared) };
}

function confounderSentence(column: string, equivalents: readonly string[], v: number, images: number, shared: Confounder['shared']): string {
  const verb = ORIGIN_NAMES.test(column) ? `come from ${column}` : `have ${column}`;
  const sharedText = shared.map((s) => `${s.className}: all ${s.count} images ${verb} '${s.value}'`).join('; ');
  const vText = `${column} predicts the class with Cramér's V ${v.toFixed(2)}${shared.length ? '' : ` over ${images} images`}`;
  const what = v >= CRAMERS_V_THRESHOLD ? (shared.length ? `${sharedText}, and ${vText}` : vText) : sharedText;
  const same = equivalents.length ? ` (${equivalents.join(', ')} split the images the same way)` : '';
  return `${what} — a model can learn the ${column} instead of the finding${same}.`;
}

/**
 * The confounders among a set of images: `rows` are item indices into `meta.values` (default all), `labels[i]` the
 * class index of item i. `candidates` (default: the columns whose role on these images is 'candidate') lets an
 * evaluation judge the roles on the whole dataset and the confounding on its own images.
 */
export function findConfounders(meta: Pick<DatasetMetadata, 'columns' | 'values' | 'patientColumn'>, labels: readonly number[],
  classes: readonly string[], opts: { rows?: readonly number[]; candidates?: readonly string[] } = {}): Confounder[] {
  const rows = opts.rows ?? labels.map((_, i) => i);
  const candidates = opts.candidates ?? candidateColumns(meta, labels.map((l) => classes[l]), rows);
  const rowLabels = rows.map((i) => labels[i]);
  return groupEquivalentColumns(meta.values, candidates, rows)
    .map((g) => checkColumn(g, rowLabels, classes))
    .filter((c): c is Confounder => c !== undefined);
}

/** The columns that are neither the label, a file/path, an identifier nor constant, in file order. */
export function candidateColumns(meta: Pick<DatasetMetadata, 'columns' | 'values' | 'patientColumn'>, classNames: readonly string[],
  rows?: readonly number[]): string[] {
  return [...columnRoles(meta, classNames, rows)].filter(([, r]) => r === 'candidate').map(([c]) => c);
}

/** The scan's health issues: one warning per confounding column, on metadata.csv (so it reaches the Problems panel). */
export function confounderIssues(meta: DatasetMetadata, labels: readonly number[], classes: readonly string[]): HealthIssue[] {
  return findConfounders(meta, labels, classes).map((c) => ({
    severity: 'warning', kind: 'confounder', message: c.message, file: meta.file,
    ...(c.shared.length === 1 ? { className: c.shared[0].className } : {}),
  }));
}
