/**
 * Comparing runs (`cxr-lab compare`, the compare view, the report): the comparison as data — the reference study's
 * table, one row per run tested on the same images, and the paired tests between them — and the words every side
 * prints, so the CLI, the view and the report say the same thing. Plain data and pure functions: no imports but format.
 */
import { formatMetric, formatPercent } from './format';
import type { CheckpointName } from './runFiles/layout';

export interface CompareInterval { low: number; high: number }

/** A value with its 95 % bootstrap interval (from the run's evaluation); null: n/a. */
export interface ValueWithInterval { value: number | null; interval: CompareInterval | null }

export interface ComparisonClass {
  className: string;
  precision: number;
  recall: number;
  f1: ValueWithInterval;
  auc: ValueWithInterval;
  support: number;
  /** false: no image of the class in the evaluated set and never predicted (n/a). */
  present: boolean;
}

/** One run of the table: its evaluation on the test split and what it cost. */
export interface ComparisonRow {
  runDir: string;
  runId: string;
  /** The name it goes by in this comparison: its architecture, with its seed or run id when that is not unique. */
  label: string;
  arch: string;
  seed: number;
  status: string;
  /** The checkpoint that was evaluated, its epoch, and when. */
  checkpoint: { which: CheckpointName; epoch: number; evaluatedAt: string };
  images: number;
  accuracy: ValueWithInterval;
  macroF1: ValueWithInterval;
  macroAuc: ValueWithInterval;
  perClass: ComparisonClass[];
  /** Trainable parameters (run.json). */
  params: number;
  /** Σ of the epochs' seconds (history.jsonl), and how many epochs. */
  trainingSeconds: number;
  epochs: number;
  /** Forward-pass milliseconds per image when evaluating; null: the evaluation predates timing. */
  inferenceMsPerImage: number | null;
  /** Backend of the training (run.json), and of the timed evaluation when it differs. */
  backend: string;
  inferenceBackend?: string;
  /** Sentences about this row: a run still training, an evaluation made now, a stale one. */
  notes: string[];
}

/** A run that is not in the table, and why, in one sentence. */
export interface ExcludedRun { runDir: string; runId?: string; reason: string }

export type PairVerdict = 'no-difference' | 'a-better' | 'b-better' | 'mixed';

/** A − B on the shared images: values, the difference and its interval. */
export interface PairedDifferenceData { a: number | null; b: number | null; difference: number | null; interval: CompareInterval | null }

/** The paired tests of two rows on the images both were tested on. */
export interface PairedTest {
  a: string;
  b: string;
  labelA: string;
  labelB: string;
  images: number;
  /** Images only one of the two was tested on (different splits): left out of the pair. */
  unmatched: number;
  mcnemar: { b: number; c: number; p: number };
  macroF1: PairedDifferenceData;
  macroAuc: PairedDifferenceData;
  bootstrap: { unit: 'patient' | 'image'; clusters: number; resamples: number; confidence: number; seed: number };
  verdict: PairVerdict;
  sentence: string;
}

/** Two runs of the table that could not be paired, and why. */
export interface SkippedPair { a: string; b: string; reason: string }

/** `all`: every pair of rows; `best`: each row against the best (highest macro-F1). */
export type PairingMode = 'all' | 'best';

export interface ComparisonResult {
  createdAt: string;
  split: 'test';
  /** The sweep the runs came from, when one was named. */
  sweep?: { dir: string; id: string };
  /** The classes and dataset every row shares. */
  classes: string[];
  dataset: { root: string; hash: string };
  rows: ComparisonRow[];
  excluded: ExcludedRun[];
  pairing: PairingMode;
  /** The best row by macro-F1 (the reference of `best` pairing). */
  best?: string;
  pairs: PairedTest[];
  skippedPairs: SkippedPair[];
  /** Sentences under the table: how intervals were made, that p-values are not adjusted for multiple comparisons. */
  notes: string[];
  /** Rows that are folds of a cross-validation (`--folds k`): mean ± sd over each group's folds and its pooled out-of-fold metrics. */
  crossValidation?: CrossValidationSummary;
}

/** A metric over the folds of one cross-validation: each fold's value (fold order; null: n/a), their mean and sample sd (n − 1; null below 2 values). */
export interface FoldSpread { values: (number | null)[]; mean: number | null; sd: number | null; n: number }

/**
 * The pooled out-of-fold evaluation of one cross-validation: every fold's test predictions (its held-out images, each
 * image in exactly one fold) concatenated and scored once, with the bootstrap intervals of an evaluation.
 */
