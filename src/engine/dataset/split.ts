/**
 * Seeded, stratified, patient-grouped train/val/test split. Per class, N images (or a fraction) go to val and
 * to test, as in the reference study (60 + 60 per class); all images of one patient land on the same side,
 * so a validation score never profits from having seen the same patient in training.
 *
 * Groups are dealt greedily in a seeded random order: a group joins val or test if it fits the remaining
 * need of every class it contains, else stays in train; a repair pass then moves the smallest train groups
 * that bring the counts closer when patients were too big to hit N exactly. The result depends only on the
 * seed and the set of files (items are sorted by path first), not on file-system order.
 */
import { createRng, type Rng } from '../random';
import { DatasetError } from './errors';
import type { DatasetScan, ImageItem, SplitName } from './scan';

export interface SplitOptions {
  seed: number;
  /** Images per class for validation (default 60), unless valFraction is given. */
  valPerClass?: number;
  testPerClass?: number;
  /** Fraction of each class for validation; overrides valPerClass. */
  valFraction?: number;
  testFraction?: number;
  /**
   * A split that leaves a class with images without any validation or test image is refused (DatasetError), unless
   * that split's count or fraction is 0 on purpose. With this set it is listed in `emptyClasses` instead (the
   * Dataset view's preview of the default split).
   */
  allowEmptyClasses?: boolean;
}

export interface DatasetSplit {
  train: ImageItem[];
  val: ImageItem[];
  test: ImageItem[];
  groupedBy: 'patient' | 'file';
  seed: number;
  warnings: string[];
  /** One sentence per class left without validation or test images (only with `allowEmptyClasses`; else refused). */
  emptyClasses: string[];
}

export const DEFAULT_PER_CLASS = 60;
const SPLITS: SplitName[] = ['train', 'val', 'test'];

export function splitDataset(scan: DatasetScan, opts: SplitOptions): DatasetSplit {
  checkOptions(opts);
  const rng = createRng(opts.seed).fork('split');
  const items = [...scan.items].sort(byRel);
  const warnings: string[] = [];
  const where = new Map<ImageItem, SplitName>();

  let pool = items;
  let want = { val: true, test: true };
  if (scan.layout === 'split-folders') {
    const present = new Set(items.map((i) => i.presetSplit));
    for (const it of items) if (it.presetSplit && it.presetSplit !== 'train') where.set(it, it.presetSplit);
    pool = items.filter((i) => !i.presetSplit || i.presetSplit === 'train');
    want = { val: !present.has('val'), test: !present.has('test') };
    const carved = SPLITS.filter((s) => s !== 'train' && want[s as 'val' | 'test']);
    if (carved.length > 0) warnings.push(`The dataset has no ${carved.join(' or ')} folder, so ${carved.join(' and ')} images were taken from the training folder.`);
  }
  carve(pool, scan.classes, want, opts, rng, where, warnings);

  const split = collect(items, where, scan, opts.seed, warnings);
  addLeakWarning(split);
  split.emptyClasses = emptyClassProblems(split, scan, want, opts);
  if (split.emptyClasses.length > 0 && !opts.allowEmptyClasses) {
    const [first, ...others] = split.emptyClasses;
    const more = others.map((p) => p.slice(0, p.indexOf(' has ')).replace(/^Class /, ''));
    throw new DatasetError(more.length === 0 ? first : `${first} The same holds for ${more.length === 1 ? 'class' : 'classes'} ${more.join(', ')}.`);
  }
  return split;
}

/**
 * Classes with images that the split leaves without a validation or a test image although that side was asked
 * for (a count or fraction above 0): evaluation could not score them, and validation would not see them.
 */
function emptyClassProblems(split: DatasetSplit, scan: DatasetScan, carved: Record<Side, boolean>, opts: SplitOptions): string[] {
  const problems: string[] = [];
  const total = countByLabel(scan.items, scan.classes.length);
  const got = { val: countByLabel(split.val, scan.classes.length), test: countByLabel(split.test, scan.classes.length) };
  const word: Record<Side, string> = { val: 'validation', test: 'test' };
  scan.classes.forEach((name, c) => {
    const n = total[c];
    if (n === 0) return; // a forced class with no images: the scan reported it
    const images = `${n} image${n === 1 ? '' : 's'}`;
    const asked = (side: Side): string => {
      const fraction = side === 'val' ? opts.valFraction : opts.testFraction;
      return fraction !== undefined ? `${+(fraction * 100).toFixed(2)}%` : String((side === 'val' ? opts.valPerClass : opts.testPerClass) ?? DEFAULT_PER_CLASS);
    };
    const onPurpose = (side: Side) => asked(side) === '0' || asked(side) === '0%';
    const missing = (['val', 'test'] as const).filter((side) => got[side][c] === 0 && !onPurpose(side));
    if (missing.length === 0) return;
    const advice = missing.includes('val')
      ? `Add images of ${name}${carved.val ? '' : ' to the val folder'}, or move its folder out of the dataset.`
      : `Add images of ${name}${carved.test ? '' : ' to the test folder'}, or set --test-per-class 0 to keep no test images for all classes.`;
    const preset = missing.filter((side) => !carved[side]);
    if (preset.length > 0) {
      problems.push(`Class '${name}' has ${images}, none in the ${preset.join(' and ')} folder${preset.length > 1 ? 's' : ''}: the split would leave it with no ${missing.map((s) => word[s]).join(' and no ')} image. ${advice}`);
      return;
    }
    const asks = missing.map(asked);
    const askText = asks.length === 1 ? asks[0] : asks[0] === asks[1] ? `${asks[0]} each` : asks.join(' and ');
    const grouped = missing.some((side) => split.warnings.some((w) => w.startsWith(`Class ${name}: ${word[side]} has 0 images instead of`))) ? ', because all images of a patient stay on one side' : '';
    problems.push(`Class '${name}' has ${images}: the split would leave it with no ${missing.map((s) => word[s]).join(' and no ')} image (asked ${askText})${grouped}. ${advice}`);
  });
  return problems;
}

