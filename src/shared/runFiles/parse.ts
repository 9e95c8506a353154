/**
 * Parsing run files: JSON text -> typed value through the file's schema, or a RunFileError whose message is one
 * sentence naming the file and the first bad field. Pure (no fs): the webview-safe half of the readers.
 */
import type { z } from 'zod';
import { checkpointMetaFileSchema, optimizerFileSchema, trainerStateFileSchema, type CheckpointMeta, type OptimizerFile, type TrainerState } from './checkpoint';
import { camFileSchema, type CamFile } from './cam';
import { faithfulnessFileSchema, type FaithfulnessFile } from './faithfulness';
import { auditFileSchema, type AuditFile } from './audit';
import { ensembleFileSchema, type EnsembleFile } from './ensemble';
import { evalFileSchema, type EvalFile } from './evaluation';
import { epochRecordSchema, type EpochRecord } from './history';
import { RUN_LAYOUT_VERSION } from './layout';
import { runLockSchema, type RunLock } from './lock';
import { runInfoSchema, type RunInfo } from './run';
import { splitFileSchema, type SplitRecord } from './split';
import { sweepFileSchema, type SweepFile } from './sweep';
import { lrFindFileSchema, type LrFindFile } from './lrFind';
import { tuneFileSchema, type TuneFile } from './tune';

/** A run file that cannot be used: unreadable JSON, a bad field, or a newer layout. */
export class RunFileError extends Error {
  constructor(readonly file: string, message: string, readonly field?: string) {
    super(message);
    this.name = 'RunFileError';
  }
}

/** `where` names the part of the file, e.g. "line 3" of history.jsonl. */
function check<S extends z.ZodType>(schema: S, value: unknown, fileName: string, where?: string): z.output<S> {
  const at = where ? ` on ${where}` : '';
  const format = isRecord(value) ? value.format : undefined;
  if (typeof format === 'number' && format > RUN_LAYOUT_VERSION) {
    throw new RunFileError(fileName,
      `Cannot read ${fileName}: it was written by a newer CXR Lab (format ${format}); this version reads format ${RUN_LAYOUT_VERSION}.`, 'format');
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue.path.length === 0) {
    throw new RunFileError(fileName, `Cannot read ${fileName}: expected ${expectedText(issue)}${at}, found ${describe(value)}.`);
  }
  const field = fieldName(issue.path);
  const actual = valueAt(value, issue.path);
  throw new RunFileError(fileName, `Cannot read ${fileName}: field "${field}"${at} ${problem(issue, actual)}.`, field);
}

function parseJson(text: string, fileName: string, where?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RunFileError(fileName, `Cannot read ${fileName}: ${where ?? 'it'} is not valid JSON (${(e as Error).message.replace(/\.$/, '')}).`);
  }
}

/** Parse one JSON run file with its schema. */
export function parseRunFile<S extends z.ZodType>(schema: S, text: string, fileName: string): z.output<S> {
  return check(schema, parseJson(text, fileName), fileName);
}

export function parseRunInfo(text: string, fileName: string): RunInfo {
  return parseRunFile(runInfoSchema, text, fileName);
}

/** Checkpoint meta without the file's `format`. */
export function parseCheckpointMeta(text: string, fileName: string): CheckpointMeta {
  const { format: _format, ...meta } = parseRunFile(checkpointMetaFileSchema, text, fileName);
  return meta;
}

export function parseTrainerState(text: string, fileName: string): TrainerState {
  const { format: _format, ...state } = parseRunFile(trainerStateFileSchema, text, fileName);
  return state;
}

export function parseOptimizerFile(text: string, fileName: string): OptimizerFile {
  return parseRunFile(optimizerFileSchema, text, fileName);
}

/** file -> split, without the file's `format`. */
export function parseSplit(text: string, fileName: string): SplitRecord {
  const { format: _format, ...files } = parseRunFile(splitFileSchema, text, fileName);
  return files as SplitRecord;
}

export function parseEvalFile(text: string, fileName: string): EvalFile {
  return parseRunFile(evalFileSchema, text, fileName);
}

/** An ensemble folder's ensemble.json. */
export function parseEnsembleFile(text: string, fileName: string): EnsembleFile {
  return parseRunFile(ensembleFileSchema, text, fileName);
}

/** A sweep folder's sweep.json. */
export function parseSweepFile(text: string, fileName: string): SweepFile {
  return parseRunFile(sweepFileSchema, text, fileName);
}

/** lr-find.json of an LR finder folder. */
export function parseLrFindFile(text: string, fileName: string): LrFindFile {
  return parseRunFile(lrFindFileSchema, text, fileName);
}

/** A tune folder's tune.json. */
export function parseTuneFile(text: string, fileName: string): TuneFile {
  return parseRunFile(tuneFileSchema, text, fileName);
}

export function parseRunLock(text: string, fileName: string): RunLock {
  return parseRunFile(runLockSchema, text, fileName);
}

export function parseCamFile(text: string, fileName: string): CamFile {
  return parseRunFile(camFileSchema, text, fileName);
}

export function parseFaithfulnessFile(text: string, fileName: string): FaithfulnessFile {
  return parseRunFile(faithfulnessFileSchema, text, fileName);
}

export function parseAuditFile(text: string, fileName: string): AuditFile {
  return parseRunFile(auditFileSchema, text, fileName);
}

/**
 * One EpochRecord per line. A last line without its newline that does not parse is one being written
 * (readers may run while a writer appends): it is left out; any other bad line is an error.
 */
export function parseHistory(text: string, fileName: string): EpochRecord[] {
  const lines = text.split('\n');
  const rows: EpochRecord[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    const where = `line ${i + 1}`;
    try {
      rows.push(check(epochRecordSchema, parseJson(line, fileName, where), fileName, where));
    } catch (e) {
      if (i === lines.length - 1) break; // unterminated last line: still being written
      throw e;
    }
  }
  return rows;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((name, key) => (typeof key === 'number' ? `${name}[${key}]` : name ? `${name}.${String(key)}` : String(key)), '');
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function withArticle(type: string): string {
  return type === 'null' ? 'null' : /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function expectedText(issue: z.core.$ZodIssue): string {
  return issue.code === 'invalid_type' ? withArticle(issue.expected) : 'a JSON object';
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string': return `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    case 'number': case 'boolean': return `${withArticle(typeof v)} (${String(v)})`;
    case 'object': return 'an object';
    default: return String(v);
  }
}

function problem(issue: z.core.$ZodIssue, actual: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return actual === undefined ? 'is missing' : `should be ${withArticle(issue.expected)}, not ${describe(actual)}`;
    case 'invalid_value':
      return `should be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, not ${actual === undefined ? 'missing' : JSON.stringify(actual)}`;
    default:
      return `is invalid (${issue.message})`;
  }
}