export interface PooledOutOfFold {
  images: number;
  /** Distinct patients, when every image's patient is known. */
  patients?: number;
  accuracy: ValueWithInterval;
  macroF1: ValueWithInterval;
  macroAuc: ValueWithInterval;
  perClass: ComparisonClass[];
  bootstrap: { unit: 'patient' | 'image'; clusters: number; resamples: number; confidence: number; seed: number } | null;
}

/** The folds of one architecture (and seed, recipe, dataset) in a cross-validation. */
export interface CrossValidationGroup {
  /** Unique in the comparison; its pairs' `a` / `b`. */
  id: string;
  /** "mobilenetv2", "mobilenetv2 seed 2" when several seeds of it were cross-validated. */
  label: string;
  arch: string;
  seed: number;
  /** k of `--folds k`. */
  folds: number;
  /** The folds in the table, in fold order, with their rows' run ids and labels. */
  runs: { fold: number; runId: string; label: string }[];
  /** Folds 1…k with no row in the table (not trained, failed, left out): the mean and the pooled metrics are over the rest. */
  missing: number[];
  accuracy: FoldSpread;
  macroF1: FoldSpread;
  macroAuc: FoldSpread;
  perClass: { className: string; f1: FoldSpread; auc: FoldSpread }[];
  /** null when the folds' test sets overlap (not one cross-validation), said in `notes`. */
  pooled: PooledOutOfFold | null;
  notes: string[];
}

export interface CrossValidationSummary {
  groups: CrossValidationGroup[];
  pairing: PairingMode;
  /** The group with the highest pooled out-of-fold macro-F1. */
  best?: string;
  /** Paired tests of two groups' pooled out-of-fold predictions (the same images, each predicted by a model that never trained on it). */
  pairs: PairedTest[];
  skippedPairs: SkippedPair[];
  notes: string[];
}

/** "0.879 ± 0.021", "88.1% ± 2.3%"; the value alone from one fold; 'n/a' from none. */
export function formatMeanSd(s: Pick<FoldSpread, 'mean' | 'sd'>, percent = false, digits = 3): string {
  if (s.mean === null || !Number.isFinite(s.mean)) return 'n/a';
  const one = (v: number) => (percent ? formatPercent(v) : formatMetric(v, digits));
  return s.sd === null || !Number.isFinite(s.sd) ? one(s.mean) : `${one(s.mean)} ± ${one(s.sd)}`;
}

/** p < 0.05, and 95 % intervals: the threshold and confidence the sentences use. */
export const SIGNIFICANCE = 0.05;

/** Real minus sign and explicit plus: "−0.012", "+0.004". */
export function formatSigned(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return text;
  return `${value < 0 ? '−' : '+'}${text}`;
}

/** "−0.012 (−0.041 to 0.017)": a difference with its interval. */
export function formatDifference(d: Pick<PairedDifferenceData, 'difference' | 'interval'>): string {
  if (d.difference === null) return 'n/a';
  const iv = d.interval ? ` (${formatSigned(d.interval.low)} to ${formatSigned(d.interval.high)})` : '';
  return `${formatSigned(d.difference)}${iv}`;
}

/** "p = 0.48", "p = 0.012", "p = 0.0031", "p < 0.001". */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return 'p = n/a';
  if (p >= 0.995) return 'p = 1';
  if (p < 0.001) return 'p < 0.001';
  if (p >= 0.1) return `p = ${p.toFixed(2)}`;
  return `p = ${Number(p.toPrecision(2))}`;
}

const excludesZero = (iv: CompareInterval | null) => iv !== null && (iv.low > 0 || iv.high < 0);

/**
 * What the two tests say together. McNemar's test compares error rates, the bootstrap the macro-F1: both beyond chance
 * in the same direction → that model is better; exactly one, or both in opposite directions → mixed; neither → no
 * evidence of a difference. (The AUC difference is reported, not voted: it measures ranking, not the decisions.)
 */
export function pairVerdict(t: Pick<PairedTest, 'mcnemar' | 'macroF1'>): PairVerdict {
  const f1Sig = excludesZero(t.macroF1.interval) && t.macroF1.difference !== null;
  const mcSig = t.mcnemar.p < SIGNIFICANCE && t.mcnemar.b !== t.mcnemar.c;
  if (!f1Sig && !mcSig) return 'no-difference';
  const f1Dir = f1Sig ? Math.sign(t.macroF1.difference!) : 0;
  const mcDir = mcSig ? Math.sign(t.mcnemar.b - t.mcnemar.c) : 0;
  if (f1Sig && mcSig) return f1Dir === mcDir ? (f1Dir > 0 ? 'a-better' : 'b-better') : 'mixed';
  return 'mixed';
}

