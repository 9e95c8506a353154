/**
 * `cxr-lab compare` and the compare view: runs (or a sweep) side by side on their test split — the reference study's
 * table — and paired tests between them. Each run is compared at its best checkpoint's test evaluation; a run without
 * one (or with one of an older best checkpoint) is evaluated first, with the evaluate job. Only runs with the same
 * classes and dataset share a table (the largest such group; the others are named with why), and only runs tested on
 * the same images are paired (src/engine/compare/pairs.ts). Rows that are folds of a cross-validation also get, per
 * architecture, the mean ± sd over the folds and the pooled out-of-fold metrics (src/engine/compare/crossValidation.ts).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { JobEventSink } from '../../shared/engineProtocol';
import { comparisonLabels, type ComparisonResult, type ComparisonRow, type ExcludedRun, type PairedTest, type PairingMode, type SkippedPair } from '../../shared/compare';
import { judgeLock, runFileReaders, type EpochRecord, type EvalFile, type RunInfo } from '../../shared/runFiles';
import { pidAlive, readTextIfExists } from '../../shared/node/runFs';
import { scanDataset } from '../dataset/scan';
import { CancelledError, RunError } from '../errors';
import { resolveRunSet } from '../compare/runSet';
import { comparisonRow, uniqueRunIds } from '../compare/rows';
import { crossValidationSummary, foldGroupKey } from '../compare/crossValidation';
import { isSkipped, pairedTest, pairsToTest, type PairSide } from '../compare/pairs';
import { BOOTSTRAP_RESAMPLES } from '../metrics/bootstrap';
import { evaluateRun } from './evaluate';

const readers = runFileReaders({ readText: readTextIfExists, join: path.join, toError: (e) => new RunError(e.message) });

/** Rows up to this many are all paired with each other (6 pairs for the reference's four); beyond it, each with the best. */
export const ALL_PAIRS_UP_TO = 4;

export interface CompareOptions {
  /** Run folders and/or sweep folders. */
  runs: string[];
  /** Default: every pair up to ALL_PAIRS_UP_TO rows, else each against the best. */
  pairing?: PairingMode;
  /** Evaluate runs without a current test evaluation (default true); false: leave them out, saying so. */
  evaluate?: boolean;
  /** Bootstrap resamples of the paired tests (default 2000). */
  resamples?: number;
  signal?: AbortSignal;
  emit: JobEventSink;
}

/** A run of the table with the files the report reads again. */
export interface ComparedRun { runDir: string; info: RunInfo; history: EpochRecord[]; evaluation: EvalFile; row: ComparisonRow }

export interface Comparison { result: ComparisonResult; runs: ComparedRun[] }

/** Where a run that says 'running' really is: training now (here or on another host), or interrupted. */
async function trainingState(runDir: string, info: RunInfo): Promise<'training' | 'elsewhere' | 'interrupted' | undefined> {
  if (info.status !== 'running') return undefined;
  const lock = await readers.readRunLock(runDir);
  if (!lock) return 'interrupted';
  const verdict = judgeLock(lock, os.hostname(), pidAlive);
  return verdict === 'held' ? 'training' : verdict === 'elsewhere' ? 'elsewhere' : 'interrupted';
}

/** The sentence a row carries about how its run ended (or has not): a run still training is compared at its best so far. */
function statusNote(info: RunInfo, state: Awaited<ReturnType<typeof trainingState>>, bestEpoch: number): string | undefined {
  const of = `${info.epochsDone} of ${info.config.epochs} epochs`;
  switch (state ?? info.status) {
    case 'training': return `Still training (${of} done): compared at its best checkpoint so far (epoch ${bestEpoch}); compare again when it ends.`;
    case 'elsewhere': return `Still training on another host (${of} done): compared at its best checkpoint so far (epoch ${bestEpoch}).`;
    case 'interrupted': return `Interrupted after ${of} (its process is gone): compared at its best checkpoint (epoch ${bestEpoch}); resume it to finish.`;
    case 'cancelled': return `Cancelled after ${of}: compared at its best checkpoint (epoch ${bestEpoch}).`;
    case 'failed': return `Failed after ${of}${info.error ? ` (${info.error})` : ''}: compared at its best checkpoint (epoch ${bestEpoch}).`;
    default: return undefined;
  }
}

interface Candidate { runDir: string; info: RunInfo; history: EpochRecord[]; evaluation: EvalFile; notes: string[] }

