/** `cxr-lab compare` and `cxr-lab report`: what they check before any work, and what they print. */
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import {
  formatDifference, formatMeanSd, formatMsPerImage, formatParams, formatValueWithInterval, type ComparisonResult, type CrossValidationSummary, type PairedTest,
  type ReportResult,
} from '../shared/compare';
import { formatDuration, formatPercent, formatWithInterval } from '../shared/format';
import { RUN_FILES, SWEEP_FILES } from '../shared/runFiles';
import { UsageError, notFound } from './checks';

/** Each positional is a run folder, a sweep folder, or a folder of run folders (exit 2 otherwise, before any work). */
export function checkRunsOrSweeps(paths: readonly string[]): void {
  for (const p of paths) {
    if (!existsSync(p)) throw new UsageError(notFound(p));
    if (existsSync(path.join(p, RUN_FILES.run)) || existsSync(path.join(p, SWEEP_FILES.sweep))) continue;
    const sub = readdirSafe(p).some((name) => existsSync(path.join(p, name, RUN_FILES.run)));
    if (!sub) throw new UsageError(`${p} is neither a run folder (no ${RUN_FILES.run}) nor a sweep (no ${SWEEP_FILES.sweep}, no run folders inside).`);
  }
}

function readdirSafe(dir: string): string[] {
  try { return readdirSync(dir); } catch { return []; }
}

/** `report --out` and `--markdown` agree: Markdown goes to a .md file, HTML to anything else. */
export function reportFormat(out: string | undefined, markdown: boolean | undefined): 'html' | 'markdown' {
  const md = out !== undefined && /\.(md|markdown)$/i.test(out);
  if (markdown && out !== undefined && /\.html?$/i.test(out)) throw new UsageError(`--markdown writes Markdown: name a .md file, not ${out}.`);
  return markdown || md ? 'markdown' : 'html';
}

const pad = (cells: string[][]): string[] => {
  const widths = cells[0].map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  return cells.map((r) => `  ${r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ')}`.trimEnd());
};

const pctIv = (v: ComparisonResult['rows'][number]['accuracy']) => formatWithInterval(v.value, v.interval, true);

export function formatComparison(c: ComparisonResult): string {
  const lines: string[] = [];
  const images = c.rows[0]?.images;
  lines.push(`compare: ${c.rows.length} run${c.rows.length === 1 ? '' : 's'}${c.sweep ? ` of sweep ${c.sweep.id}` : ''} on ${c.dataset.root || '(no dataset)'}` +
    (c.crossValidation ? ' — each fold on its held-out test set' : images !== undefined ? ` — test split, ${images} images` : ''));
  if (c.rows.length) {
    lines.push(...pad([
      ['model', 'accuracy', 'macro-F1', 'macro AUC', 'params', 'training', 'inference', 'backend', 'checkpoint'],
      ...c.rows.map((r) => [
        `${r.label}${r.runId === c.best ? ' *' : ''}`, pctIv(r.accuracy), formatValueWithInterval(r.macroF1), formatValueWithInterval(r.macroAuc),
        formatParams(r.params), formatDuration(r.trainingSeconds), formatMsPerImage(r.inferenceMsPerImage), r.backend, `${r.checkpoint.which} ep. ${r.checkpoint.epoch}`,
      ]),
    ]));
    if (c.best && c.rows.length > 1) lines.push('  * highest macro-F1');
    lines.push('  per class: precision, recall, F1 and AUC with 95 % intervals');
    lines.push(...pad([
      ['model', 'class', 'precision', 'recall', 'F1', 'AUC'],
      ...c.rows.flatMap((r) => r.perClass.map((k) => [r.label, k.className, k.present ? formatPercent(k.precision) : 'n/a', k.present ? formatPercent(k.recall) : 'n/a', formatValueWithInterval(k.f1), formatValueWithInterval(k.auc)])),
    ]).map((l) => `  ${l}`));
    for (const r of c.rows) for (const n of r.notes) lines.push(`  ${r.label}: ${n}`);
    for (const r of c.rows) lines.push(`  ${r.label}: ${r.runDir}`);
  }
  for (const e of c.excluded) lines.push(`  not compared: ${e.reason}`);
  if (c.pairs.length) {
    lines.push(`paired tests (${c.pairing === 'best' ? 'each run against the best' : 'every pair'}):`);
    lines.push(...pairLines(c.pairs));
  }
  for (const s of c.skippedPairs) lines.push(`  not paired: ${s.reason}`);
  for (const n of c.notes) lines.push(`  ${n}`);
  if (c.crossValidation) lines.push(...crossValidationLines(c.crossValidation));
  return lines.join('\n');
}

