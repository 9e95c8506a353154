/**
 * Paired tests between two evaluated runs: their predictions matched by image path (only images both were tested on
 * count; the same file must carry the same label in both), then McNemar's exact test on who got each image right
 * and the paired patient-cluster bootstrap of the macro-F1 and macro-AUC differences. A pair that cannot be tested
 * (no image in common, labels that disagree) gets one sentence saying why.
 */
import { pairSentence, pairVerdict, type PairedTest, type PairingMode, type SkippedPair } from '../../shared/compare';
import type { EvalFile } from '../../shared/runFiles';
import { mcnemarExact } from './mcnemar';
import { pairedBootstrap } from './pairedBootstrap';

export interface PairSide {
  runId: string;
  label: string;
  evaluation: Pick<EvalFile, 'classes' | 'predictions'>;
  /** Each evaluated image's patient by file path, when patients are known. */
  patients?: ReadonlyMap<string, string>;
  /** Seeds the bootstrap when this run is the first of a pair. */
  seed: number;
  /** A fold of a cross-validation: its group (architecture × seed × recipe) and which fold it holds out. */
  fold?: { group: string; fold: number };
}

export interface PairOptions { resamples?: number }

/** The pairs to test: every pair of rows (in table order), or each row against `best`. */
export function pairsToTest<T extends { runId: string }>(rows: readonly T[], mode: PairingMode, best?: string): [T, T][] {
  const out: [T, T][] = [];
  if (mode === 'best') {
    const ref = rows.find((r) => r.runId === best) ?? rows[0];
    for (const r of rows) if (r !== ref) out.push([ref, r]);
    return out;
  }
  for (let i = 0; i < rows.length; i++) for (let j = i + 1; j < rows.length; j++) out.push([rows[i], rows[j]]);
  return out;
}

export function pairedTest(a: PairSide, b: PairSide, o: PairOptions = {}): PairedTest | SkippedPair {
  const skip = (reason: string): SkippedPair => ({ a: a.runId, b: b.runId, reason: `${a.label} vs ${b.label}: ${reason}` });
  if (a.evaluation.classes.join('\u0000') !== b.evaluation.classes.join('\u0000')) return skip('their classes differ, so their predictions cannot be paired.');
  const byFile = new Map(b.evaluation.predictions.map((p) => [p.file, p]));
  const rowsA: typeof a.evaluation.predictions = [], rowsB: typeof b.evaluation.predictions = [];
  let labelConflicts = 0;
  for (const p of a.evaluation.predictions) {
    const q = byFile.get(p.file);
    if (!q) continue;
    if (q.label !== p.label) { labelConflicts++; continue; }
    rowsA.push(p);
    rowsB.push(q);
  }
  if (labelConflicts > 0) return skip(`${labelConflicts} image${labelConflicts === 1 ? ' has' : 's have'} different labels in the two evaluations (another dataset under the same paths?).`);
  if (rowsA.length === 0) return skip(noCommonImages(a, b));
  const unmatched = a.evaluation.predictions.length + b.evaluation.predictions.length - 2 * rowsA.length;

  const labels = rowsA.map((p) => p.label);
  const patientsOf = (side: PairSide) => (side.patients ? rowsA.map((p) => side.patients!.get(p.file)) : undefined);
  const patients = [patientsOf(a), patientsOf(b)].find((list) => list && list.every((x) => x !== undefined)) as string[] | undefined;
  const mc = mcnemarExact(rowsA.map((p) => p.predicted === p.label), rowsB.map((p) => p.predicted === p.label));
  const boot = pairedBootstrap({
    labels, classes: a.evaluation.classes, seed: a.seed, resamples: o.resamples, ...(patients ? { clusters: patients } : {}),
    a: { predicted: rowsA.map((p) => p.predicted), probabilities: rowsA.map((p) => p.probabilities) },
    b: { predicted: rowsB.map((p) => p.predicted), probabilities: rowsB.map((p) => p.probabilities) },
  });
  const strip = (d: typeof boot.macroF1) => ({ a: d.a, b: d.b, difference: d.difference, interval: d.interval ? { low: d.interval.low, high: d.interval.high } : null });
  const test = {
    a: a.runId, b: b.runId, labelA: a.label, labelB: b.label, images: rowsA.length, unmatched,
    mcnemar: mc, macroF1: strip(boot.macroF1), macroAuc: strip(boot.macroAuc),
    bootstrap: { unit: boot.unit, clusters: boot.clusters, resamples: boot.resamples, confidence: boot.confidence, seed: boot.seed },
  };
  return { ...test, verdict: pairVerdict(test), sentence: pairSentence(test) };
}

/** Why two runs share no test image: folds of a cross-validation hold out different patients; else another split or dataset. */
function noCommonImages(a: PairSide, b: PairSide): string {
  if (a.fold && b.fold && a.fold.fold !== b.fold.fold) {
    const which = `fold ${a.fold.fold} and fold ${b.fold.fold} hold out different patients`;
    return a.fold.group === b.fold.group
      ? `folds of one cross-validation are tested on different images (${which}), so no paired test is possible; see the cross-validation's mean ± sd and pooled out-of-fold metrics.`
      : `different folds of a cross-validation are tested on different images (${which}), so no paired test is possible; compare the cross-validations on their pooled out-of-fold predictions.`;
  }
  return 'they were tested on different images (no test image in common: another split seed or dataset), so no paired test is possible.';
}

export function isSkipped(p: PairedTest | SkippedPair): p is SkippedPair {
  return 'reason' in p;
}