/** rel -> split, written as split.json; keys sorted so the file is stable. */
export function splitToRecord(split: DatasetSplit): Record<string, SplitName> {
  const pairs: [string, SplitName][] = [];
  for (const s of SPLITS) for (const it of split[s]) pairs.push([it.rel, s]);
  pairs.sort((a, b) => byRel({ rel: a[0] }, { rel: b[0] }));
  return Object.fromEntries(pairs);
}

/** Rebuild a split from split.json; files added since are left out, files gone are reported. */
export function splitFromRecord(scan: DatasetScan, rec: Record<string, SplitName>, seed: number): DatasetSplit {
  const items = [...scan.items].sort(byRel);
  const where = new Map<ImageItem, SplitName>();
  const warnings: string[] = [];
  const found = new Set<string>();
  let unlisted = 0;
  for (const it of items) {
    const s = rec[it.rel];
    if (s === 'train' || s === 'val' || s === 'test') { where.set(it, s); found.add(it.rel); } else unlisted++;
  }
  const gone = Object.keys(rec).filter((k) => !found.has(k)).length;
  if (unlisted > 0) warnings.push(`${unlisted} image${unlisted === 1 ? ' is' : 's are'} not in the saved split and ${unlisted === 1 ? 'was' : 'were'} left out.`);
  if (gone > 0) warnings.push(`${gone} image${gone === 1 ? '' : 's'} of the saved split ${gone === 1 ? 'is' : 'are'} missing or unreadable in the dataset now.`);
  const split = collect(items, where, scan, seed, warnings);
  addLeakWarning(split);
  return split;
}

/** Patients with images in more than one split (always empty for a split made here from scratch). */
export function patientsInSeveralSplits(split: DatasetSplit): string[] {
  const seen = new Map<string, Set<SplitName>>();
  for (const s of SPLITS) for (const it of split[s]) {
    const set = seen.get(it.patient) ?? new Set<SplitName>();
    set.add(s);
    seen.set(it.patient, set);
  }
  return [...seen].filter(([, s]) => s.size > 1).map(([p]) => p).sort();
}

type Side = 'val' | 'test';