/** The sentences and the table of paired tests. */
function pairLines(pairs: readonly PairedTest[]): string[] {
  return [
    ...pairs.map((p) => `  ${p.sentence}`),
    ...pad([
      ['pair', 'images', 'b', 'c', 'McNemar p', 'Δ macro-F1', 'Δ macro AUC'],
      ...pairs.map((p) => [`${p.labelA} vs ${p.labelB}`, String(p.images), String(p.mcnemar.b), String(p.mcnemar.c), p.mcnemar.p === 0 ? '0' : p.mcnemar.p < 1e-4 ? p.mcnemar.p.toExponential(2) : p.mcnemar.p.toPrecision(3), formatDifference(p.macroF1), formatDifference(p.macroAuc)]),
    ]).map((l) => `  ${l}`),
  ];
}

/** Cross-validation: mean ± sd over each group's folds, its pooled out-of-fold metrics, and the pooled paired tests. */
function crossValidationLines(cv: CrossValidationSummary): string[] {
  const lines: string[] = [];
  const k = Math.max(...cv.groups.map((g) => g.folds));
  lines.push(`cross-validation (${k} folds): mean ± sd over the folds, each on its held-out test set`);
  lines.push(...pad([
    ['model', 'folds', 'accuracy', 'macro-F1', 'macro AUC'],
    ...cv.groups.map((g) => [g.label, `${g.runs.length}/${g.folds}`, formatMeanSd(g.accuracy, true), formatMeanSd(g.macroF1), formatMeanSd(g.macroAuc)]),
  ]));
  lines.push('pooled out-of-fold (every fold\'s test predictions scored together, 95 % intervals)');
  lines.push(...pad([
    ['model', 'images', 'accuracy', 'macro-F1', 'macro AUC'],
    ...cv.groups.map((g) => (g.pooled
      ? [`${g.label}${g.id === cv.best && cv.groups.length > 1 ? ' *' : ''}`, String(g.pooled.images), pctIv(g.pooled.accuracy), formatValueWithInterval(g.pooled.macroF1), formatValueWithInterval(g.pooled.macroAuc)]
      : [g.label, 'n/a', 'n/a', 'n/a', 'n/a'])),
  ]));
  if (cv.best && cv.groups.length > 1) lines.push('  * highest pooled macro-F1');
  lines.push('  per class: F1 and AUC, mean ± sd over the folds and pooled out-of-fold (95 % intervals)');
  lines.push(...pad([
    ['model', 'class', 'F1 folds', 'AUC folds', 'F1 pooled', 'AUC pooled'],
    ...cv.groups.flatMap((g) => g.perClass.map((cls, i) => {
      const pooled = g.pooled?.perClass[i];
      return [g.label, cls.className, formatMeanSd(cls.f1), formatMeanSd(cls.auc), pooled ? formatValueWithInterval(pooled.f1) : 'n/a', pooled ? formatValueWithInterval(pooled.auc) : 'n/a'];
    })),
  ]).map((l) => `  ${l}`));
  for (const g of cv.groups) for (const n of g.notes) lines.push(`  ${g.label}: ${n}`);
  if (cv.pairs.length) {
    lines.push(`paired tests of the pooled out-of-fold predictions (${cv.pairing === 'best' ? 'each against the best' : 'every pair'}):`);
    lines.push(...pairLines(cv.pairs));
  }
  for (const s of cv.skippedPairs) lines.push(`  not paired: ${s.reason}`);
  for (const n of cv.notes) lines.push(`  ${n}`);
  return lines;
}

export function formatReport(r: ReportResult): string {
  const size = r.bytes >= 1e6 ? `${(r.bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(r.bytes / 1e3))} kB`;
  return [
    `report: ${r.out} (${r.format === 'markdown' ? `Markdown, ${r.figures.length} figure${r.figures.length === 1 ? '' : 's'} beside it` : 'self-contained HTML'}, ${size}, ${r.runs.length} run${r.runs.length === 1 ? '' : 's'})`,
    ...r.warnings.map((w) => `  note: ${w}`),
  ].join('\n');
}
