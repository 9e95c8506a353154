/** The report's first section: what was compared on what, the best run, and the paired tests in one sentence each. */
import { formatMeanSd, formatValueWithInterval, type CrossValidationGroup } from '../../../shared/compare';
import type { Block, Section } from '../document';
import type { ReportInput } from '../input';
import { confounderSentences } from './dataset';
import { bestRun, headline, listWords, testImagesText } from './facts';

export function summarySection(input: ReportInput): Section {
  const { result, runs } = input.comparison;
  const blocks: Block[] = [];
  if (runs.length === 0) {
    blocks.push({ kind: 'paragraph', tone: 'warning', text: 'No run could be compared; the reasons are below.' });
  } else {
    const best = bestRun(input)!;
    const cv = result.crossValidation;
    blocks.push({
      kind: 'paragraph',
      text: `${runs.length} model${runs.length === 1 ? '' : 's'} (${listWords(runs.map((r) => r.row.label))}) trained on ${result.dataset.root} ` +
        `(${result.classes.length} classes: ${result.classes.join(', ')}) and tested ` +
        (cv ? 'each on its fold\'s held-out test set' : `on the same ${testImagesText(input)}`) + ', each at its best checkpoint.',
    });
    blocks.push({ kind: 'paragraph', text: runs.length > 1 ? `Highest macro-F1 — ${headline(best)}.` : headline(best) + '.' });
    if (cv) blocks.push({ kind: 'list', items: cv.groups.map(crossValidationHeadline) });
    if (result.pairs.length) blocks.push({ kind: 'list', items: result.pairs.map((p) => p.sentence) });
    if (cv?.pairs.length) blocks.push({ kind: 'list', items: cv.pairs.map((p) => `Pooled out-of-fold, ${p.sentence}`) });
  }
  const warnings = [
    ...result.excluded.map((e) => e.reason),
    ...result.rows.flatMap((r) => r.notes.filter((n) => /^(Still training|Interrupted|Failed|Cancelled)/.test(n)).map((n) => `${r.label}: ${n}`)),
    ...confounderSentences(input.dataset, runs),
    ...[...input.audits.entries()].filter(([, a]) => a.verdict.flagged).map(([id, a]) => `Shortcut audit of ${runs.find((r) => r.row.runId === id)?.row.label ?? id}: ${a.verdict.sentence}`),
  ];
  if (warnings.length) blocks.push({ kind: 'list', tone: 'warning', items: warnings });
  return { id: 'summary', title: 'Summary', blocks };
}

/** "resnet18, 5-fold cross-validation: macro-F1 0.812 ± 0.031 over the folds, pooled out-of-fold 0.815 (0.78–0.85) on 900 images". */
function crossValidationHeadline(g: CrossValidationGroup): string {
  const pooled = g.pooled ? `, pooled out-of-fold ${formatValueWithInterval(g.pooled.macroF1)} on ${g.pooled.images} images` : '';
  return `${g.label}, ${g.folds}-fold cross-validation${g.missing.length ? ` (${g.runs.length} folds in the table)` : ''}: macro-F1 ${formatMeanSd(g.macroF1)} over the folds${pooled}.`;
}
