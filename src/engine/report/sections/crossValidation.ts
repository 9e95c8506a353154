/**
 * The report's cross-validation section (rows that are folds of `--folds k`): per architecture the mean ± sd over its
 * folds and the pooled out-of-fold metrics with their intervals, per class too, and the paired tests of the pooled
 * predictions. Absent when no row is a fold.
 */
import { formatMeanSd, formatValueWithInterval, type ComparisonResult } from '../../../shared/compare';
import { formatWithInterval } from '../../../shared/format';
import type { Block, Section } from '../document';
import { listWords } from './facts';
import { pairedTable } from './results';

export function crossValidationSection(c: ComparisonResult): Section | undefined {
  const cv = c.crossValidation;
  if (!cv) return undefined;
  const k = Math.max(...cv.groups.map((g) => g.folds));
  const blocks: Block[] = [{
    kind: 'paragraph',
    text: `${k}-fold cross-validation of ${listWords(cv.groups.map((g) => g.label))}: fold i holds out its patients as its test set, so each fold is ` +
      'tested on different images and the folds together test every image once. The mean ± sd shows how much a score moves from fold to fold; ' +
      'the pooled out-of-fold metrics score all held-out predictions together, with 95 % bootstrap intervals.',
  }];
  blocks.push({
    kind: 'table', id: 'cv-folds', caption: 'Mean ± sample sd over the folds (each fold on its own test set).',
    header: ['model', 'folds', 'accuracy', 'macro-F1', 'macro AUC'], numeric: [false, true, true, true, true],
    rows: cv.groups.map((g) => [g.label, `${g.runs.length} of ${g.folds}`, formatMeanSd(g.accuracy, true), formatMeanSd(g.macroF1), formatMeanSd(g.macroAuc)]),
  });
  blocks.push({
    kind: 'table', id: 'cv-pooled', caption: 'Pooled out-of-fold: every fold\'s test predictions scored together (95 % bootstrap intervals).',
    header: ['model', 'images', 'accuracy', 'macro-F1', 'macro AUC', 'resampled'], numeric: [false, true, true, true, true, false],
    rows: cv.groups.map((g) => {
      const p = g.pooled;
      if (!p) return [g.label, 'n/a', 'n/a', 'n/a', 'n/a', ''];
      return [`${g.label}${g.id === cv.best && cv.groups.length > 1 ? ' (best)' : ''}`, `${p.images}${p.patients ? ` (${p.patients} patients)` : ''}`,
        formatWithInterval(p.accuracy.value, p.accuracy.interval, true), formatValueWithInterval(p.macroF1), formatValueWithInterval(p.macroAuc),
        p.bootstrap ? `${p.bootstrap.clusters} ${p.bootstrap.unit}s × ${p.bootstrap.resamples}` : ''];
    }),
  });
  blocks.push({
    kind: 'table', id: 'cv-per-class', caption: 'Per class: F1 and one-vs-rest ROC AUC, mean ± sd over the folds and pooled out-of-fold.',
    header: ['model', 'class', 'F1 (folds)', 'AUC (folds)', 'F1 (pooled)', 'AUC (pooled)'], numeric: [false, false, true, true, true, true],
    rows: cv.groups.flatMap((g) => g.perClass.map((cls, i) => {
      const pooled = g.pooled?.perClass[i];
      return [g.label, cls.className, formatMeanSd(cls.f1), formatMeanSd(cls.auc), pooled ? formatValueWithInterval(pooled.f1) : 'n/a', pooled ? formatValueWithInterval(pooled.auc) : 'n/a'];
    })),
  });
  const groupNotes = cv.groups.flatMap((g) => g.notes.map((n) => `${g.label}: ${n}`));
  if (groupNotes.length) blocks.push({ kind: 'list', tone: 'warning', items: groupNotes });
  if (cv.pairs.length) {
    blocks.push({ kind: 'subheading', text: 'Paired tests of the pooled out-of-fold predictions' });
    blocks.push({ kind: 'list', items: cv.pairs.map((p) => p.sentence) });
    blocks.push(pairedTable(cv.pairs, 'cv-paired', `${cv.pairing === 'best' ? 'Each cross-validation against the best (highest pooled macro-F1)' : 'Every pair of cross-validations'}, on their pooled out-of-fold predictions: b = images only A got right, c = only B; differences A − B with 95 % paired-bootstrap intervals.`));
  }
  if (cv.skippedPairs.length) blocks.push({ kind: 'list', tone: 'warning', items: cv.skippedPairs.map((s) => s.reason) });
  blocks.push({ kind: 'list', tone: 'note', items: cv.notes });
  return { id: 'cross-validation', title: 'Cross-validation', blocks };
}
