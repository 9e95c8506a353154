/** The report's results: the reference study's table, per-class metrics, and the paired tests. */
import {
  formatDifference, formatMsPerImage, formatParams, formatValueWithInterval, type ComparisonResult, type PairedTest,
} from '../../../shared/compare';
import { formatDuration, formatPercent, formatWithInterval } from '../../../shared/format';
import type { Block, Section } from '../document';

const pctWithInterval = (v: { value: number | null; interval: { low: number; high: number } | null }) => formatWithInterval(v.value, v.interval, true);

/** The p-value in full (the sentences round it): "0.480", "2.73e-10". */
export function exactP(p: number): string {
  return p === 0 ? '0' : p < 1e-4 ? p.toExponential(2) : p.toPrecision(3);
}

/** "180 images each", "178–181 images". */
const imageRange = (counts: number[]): string => {
  const lo = Math.min(...counts), hi = Math.max(...counts);
  return lo === hi ? `${lo} images each` : `${lo}–${hi} images`;
};

export function resultsSection(c: ComparisonResult): Section {
  const blocks: Block[] = [];
  if (c.rows.length === 0) blocks.push({ kind: 'paragraph', tone: 'warning', text: 'No run could be compared.' });
  else {
    blocks.push({
      kind: 'table', id: 'compare-table', caption: `${c.crossValidation ? `Each fold on its held-out test set (${imageRange(c.rows.map((r) => r.images))})` : `Test split (${c.rows[0].images} images)`}, best checkpoint of each run; 95 % bootstrap intervals in brackets.`,
      header: ['model', 'accuracy', 'macro-F1', 'macro AUC', 'parameters', 'training', 'inference / image', 'backend', 'checkpoint'],
      numeric: [false, true, true, true, true, true, true, false, false],
      rows: c.rows.map((r) => [
        `${r.label}${r.runId === c.best ? ' (best)' : ''}`, pctWithInterval(r.accuracy), formatValueWithInterval(r.macroF1), formatValueWithInterval(r.macroAuc),
        formatParams(r.params), `${formatDuration(r.trainingSeconds)} (${r.epochs} ep.)`, formatMsPerImage(r.inferenceMsPerImage),
        r.inferenceBackend ? `${r.backend} (timed on ${r.inferenceBackend})` : r.backend,
        `${r.checkpoint.which}, epoch ${r.checkpoint.epoch}`,
      ]),
    });
    blocks.push({
      kind: 'table', caption: 'Per class: precision, recall, F1 and one-vs-rest ROC AUC (95 % bootstrap intervals).',
      header: ['model', 'class', 'precision', 'recall', 'F1', 'AUC', 'support'],
      numeric: [false, false, true, true, true, true, true],
      rows: c.rows.flatMap((r) => r.perClass.map((k) => [
        r.label, k.className, k.present ? formatPercent(k.precision) : 'n/a', k.present ? formatPercent(k.recall) : 'n/a',
        formatValueWithInterval(k.f1), formatValueWithInterval(k.auc), String(k.support),
      ])),
    });
    const rowNotes = c.rows.flatMap((r) => r.notes.map((n) => `${r.label}: ${n}`));
    if (rowNotes.length) blocks.push({ kind: 'list', tone: 'note', items: rowNotes });
    if (c.rows.some((r) => r.inferenceMsPerImage === null)) {
      blocks.push({ kind: 'paragraph', tone: 'note', text: 'Inference n/a: the evaluation was written before CXR Lab timed its forward passes; evaluate the run again to time it.' });
    }
  }
  if (c.excluded.length) blocks.push({ kind: 'subheading', text: 'Not in the table' }, { kind: 'list', tone: 'warning', items: c.excluded.map((e) => e.reason) });
  blocks.push({ kind: 'paragraph', tone: 'note', text: 'Inference: milliseconds per image of the forward pass alone (decoding excluded; the first batch, which warms the backend up, left out), at the evaluation\'s batch size. Parameters: trainable parameters. Training time: the epochs\' wall time.' });
  return { id: 'results', title: 'Results on the test split', blocks };
}

export function pairedSection(c: ComparisonResult): Section {
  const blocks: Block[] = [];
  if (c.pairs.length === 0 && c.skippedPairs.length === 0) {
    blocks.push({ kind: 'paragraph', text: c.rows.length < 2 ? 'One run: nothing to pair.' : 'No pair was tested.' });
  }
  if (c.pairs.length) {
    blocks.push({ kind: 'list', items: c.pairs.map((p) => p.sentence) });
    blocks.push(pairedTable(c.pairs, 'paired-tests', `${c.pairing === 'best' ? 'Each run against the best (highest macro-F1)' : 'Every pair of runs'}: b = images only A got right, c = only B; differences A − B with 95 % paired-bootstrap intervals.`));
  }
  if (c.skippedPairs.length) blocks.push({ kind: 'list', tone: 'warning', items: c.skippedPairs.map((s) => s.reason) });
  if (c.notes.length) blocks.push({ kind: 'list', tone: 'note', items: c.notes });
  return { id: 'paired-tests-section', title: 'Paired tests', blocks };
}

/** The paired tests as a table: A vs B, images, b, c, McNemar's p, the differences, what was resampled. */
export function pairedTable(pairs: readonly PairedTest[], id: string, caption: string): Block {
  return {
    kind: 'table', id, caption,
    header: ['A vs B', 'images', 'b', 'c', 'McNemar p', 'Δ macro-F1', 'Δ macro AUC', 'resampled'],
    numeric: [false, true, true, true, true, true, true, false],
    rows: pairs.map((p) => [
      `${p.labelA} vs ${p.labelB}`, `${p.images}${p.unmatched ? ` (+${p.unmatched} unmatched)` : ''}`, String(p.mcnemar.b), String(p.mcnemar.c),
      exactP(p.mcnemar.p),
      formatDifference(p.macroF1), formatDifference(p.macroAuc), `${p.bootstrap.clusters} ${p.bootstrap.unit}s × ${p.bootstrap.resamples}`,
    ]),
  };
}