/**
 * The one sentence: "resnet18 vs densenet121: macro-F1 −0.012 (−0.041 to 0.017), macro AUC +0.004 (−0.010 to 0.019),
 * McNemar p = 0.48 — no evidence of a difference".
 */
export function pairSentence(t: Pick<PairedTest, 'labelA' | 'labelB' | 'mcnemar' | 'macroF1' | 'macroAuc'>): string {
  const verdict = pairVerdict(t);
  const head = `${t.labelA} vs ${t.labelB}: macro-F1 ${formatDifference(t.macroF1)}` +
    (t.macroAuc.difference !== null ? `, macro AUC ${formatDifference(t.macroAuc)}` : '') + `, McNemar ${formatP(t.mcnemar.p)}`;
  const f1Sig = excludesZero(t.macroF1.interval);
  const mcSig = t.mcnemar.p < SIGNIFICANCE;
  let tail: string;
  switch (verdict) {
    case 'no-difference': tail = 'no evidence of a difference'; break;
    case 'a-better': tail = `evidence that ${t.labelA} is better (the macro-F1 interval excludes 0 and p < ${SIGNIFICANCE})`; break;
    case 'b-better': tail = `evidence that ${t.labelB} is better (the macro-F1 interval excludes 0 and p < ${SIGNIFICANCE})`; break;
    default: {
      if (f1Sig && mcSig) tail = 'mixed evidence: the macro-F1 and the error rates point in opposite directions';
      else if (f1Sig) tail = `weak evidence that ${t.macroF1.difference! > 0 ? t.labelA : t.labelB} is better: the macro-F1 interval excludes 0, but McNemar's test finds no difference in errors`;
      else tail = `weak evidence that ${t.mcnemar.b > t.mcnemar.c ? t.labelA : t.labelB} makes fewer errors (p < ${SIGNIFICANCE}), but the macro-F1 interval includes 0`;
    }
  }
  return `${head} — ${tail}`;
}

/**
 * Each run's name in a comparison: its architecture; its architecture and seed when several share the architecture;
 * its run id when those also repeat. A fold of a cross-validation adds " fold i" ("resnet18 fold 2"), so the folds of
 * one architecture are told apart by their fold before their seed.
 */
export function comparisonLabels(runs: readonly { runId: string; arch: string; seed: number; fold?: number }[]): string[] {
  const count = (key: (r: (typeof runs)[number]) => string) => {
    const m = new Map<string, number>();
    for (const r of runs) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
    return (r: (typeof runs)[number]) => m.get(key(r))!;
  };
  const fold = (r: (typeof runs)[number]) => (r.fold === undefined ? '' : ` fold ${r.fold}`);
  const byArch = count((r) => `${r.arch}\u0000${fold(r)}`), byArchSeed = count((r) => `${r.arch}\u0000${r.seed}\u0000${fold(r)}`);
  return runs.map((r) => (byArch(r) === 1 ? `${r.arch}${fold(r)}` : byArchSeed(r) === 1 ? `${r.arch} seed ${r.seed}${fold(r)}` : r.runId));
}

/** "0.933 (0.894–0.963)" for a table cell. */
export function formatValueWithInterval(v: ValueWithInterval, digits = 3): string {
  if (v.value === null) return 'n/a';
  return v.interval ? `${formatMetric(v.value, digits)} (${formatMetric(v.interval.low, digits)}–${formatMetric(v.interval.high, digits)})` : formatMetric(v.value, digits);
}

/** "11.2 M", "2.2 M", "860 k": parameters at a glance. */
export function formatParams(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return 'n/a';
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 1 : 2)} M`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} k`;
  return String(n);
}

/** Milliseconds per image: "3.4 ms", "n/a". */
export function formatMsPerImage(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'n/a';
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** What `cxr-lab report` (the report job) wrote. */
export interface ReportResult {
  /** The report file. */
  out: string;
  format: 'html' | 'markdown';
  /** Markdown only: the PNG files beside it. */
  figures: string[];
  bytes: number;
  /** The run folders in the report's table. */
  runs: string[];
  /** Sentences the reader should know at once (runs left out, still training, figures missing). */
  warnings: string[];
}
