/**
 * Cross-validation in a comparison (`--folds k`): the table's rows that are folds of one architecture × seed × recipe
 * on one dataset form a group. Each group gets the mean ± sd over its folds of accuracy, macro-F1, macro AUC and the
 * per-class F1 and AUC (each fold scored on its own held-out test set), and its pooled out-of-fold evaluation: every
 * fold's test predictions — its held-out patients, so together each image once — concatenated and scored once by the
 * evaluation's own code (scorePredictions: the metrics and their patient bootstrap intervals). Folds of one group are
 * never paired (different images: pairs.ts says so); two groups' pooled predictions cover the same images, so those
 * are paired with the same tests as runs.
 */
import type {
  ComparisonRow, CrossValidationGroup, CrossValidationSummary, FoldSpread, PairedTest, PairingMode, PooledOutOfFold, SkippedPair,
} from '../../shared/compare';
import type { EvalFile, Prediction, TrainConfig } from '../../shared/runFiles';
import { BOOTSTRAP_RESAMPLES } from '../metrics/bootstrap';
import { scorePredictions } from '../metrics/scorePredictions';
import { isSkipped, pairedTest, pairsToTest, type PairSide } from './pairs';
import { evaluationNumbers } from './rows';

/** A row of the table that is a fold: its numbers, its run's recipe and data, its test predictions. */
export interface FoldRun {
  row: Pick<ComparisonRow, 'runId' | 'label' | 'arch' | 'seed' | 'accuracy' | 'macroF1' | 'macroAuc' | 'perClass'>;
  config: Pick<TrainConfig, 'arch' | 'seed' | 'folds' | 'fold'> & Partial<TrainConfig>;
  datasetHash: string;
  evaluation: Pick<EvalFile, 'classes' | 'predictions'>;
  /** Each test image's patient by file, when the evaluation does not carry it. */
  patients?: ReadonlyMap<string, string>;
}

export interface CrossValidationOptions {
  /** Bootstrap resamples of the pooled metrics and of the paired tests (default 2000). */
  resamples?: number;
  /** Default: every pair up to `allPairsUpTo` groups, else each against the best. */
  pairing?: PairingMode;
  allPairsUpTo?: number;
  /** Called before each pooled scoring and each paired test (progress). */
  onStep?: (done: number, total: number, message: string) => void;
}

/**
 * The group a run belongs to: its recipe without the fold (and the micro-batch, which gradient accumulation makes no
 * difference to) and its dataset; undefined for a run that is not a fold of a cross-validation.
 */
export function foldGroupKey(config: FoldRun['config'], datasetHash: string): string | undefined {
  if (config.folds === undefined || config.fold === undefined) return undefined;
  const { fold: _fold, microBatch: _micro, ...recipe } = config;
  const entries = Object.entries(recipe).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([entries, datasetHash]);
}

/** Mean and sample standard deviation (n − 1, numpy's `std(ddof=1)`) of the values that exist. */
export function foldSpread(values: readonly (number | null)[]): FoldSpread {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const n = xs.length;
  const mean = n > 0 ? xs.reduce((s, v) => s + v, 0) / n : null;
  const sd = n >= 2 ? Math.sqrt(xs.reduce((s, v) => s + (v - mean!) ** 2, 0) / (n - 1)) : null;
  return { values: [...values], mean, sd, n };
}

/** The pooled predictions and their scores; or why there are none. */
export type PooledResult = { pooled: PooledOutOfFold; predictions: Prediction[]; patients?: Map<string, string> } | { why: string };

/**
 * Every fold's test predictions concatenated (fold order) and scored once. Refused when an image is in two folds'
 * test sets: those runs are not the folds of one cross-validation.
 */