export async function compareRunSet(o: CompareOptions): Promise<Comparison> {
  const set = await resolveRunSet(o.runs);
  const excluded: ExcludedRun[] = [...set.excluded];
  const candidates: Candidate[] = [];
  for (const [index, runDir] of set.runs.entries()) {
    if (o.signal?.aborted) throw new CancelledError();
    const info = await readers.readRunInfo(runDir);
    if (!info) { excluded.push({ runDir, reason: `${runDir} has no readable run.json.` }); continue; }
    const best = info.best;
    const state = await trainingState(runDir, info);
    if (!best) {
      excluded.push({ runDir, runId: info.id, reason: state === 'training' || state === 'elsewhere'
        ? `${info.id} is still training and has no checkpoint yet (its first epoch has not ended).`
        : `${info.id} has no best checkpoint (${info.status} before its first epoch ended).` });
      continue;
    }
    const notes: string[] = [];
    const note = statusNote(info, state, best.epoch);
    if (note) notes.push(note);
    let evaluation = await readers.readEvalFile(readers.evalFilePath(runDir, 'test'));
    const stale = evaluation && (evaluation.checkpoint.which !== 'best' || evaluation.checkpoint.epoch !== best.epoch);
    if (!evaluation || stale) {
      if (o.evaluate === false) {
        if (!evaluation) { excluded.push({ runDir, runId: info.id, reason: `${info.id} has no test evaluation: run \`cxr-lab evaluate ${runDir}\` (or compare without --no-evaluate).` }); continue; }
        notes.push(`Its test evaluation is of epoch ${evaluation.checkpoint.epoch}; its best checkpoint is now epoch ${best.epoch} (evaluate it again).`);
      } else {
        try {
          const message = `${info.id} (${index + 1}/${set.runs.length})`;
          await evaluateRun({ runDir, split: 'test', signal: o.signal, emit: (e) => o.emit(e.type === 'progress' ? { ...e, message: e.message ? `${message}: ${e.message}` : message } : e) });
          evaluation = await readers.readEvalFile(readers.evalFilePath(runDir, 'test'));
          notes.push(stale ? 'Evaluated again now: its test evaluation was of an older best checkpoint.' : 'Evaluated now on its test split.');
        } catch (err) {
          if (err instanceof CancelledError || o.signal?.aborted) throw err;
          excluded.push({ runDir, runId: info.id, reason: `${info.id} could not be evaluated: ${(err as Error).message}` });
          continue;
        }
      }
    }
    if (!evaluation) continue;
    candidates.push({ runDir, info, history: await readers.readHistory(runDir), evaluation, notes });
  }

  // One table: the runs sharing the classes and dataset of the largest group (ties: the first run's).
  const keyOf = (c: Candidate) => `${c.evaluation.classes.join('\u0000')}\u0001${c.info.dataset.hash}`;
  const sizes = new Map<string, number>();
  for (const c of candidates) sizes.set(keyOf(c), (sizes.get(keyOf(c)) ?? 0) + 1);
  const tableKey = candidates.reduce<string | undefined>((k, c) => (k === undefined || sizes.get(keyOf(c))! > sizes.get(k)! ? keyOf(c) : k), undefined);
  const table = candidates.filter((c) => keyOf(c) === tableKey);
  const first = table[0];
  for (const c of candidates.filter((x) => keyOf(x) !== tableKey)) {
    const sameClasses = c.evaluation.classes.join('\u0000') === first.evaluation.classes.join('\u0000');
    excluded.push({ runDir: c.runDir, runId: c.info.id, reason: sameClasses
      ? `${c.info.id} was trained on other data (dataset hash ${c.info.dataset.hash.slice(0, 12)}, the table's ${first.info.dataset.hash.slice(0, 12)}): its numbers are not comparable.`
      : `${c.info.id} has other classes (${c.evaluation.classes.join(', ')}; the table's: ${first.evaluation.classes.join(', ')}): its numbers are not comparable.` });
  }

  const ids = uniqueRunIds(table.map((c) => ({ runDir: c.runDir, id: c.info.id })));
  const labels = comparisonLabels(table.map((c, i) => ({ runId: ids[i], arch: c.info.config.arch, seed: c.info.config.seed, ...(foldOf(c.info) !== undefined ? { fold: foldOf(c.info) } : {}) })));
  const runs: ComparedRun[] = table.map((c, i) => ({
    runDir: c.runDir, info: c.info, history: c.history, evaluation: c.evaluation,
    row: comparisonRow({ runDir: c.runDir, runId: ids[i], info: c.info, history: c.history, evaluation: c.evaluation, label: labels[i], notes: c.notes }),
  }));
  const rows = runs.map((r) => r.row);
  const best = rows.reduce<ComparisonRow | undefined>((b, r) => (r.macroF1.value !== null && (!b || r.macroF1.value > (b.macroF1.value ?? -Infinity)) ? r : b), undefined);
  const pairing = o.pairing ?? (rows.length <= ALL_PAIRS_UP_TO ? 'all' : 'best');

  const sides = new Map<string, PairSide>();
  const scans = new Map<string, Promise<Map<string, string> | undefined>>();
  for (const r of runs) {
    const group = foldGroupKey(r.info.config, r.info.dataset.hash);
    sides.set(r.row.runId, {
      runId: r.row.runId, label: r.row.label, evaluation: r.evaluation, patients: await patientsOf(r, scans), seed: r.info.config.seed,
      ...(group !== undefined ? { fold: { group, fold: r.info.config.fold! } } : {}),
    });
  }
  const pairs: PairedTest[] = [], skippedPairs: SkippedPair[] = [];
  const todo = pairsToTest(rows, pairing, best?.runId);
  for (const [i, [a, b]] of todo.entries()) {
    if (o.signal?.aborted) throw new CancelledError();
    o.emit({ type: 'progress', phase: 'paired tests', done: i, total: todo.length, message: `${a.label} vs ${b.label}` });
    const t = pairedTest(sides.get(a.runId)!, sides.get(b.runId)!, { resamples: o.resamples });
    if (isSkipped(t)) skippedPairs.push(t);
    else pairs.push(t);
  }
  if (todo.length) o.emit({ type: 'progress', phase: 'paired tests', done: todo.length, total: todo.length });
  const crossValidation = crossValidationSummary(runs.map((r) => ({
    row: r.row, config: r.info.config, datasetHash: r.info.dataset.hash, evaluation: r.evaluation, patients: sides.get(r.row.runId)!.patients,
  })), { resamples: o.resamples, pairing: o.pairing, allPairsUpTo: ALL_PAIRS_UP_TO, onStep: (done, total, message) => o.emit({ type: 'progress', phase: 'cross-validation', done, total, message }) });

  const result: ComparisonResult = {
    createdAt: new Date().toISOString(), split: 'test', ...(set.sweep ? { sweep: set.sweep } : {}),
    classes: first?.evaluation.classes ?? [], dataset: first ? { root: first.info.dataset.root, hash: first.info.dataset.hash } : { root: '', hash: '' },
    rows, excluded, pairing, ...(best ? { best: best.runId } : {}), pairs, skippedPairs, notes: comparisonNotes(pairs, rows.length, o.resamples),
    ...(crossValidation ? { crossValidation } : {}),
  };
  return { result, runs };
}

