/**
 * Dataset health report: counts, image size and channel statistics, and the class-level findings a user
 * should see before training (tiny classes, imbalance, mixed grey/colour). File-level problems are found
 * while scanning and passed in as issues.
 */
import type { ImageInfo } from './decode';
import type { HealthIssue, HealthReport, ImageItem, SplitName } from './types';

export const TINY_CLASS = 10;
export const IMBALANCE_RATIO = 2;

export interface HealthInput {
  classes: string[];
  /** Usable items and what decoding them told us, index-aligned. */
  items: ImageItem[];
  infos: ImageInfo[];
  /** Splits that exist as folders (split-folders layout only). */
  presetSplits?: SplitName[];
  issues: HealthIssue[];
}

export function buildHealthReport(input: HealthInput): HealthReport {
  const { classes, items, infos } = input;
  const issues = [...input.issues];
  const perClass: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  for (const it of items) perClass[it.className] = (perClass[it.className] ?? 0) + 1;

  let perSplit: HealthReport['perSplit'];
  if (input.presetSplits) {
    const splits = ['train', 'val', 'test'] as const;
    perSplit = { train: {}, val: {}, test: {} };
    for (const s of input.presetSplits) perSplit[s] = Object.fromEntries(classes.map((c) => [c, 0]));
    for (const it of items) if (it.presetSplit) perSplit[it.presetSplit][it.className] = (perSplit[it.presetSplit][it.className] ?? 0) + 1;
    for (const s of splits) {
      if (!input.presetSplits.includes(s)) continue;
      const missing = classes.filter((c) => perSplit![s][c] === 0);
      if (missing.length > 0) issues.push({ severity: 'warning', kind: 'empty-class-in-split', message: `The ${s} folder has no images of ${listText(missing)}.` });
    }
  }

  issues.push(...classIssues(perClass));
  const channels = countBy(infos, (i) => String(i.channels));
  if (Object.keys(channels).length > 1) {
    const parts = Object.entries(channels).map(([k, n]) => `${n} with ${k} channel${k === '1' ? '' : 's'}`);
    issues.push({ severity: 'info', kind: 'mixed-channels', message: `Images mix channel counts (${parts.join(', ')}); all are fed to the network as 3-channel RGB, grey ones replicated.` });
  }
  return { issues, perClass, perSplit, size: sizeStats(infos), channels, formats: countBy(infos, (i) => i.format) };
}

/** Tiny classes, a single usable class, and imbalance (largest / smallest > 2). */
export function classIssues(perClass: Record<string, number>): HealthIssue[] {
  const issues: HealthIssue[] = [];
  const nonEmpty = Object.entries(perClass).filter(([, n]) => n > 0);
  for (const [c, n] of nonEmpty) {
    if (n < TINY_CLASS) issues.push({ severity: 'warning', kind: 'tiny-class', className: c, message: `Class ${c} has only ${n} image${n === 1 ? '' : 's'}, too few to train or validate on reliably (fewer than ${TINY_CLASS}).` });
  }
  if (nonEmpty.length === 1) {
    issues.push({ severity: 'warning', kind: 'single-class', className: nonEmpty[0][0], message: `Only one class (${nonEmpty[0][0]}) has images; training a classifier needs at least two.` });
  }
  if (nonEmpty.length >= 2) {
    const sorted = [...nonEmpty].sort((a, b) => b[1] - a[1]);
    const [maxC, maxN] = sorted[0];
    const [minC, minN] = sorted[sorted.length - 1];
    if (maxN / minN > IMBALANCE_RATIO) {
      issues.push({ severity: 'info', kind: 'class-imbalance', message: `Classes are imbalanced: ${maxC} has ${maxN} images, ${(maxN / minN).toFixed(1)}× the ${minN} of ${minC}; consider a class-balanced sampler or weighted loss.` });
    }
  }
  return issues;
}

export function sizeStats(infos: ImageInfo[]): HealthReport['size'] {
  if (infos.length === 0) return { minWidth: 0, maxWidth: 0, minHeight: 0, maxHeight: 0, meanWidth: 0, meanHeight: 0 };
  let minWidth = Infinity, maxWidth = 0, minHeight = Infinity, maxHeight = 0, sumW = 0, sumH = 0;
  for (const { width, height } of infos) {
    minWidth = Math.min(minWidth, width); maxWidth = Math.max(maxWidth, width);
    minHeight = Math.min(minHeight, height); maxHeight = Math.max(maxHeight, height);
    sumW += width; sumH += height;
  }
  return { minWidth, maxWidth, minHeight, maxHeight, meanWidth: sumW / infos.length, meanHeight: sumH / infos.length };
}

function countBy<T>(xs: T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}

export function listText(xs: string[]): string {
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}