export function pooledOutOfFold(folds: readonly FoldRun[], classes: readonly string[], seed: number, resamples = BOOTSTRAP_RESAMPLES): PooledResult {
  const predictions: Prediction[] = [];
  const seen = new Set<string>();
  let twice = 0;
  for (const f of folds) {
    for (const p of f.evaluation.predictions) {
      if (seen.has(p.file)) { twice++; continue; }
      seen.add(p.file);
      const patient = p.patient ?? f.patients?.get(p.file);
      predictions.push({ ...p, ...(patient !== undefined ? { patient } : {}) });
    }
  }
  if (twice > 0) return { why: `${twice} image${twice === 1 ? ' is' : 's are'} in the test sets of two folds: these runs are not the folds of one cross-validation, so no pooled out-of-fold metrics.` };
  if (predictions.length === 0) return { why: 'its folds have no test prediction: no pooled out-of-fold metrics.' };
  const patients = predictions.every((p) => p.patient !== undefined) ? predictions.map((p) => p.patient!) : undefined;
  const scored = scorePredictions({
    labels: predictions.map((p) => p.label), probabilities: predictions.map((p) => [...p.probabilities]), classes: [...classes], seed, resamples,
    ...(patients ? { patients } : {}),
  });
  const numbers = evaluationNumbers({ accuracy: scored.report.accuracy, macro: scored.report.macro, perClass: scored.report.perClass, metrics: scored.metrics, intervals: scored.intervals });
  const b = scored.bootstrap;
  const pooled: PooledOutOfFold = {
    images: predictions.length, ...(patients ? { patients: new Set(patients).size } : {}), ...numbers,
    bootstrap: b ? { unit: b.unit, clusters: b.clusters, resamples: b.resamples, confidence: b.confidence, seed: b.seed } : null,
  };
  return {
    pooled,
    predictions: predictions.map((p, i) => ({ ...p, predicted: scored.predicted[i] })),
    ...(patients ? { patients: new Map(predictions.map((p, i) => [p.file, patients[i]])) } : {}),
  };
}

/** Each group's name: its architecture, with its seed when several groups share it, else its first fold's run id without "-fold<i>". */
function groupLabels(groups: readonly { arch: string; seed: number; firstRunId: string }[]): string[] {
  const count = (key: (g: (typeof groups)[number]) => string) => (g: (typeof groups)[number]) => groups.filter((x) => key(x) === key(g)).length;
  const byArch = count((g) => g.arch), byArchSeed = count((g) => `${g.arch}\u0000${g.seed}`);
  const labels = groups.map((g) => (byArch(g) === 1 ? g.arch : byArchSeed(g) === 1 ? `${g.arch} seed ${g.seed}` : g.firstRunId.replace(/[-_]?fold\d+$/, '')));
  return labels.map((l, i) => (labels.indexOf(l) === i ? l : `${l} (${i + 1})`));
}

interface Gathered { key: string; runs: FoldRun[] }

