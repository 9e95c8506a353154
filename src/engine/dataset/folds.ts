/**
 * k patient-grouped, stratified folds for cross-validation (`--folds k`). Fold i's held-out part is its test set;
 * its validation set (for checkpoint selection) is carved from the other folds by the ordinary split (split.ts:
 * patient-grouped, stratified, seeded, `--val-per-class` / `--val-fraction`), and the rest trains.
 *
 * The folds are scikit-learn's StratifiedGroupKFold (sklearn/model_selection/_split.py, 1.9): patients sorted by
 * id, optionally permuted (here by our seeded rng instead of numpy's), then taken in order of decreasing spread of
 * their class counts (a stable sort) and each put into the fold where the per-class shares of all folds vary least
 * (mean over classes of the std over folds of fold count / class total), ties going to the smaller fold. Without a
 * shuffle seed the assignment equals sklearn's `shuffle=False` one (test/fixtures/folds, make_fold_fixtures.py).
 */
import { createRng } from '../random';
import { DatasetError } from './errors';
import { splitDataset, type DatasetSplit, type SplitOptions } from './split';
import type { DatasetScan, ImageItem } from './scan';

export interface FoldOptions {
  k: number;
  /** Seed of the patient order before the greedy assignment; undefined: sorted order (sklearn's shuffle=False). */
  shuffleSeed?: number;
}

/** The fold (0-based) of each item, index-aligned with `items`. */
export function assignFolds(items: readonly Pick<ImageItem, 'label' | 'patient'>[], opts: FoldOptions): number[] {
  const { k } = opts;
  if (!Number.isInteger(k) || k < 2) throw new DatasetError(`--folds must be a whole number of at least 2, got ${k}.`);

  const labels = [...new Set(items.map((it) => it.label))].sort((a, b) => a - b);
  const column = new Map(labels.map((l, j) => [l, j]));
  const classTotal = labels.map(() => 0);
  for (const it of items) classTotal[column.get(it.label)!]++;

  const patientIds = [...new Set(items.map((it) => it.patient))].sort(byCodePoint);
  if (k > patientIds.length) {
    throw new DatasetError(`--folds ${k} needs at least ${k} patients (every patient's images stay in one fold); the dataset has ${patientIds.length}.`);
  }
  const order = patientIds.map((_, g) => g);
  if (opts.shuffleSeed !== undefined) createRng(opts.shuffleSeed).fork('folds').shuffle(order);
  const groupOf = new Map(order.map((g, pos) => [patientIds[g], pos]));

  // Class counts per group, in the (shuffled) group order.
  const counts = order.map(() => labels.map(() => 0));
  for (const it of items) counts[groupOf.get(it.patient)!][column.get(it.label)!]++;

  const spread = counts.map(std);
  const byspread = counts.map((_, g) => g).sort((a, b) => spread[b] - spread[a] || a - b); // stable: ties keep order
  const foldCounts = Array.from({ length: k }, () => labels.map(() => 0));
  const foldOfGroup = new Array<number>(counts.length);
  for (const g of byspread) {
    const f = bestFold(foldCounts, classTotal, counts[g]);
    counts[g].forEach((n, j) => { foldCounts[f][j] += n; });
    foldOfGroup[g] = f;
  }
  return items.map((it) => foldOfGroup[groupOf.get(it.patient)!]);
}

/** sklearn's `_find_best_fold`: the fold whose taking the group leaves the class shares most even. */
function bestFold(foldCounts: number[][], classTotal: number[], group: number[]): number {
  let best = 0;
  let minEval = Infinity;
  let minSamples = Infinity;
  for (let i = 0; i < foldCounts.length; i++) {
    group.forEach((n, j) => { foldCounts[i][j] += n; });
    const perClass = classTotal.map((total, j) => std(foldCounts.map((row) => row[j] / total)));
    group.forEach((n, j) => { foldCounts[i][j] -= n; });
    const evaluation = perClass.reduce((s, x) => s + x, 0) / perClass.length;
    const samples = foldCounts[i].reduce((s, x) => s + x, 0);
    if (evaluation < minEval || (isClose(evaluation, minEval) && samples < minSamples)) {
      minEval = evaluation;
      minSamples = samples;
      best = i;
    }
  }
  return best;
}

export interface FoldSplitOptions extends Pick<SplitOptions, 'valPerClass' | 'valFraction'> {
  k: number;
  /** Which fold is held out (0-based). */
  index: number;
  /** Seeds the patient order of the folds and the validation carve: every fold of one plan must share it. */
  seed: number;
}

/**
 * The train/val/test split of fold `index`: its held-out fold is the test set, validation is carved from the other
 * folds grouped by patient. A dataset with train/val/test folders is pooled first (cross-validation replaces them).
 */
export function foldSplit(scan: DatasetScan, opts: FoldSplitOptions): DatasetSplit {
  if (!Number.isInteger(opts.index) || opts.index < 0 || opts.index >= opts.k) {
    throw new DatasetError(`Fold ${opts.index} does not exist; folds are 0 to ${opts.k - 1}.`);
  }
  const items = [...scan.items].sort((a, b) => byCodePoint(a.rel, b.rel));
  const folds = assignFolds(items, { k: opts.k, shuffleSeed: opts.seed });
  const test = items.filter((_, i) => folds[i] === opts.index);
  const rest = items.filter((_, i) => folds[i] !== opts.index).map(({ presetSplit: _preset, ...it }) => it);
  const inner = splitDataset({ ...scan, layout: 'class-folders', items: rest }, {
    seed: opts.seed, valPerClass: opts.valPerClass, valFraction: opts.valFraction, testPerClass: 0,
  });
  const warnings = [...inner.warnings];
  if (scan.layout === 'split-folders') warnings.unshift('Cross-validation pools the train/val/test folders: each fold holds out its own test images.');
  const original = new Map(scan.items.map((it) => [it.rel, it]));
  const back = (list: ImageItem[]) => list.map((it) => original.get(it.rel) ?? it);
  const missing = scan.classes.filter((_, c) => items.some((it) => it.label === c) && !test.some((it) => it.label === c));
  for (const name of missing) warnings.push(`Fold ${opts.index + 1} of ${opts.k} has no test image of class ${name}: it has too few patients for ${opts.k} folds.`);
  return { train: back(inner.train), val: back(inner.val), test, groupedBy: inner.groupedBy, seed: opts.seed, warnings, emptyClasses: inner.emptyClasses };
}

/** Population standard deviation (numpy's default ddof=0). */
function std(xs: number[]): number {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - mean) * (x - mean), 0) / xs.length);
}

/** numpy.isclose with its default tolerances (rtol 1e-5, atol 1e-8). */
function isClose(a: number, b: number): boolean {
  if (!Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= 1e-8 + 1e-5 * Math.abs(b);
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