function carve(pool: ImageItem[], classes: string[], want: Record<Side, boolean>, opts: SplitOptions, rng: Rng,
  where: Map<ImageItem, SplitName>, warnings: string[]): void {
  for (const it of pool) where.set(it, 'train');
  if (!want.val && !want.test) return;

  // Targets per class (label index), capped so training keeps at least half (per-class N) or one image (fractions).
  const perClass = countByLabel(pool, classes.length);
  const target: Record<Side, number[]> = { val: [], test: [] };
  classes.forEach((name, c) => {
    const n = perClass[c];
    const ask = (side: Side): number => {
      if (!want[side]) return 0;
      const fraction = side === 'val' ? opts.valFraction : opts.testFraction;
      if (fraction !== undefined) return Math.round(fraction * n);
      return (side === 'val' ? opts.valPerClass : opts.testPerClass) ?? DEFAULT_PER_CLASS;
    };
    let v = ask('val'), t = ask('test');
    const usesFractions = opts.valFraction !== undefined || opts.testFraction !== undefined;
    const cap = usesFractions ? Math.max(0, n - 1) : Math.floor(n / 2);
    if (n === 0) v = t = 0; // a forced class with no images: the scan already reported it
    else if (v + t > cap) {
      const [v0, t0] = [v, t];
      v = Math.floor((cap * v0) / (v0 + t0));
      t = cap - v;
      warnings.push(`Class ${name} has only ${n} image${n === 1 ? '' : 's'} to split: ${describe(want, v, t)} instead of ${describe(want, v0, t0)}, so that ${usesFractions ? 'some' : 'at least half'} stay for training.`);
    }
    target.val[c] = v;
    target.test[c] = t;
  });

  // Groups in a seeded order; sorting first makes the order independent of how the items were listed.
  const byPatient = new Map<string, ImageItem[]>();
  for (const it of pool) {
    const members = byPatient.get(it.patient);
    if (members) members.push(it);
    else byPatient.set(it.patient, [it]);
  }
  const groups = rng.shuffle([...byPatient.keys()].sort()).map((p) => {
    const members = byPatient.get(p)!;
    return { members, counts: countByLabel(members, classes.length) };
  });
  const need: Record<Side, number[]> = { val: [...target.val], test: [...target.test] };
  const inTrain = [...perClass];
  const sides: Side[] = ['val', 'test'];
  const classesOf = (counts: number[]) => counts.flatMap((k, c) => (k > 0 ? [c] : []));
  const assign = (g: (typeof groups)[number], side: Side) => {
    for (const it of g.members) where.set(it, side);
    for (const c of classesOf(g.counts)) { need[side][c] -= g.counts[c]; inTrain[c] -= g.counts[c]; }
  };

  // Pass 1: a group goes where it fits every class it holds; prefer the side that still needs more of them.
  const left: typeof groups = [];
  for (const g of groups) {
    const cs = classesOf(g.counts);
    let best: Side | undefined;
    let bestNeed = 0;
    for (const side of sides) {
      if (!cs.every((c) => g.counts[c] <= need[side][c])) continue;
      const total = cs.reduce((s, c) => s + need[side][c], 0);
      if (total > bestNeed) { best = side; bestNeed = total; }
    }
    if (best) assign(g, best);
    else left.push(g);
  }

  // Pass 2: patients larger than what is left; move the smallest groups that reduce the total miss.
  if (sides.some((s) => need[s].some((k) => k > 0))) {
    const bySize = left.map((g, i) => ({ g, i })).sort((a, b) => a.g.members.length - b.g.members.length || a.i - b.i);
    for (const { g } of bySize) {
      const cs = classesOf(g.counts);
      if (cs.some((c) => inTrain[c] - g.counts[c] < 1)) continue; // never empty a class in training
      let best: Side | undefined;
      let bestGain = 0;
      for (const side of sides) {
        const gain = cs.reduce((s, c) => s + Math.abs(need[side][c]) - Math.abs(need[side][c] - g.counts[c]), 0);
        if (gain > bestGain) { best = side; bestGain = gain; }
      }
      if (best) assign(g, best);
    }
  }

  classes.forEach((name, c) => {
    for (const side of sides) {
      const got = target[side][c] - need[side][c];
      if (got !== target[side][c]) {
        warnings.push(`Class ${name}: ${side === 'val' ? 'validation' : 'test'} has ${got} images instead of ${target[side][c]}, because all images of a patient stay on one side.`);
      }
    }
  });
}

function collect(items: ImageItem[], where: Map<ImageItem, SplitName>, scan: DatasetScan, seed: number, warnings: string[]): DatasetSplit {
  const split: DatasetSplit = { train: [], val: [], test: [], groupedBy: scan.patientSource === 'none' ? 'file' : 'patient', seed, warnings, emptyClasses: [] };
  for (const it of items) {
    const s = where.get(it);
    if (s) split[s].push(it);
  }
  return split;
}

function addLeakWarning(split: DatasetSplit): void {
  const leaks = patientsInSeveralSplits(split);
  if (leaks.length > 0) {
    split.warnings.push(`${leaks.length} patient${leaks.length === 1 ? ' has' : 's have'} images in more than one of train, val and test (e.g. ${leaks[0]}), so validation and test scores may be optimistic.`);
  }
}

function checkOptions(o: SplitOptions): void {
  if (!Number.isFinite(o.seed)) throw new Error(`The split seed must be a number, got ${o.seed}.`);
  for (const k of ['valPerClass', 'testPerClass'] as const) {
    const v = o[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new Error(`${k} must be a whole number ≥ 0, got ${v}.`);
  }
  for (const k of ['valFraction', 'testFraction'] as const) {
    const v = o[k];
    if (v !== undefined && !(v >= 0 && v < 1)) throw new Error(`${k} must be in [0, 1), got ${v}.`);
  }
  if ((o.valFraction ?? 0) + (o.testFraction ?? 0) >= 1) throw new Error('valFraction + testFraction must be below 1, or nothing is left for training.');
}

function countByLabel(items: ImageItem[], n: number): number[] {
  const out = new Array<number>(n).fill(0);
  for (const it of items) out[it.label]++;
  return out;
}

function describe(want: Record<Side, boolean>, v: number, t: number): string {
  return [want.val ? `${v} for validation` : '', want.test ? `${t} for test` : ''].filter(Boolean).join(' and ');
}

function byRel(a: { rel: string }, b: { rel: string }): number {
  return a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0;
}