/** The cross-validation summary of the table's fold rows; undefined when no row is a fold. */
export function crossValidationSummary(rows: readonly FoldRun[], o: CrossValidationOptions = {}): CrossValidationSummary | undefined {
  const gathered: Gathered[] = [];
  for (const r of rows) {
    const key = foldGroupKey(r.config, r.datasetHash);
    if (key === undefined) continue;
    const g = gathered.find((x) => x.key === key);
    if (g) g.runs.push(r);
    else gathered.push({ key, runs: [r] });
  }
  if (gathered.length === 0) return undefined;
  const classes = rows[0].evaluation.classes;
  const resamples = o.resamples ?? BOOTSTRAP_RESAMPLES;
  const labels = groupLabels(gathered.map((g) => ({ arch: g.runs[0].config.arch, seed: g.runs[0].config.seed, firstRunId: g.runs[0].row.runId })));
  const steps = gathered.length;

  const groups: CrossValidationGroup[] = [];
  const sides = new Map<string, PairSide>();
  for (const [gi, g] of gathered.entries()) {
    const label = labels[gi], k = g.runs[0].config.folds!;
    o.onStep?.(gi, steps, `${label}: pooling ${g.runs.length} folds`);
    const notes: string[] = [];
    // One run per fold, in fold order (a second run of a fold — a copy, a rerun — is named and left out).
    const byFold = new Map<number, FoldRun>();
    for (const r of [...g.runs].sort((a, b) => a.config.fold! - b.config.fold!)) {
      const held = byFold.get(r.config.fold!);
      if (held) notes.push(`${r.row.label}: fold ${r.config.fold} is also ${held.row.label}; the mean and the pooled metrics use ${held.row.label} only.`);
      else byFold.set(r.config.fold!, r);
    }
    const folds = [...byFold.values()];
    const missing = Array.from({ length: k }, (_, i) => i + 1).filter((f) => !byFold.has(f));
    if (missing.length) {
      notes.push(`${folds.length} of ${k} folds are in the table (fold${missing.length === 1 ? '' : 's'} ${missing.join(', ')} missing): the mean ± sd and the pooled out-of-fold metrics are over ${folds.length === 1 ? 'that fold' : 'those folds'} only, not every image.`);
    }
    const spread = (pick: (r: FoldRun) => number | null) => foldSpread(folds.map(pick));
    const pooled = pooledOutOfFold(folds, classes, folds[0].config.seed, resamples);
    if ('why' in pooled) notes.push(pooled.why);
    const group: CrossValidationGroup = {
      id: label, label, arch: folds[0].config.arch, seed: folds[0].config.seed, folds: k,
      runs: folds.map((r) => ({ fold: r.config.fold!, runId: r.row.runId, label: r.row.label })), missing,
      accuracy: spread((r) => r.row.accuracy.value), macroF1: spread((r) => r.row.macroF1.value), macroAuc: spread((r) => r.row.macroAuc.value),
      perClass: classes.map((className, c) => ({ className, f1: spread((r) => r.row.perClass[c]?.f1.value ?? null), auc: spread((r) => r.row.perClass[c]?.auc.value ?? null) })),
      pooled: 'why' in pooled ? null : pooled.pooled, notes,
    };
    groups.push(group);
    if (!('why' in pooled)) {
      sides.set(group.id, {
        runId: group.id, label, seed: group.seed, evaluation: { classes, predictions: pooled.predictions }, ...(pooled.patients ? { patients: pooled.patients } : {}),
      });
    }
  }

  const pooledGroups = groups.filter((g) => g.pooled !== null).map((g) => ({ ...g, runId: g.id }));
  const best = pooledGroups.reduce<(typeof pooledGroups)[number] | undefined>((b, g) => (g.pooled!.macroF1.value !== null && (!b || g.pooled!.macroF1.value > (b.pooled!.macroF1.value ?? -Infinity)) ? g : b), undefined);
  const pairing = o.pairing ?? (pooledGroups.length <= (o.allPairsUpTo ?? 4) ? 'all' : 'best');
  const pairs: PairedTest[] = [], skippedPairs: SkippedPair[] = [];
  for (const [a, b] of pairsToTest(pooledGroups, pairing, best?.id)) {
    o.onStep?.(steps, steps, `pooled ${a.label} vs ${b.label}`);
    const t = pairedTest(sides.get(a.id)!, sides.get(b.id)!, { resamples });
    if (isSkipped(t)) skippedPairs.push(t);
    else pairs.push(t);
  }
  return { groups, pairing, ...(best ? { best: best.id } : {}), pairs, skippedPairs, notes: crossValidationNotes(groups, pairs, resamples) };
}

function crossValidationNotes(groups: readonly CrossValidationGroup[], pairs: readonly PairedTest[], resamples: number): string[] {
  const unit = groups.some((g) => g.pooled?.bootstrap?.unit === 'patient') ? 'patients' : 'images';
  const notes = [
    'Mean ± sd: over each cross-validation\'s folds, each fold scored on its own held-out test set; sd is the sample standard deviation (n − 1) — the spread of one fold\'s score, not an interval of the mean.',
    `Pooled out-of-fold: every fold's test predictions (each image held out by exactly one fold) concatenated and scored once; 95 % percentile bootstrap of ${resamples} resamples of the ${unit}.`,
    'Folds of one cross-validation are tested on different images: they are not paired with each other.',
  ];
  if (pairs.length > 0) notes.push('Paired tests of two cross-validations: their pooled out-of-fold predictions on the same images (McNemar\'s exact test and the paired bootstrap, as for runs).');
  if (pairs.length > 1) notes.push(`The p-values are not adjusted for the ${pairs.length} comparisons (Bonferroni: p < ${(0.05 / pairs.length).toPrecision(2)}).`);
  return notes;
}