/** How the intervals were made, and the multiple-comparisons caveat. */
function comparisonNotes(pairs: readonly PairedTest[], rows: number, resamples = BOOTSTRAP_RESAMPLES): string[] {
  const notes: string[] = [];
  if (rows > 0) notes.push('Each run\'s intervals: 95 % percentile bootstrap of its own evaluation (patients resampled when known).');
  if (pairs.length > 0) {
    const unit = pairs.some((p) => p.bootstrap.unit === 'patient') ? 'patients' : 'images';
    notes.push(`Paired tests: McNemar's exact test (two-sided binomial test on the images exactly one of the two got right: b = only the first, c = only the second) and a paired bootstrap of the differences (${resamples} resamples of the same ${unit} for both runs; 95 % percentile intervals).`);
  }
  if (pairs.length > 1) notes.push(`The p-values are not adjusted for the ${pairs.length} comparisons: at p < 0.05 about one in twenty pairs of equal models looks different by chance (Bonferroni: p < ${(0.05 / pairs.length).toPrecision(2)}).`);
  return notes;
}

/** The fold a run holds out, when it is one of a cross-validation. */
const foldOf = (info: RunInfo): number | undefined => (info.config.folds !== undefined ? info.config.fold : undefined);

/** Each evaluated image's patient: from the eval file, or (older files of a patient-grouped split) from a header-only scan. */
async function patientsOf(r: ComparedRun, scans: Map<string, Promise<Map<string, string> | undefined>>): Promise<Map<string, string> | undefined> {
  const preds = r.evaluation.predictions;
  if (preds.length > 0 && preds.every((p) => p.patient !== undefined)) return new Map(preds.map((p) => [p.file, p.patient!]));
  if (r.info.split.groupedBy !== 'patient') return undefined;
  const key = `${r.info.dataset.root}\u0000${r.info.config.patientPattern ?? ''}`;
  if (!scans.has(key)) {
    scans.set(key, scanDataset(r.info.dataset.root, { classes: r.info.dataset.classes, patientPattern: r.info.config.patientPattern, verify: false })
      .then((scan) => (scan.patientSource === 'none' ? undefined : new Map(scan.items.map((it) => [it.path, it.patient]))), () => undefined));
  }
  return scans.get(key)!;
}
