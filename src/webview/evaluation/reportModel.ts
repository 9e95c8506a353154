/**
 * The evaluation view's headline, the line saying how the intervals were made, the other metrics (kappa, log loss,
 * Brier, ECE …), the subgroup tables and the confounder warnings — each from the eval file's newer parts, absent for
 * an older file. Pure: tested under node.
 */
import type { EvaluationView, SummaryRow } from '../../shared/webviewProtocol';
import type { BootstrapInfo, Interval, SubgroupColumn } from '../../shared/runFiles';
import { metricValue as evalMetricValue } from './metricValue';
import { formatInterval, formatMetric, formatPercent } from '../../shared/format';

export interface HeadlineStat { id: string; label: string; value: string; interval: string; title?: string }

/** Accuracy, macro-F1 and (when the file has it) macro AUC, each with its 95 % interval when there is one. */
export function headline(view: EvaluationView): HeadlineStat[] {
  const iv = view.intervals;
  const roc = evalMetricValue(view.metrics, 'rocAuc');
  const ci = (i: Interval | null | undefined, percent = false) => { const t = formatInterval(i, percent); return t ? `(${t})` : ''; };
  return [
    { id: 'overall-accuracy', label: 'Accuracy', value: formatPercent(view.accuracy), interval: ci(iv?.accuracy, true) },
    { id: 'macro-f1', label: 'Macro F1', value: formatMetric(view.macro.f1), interval: ci(iv?.macroF1) },
    ...(roc ? [{
      id: 'macro-auc', label: 'Macro AUC', value: roc.macro === null ? 'n/a' : formatMetric(roc.macro), interval: ci(iv?.metrics.rocAuc?.macro),
      title: 'One-vs-rest ROC AUC, mean over the classes that have one',
    }] : []),
  ];
}

/** "95 % intervals: percentile bootstrap, 2000 resamples of 90 patients (180 images)". */
export function bootstrapNote(b: BootstrapInfo | undefined): string | undefined {
  if (!b) return undefined;
  const unit = b.unit === 'patient'
    ? `${b.clusters} patients (${b.images} images; whole patients resampled)`
    : `${b.images} images (patients unknown: single images resampled)`;
  return `${Math.round(b.confidence * 100)} % intervals: percentile bootstrap, ${b.resamples} resamples of ${unit}, seed ${b.seed}.`;
}

export interface OtherMetricRow { id: string; label: string; value: string; interval: string; title?: string }

/** Metrics whose value is a single number, with their intervals, then the AUC/AP averages and calibration. */
export function otherMetricRows(view: EvaluationView): OtherMetricRow[] {
  if (!view.metrics) return [];
  const iv = view.intervals?.metrics;
  const rows: OtherMetricRow[] = [];
  const ts = view.temperatureScaling;
  for (const m of view.metrics) {
    if (typeof m.value !== 'number' && m.value !== null) continue;
    const v = m.value as number | null;
    const beforeAfter = m.id === 'logLoss' && ts ? ` (${formatMetric(ts.logLossBefore)} before temperature scaling)` : '';
    rows.push({ id: m.id, label: m.label, value: v === null || !Number.isFinite(v) ? 'n/a' : `${formatMetric(v)}${beforeAfter}`, interval: formatInterval(iv?.[m.id]?.value) });
  }
  const avg = (id: 'rocAuc' | 'averagePrecision', name: string) => {
    const value = evalMetricValue(view.metrics, id);
    if (!value) return;
    for (const kind of ['macro', 'weighted', 'micro'] as const) {
      const x = value[kind];
      rows.push({ id: `${id}-${kind}`, label: `${name} (${kind})`, value: x === null ? 'n/a' : formatMetric(x), interval: kind === 'macro' ? formatInterval(iv?.[id]?.macro) : '' });
    }
  };
  avg('rocAuc', 'ROC AUC');
  avg('averagePrecision', 'Average precision');
  const cal = evalMetricValue(view.metrics, 'calibration');
  if (ts) {
    rows.push({
      id: 'ece', label: `ECE (${cal?.bins.length ?? 15} bins)`, value: `${formatMetric(ts.eceBefore)} → ${formatMetric(ts.eceAfter)}`, interval: '',
      title: `Before → after temperature scaling (T = ${ts.temperature.toPrecision(3)}, fitted on ${ts.fittedOn}, ${ts.fitImages} images)`,
    });
  } else if (cal) {
    rows.push({ id: 'ece', label: `ECE (${cal.bins.length} bins)`, value: formatMetric(cal.ece), interval: formatInterval(iv?.calibration?.ece) });
  }
  return rows;
}

export interface SubgroupTable {
  column: string;
  /** "source (license, origin_repo split the images the same way)". */
  title: string;
  /** "3 images have no value" when some do. */
  note?: string;
  classes: string[];
  rows: { value: string; count: string; accuracy: string; macroF1: string; recalls: string[] }[];
}

/** One table per metadata column: value, images, accuracy, macro-F1, recall per class ('—' where the group has no image of the class). */
export function subgroupTables(view: EvaluationView): SubgroupTable[] {
  return (view.subgroups ?? []).map((col: SubgroupColumn) => {
    const classes = col.groups[0]?.perClass.map((c) => c.className) ?? view.classes;
    return {
      column: col.column,
      title: col.equivalents.length ? `${col.column} (${col.equivalents.join(', ')} split the images the same way)` : col.column,
      ...(col.missing > 0 ? { note: `${col.missing} image${col.missing === 1 ? ' has' : 's have'} no ${col.column} value (in no group).` } : {}),
      classes,
      rows: col.groups.map((g) => ({
        value: g.value, count: String(g.count), accuracy: formatPercent(g.accuracy), macroF1: formatMetric(g.macroF1),
        recalls: classes.map((name) => { const c = g.perClass.find((x) => x.className === name); return c && c.recall !== null ? formatMetric(c.recall) : '—'; }),
      })),
    };
  });
}

/** The confounder sentences, as the engine wrote them. */
export function confounderWarnings(view: EvaluationView): string[] {
  return (view.confounders ?? []).map((c) => c.message);
}

/** "ensemble of 2 (soft voting): r1 resnet18 epoch 4, r2 vgg16 epoch 6" for the header; undefined for one run. */
export function ensembleNote(view: EvaluationView): string | undefined {
  if (!view.ensemble?.length) return undefined;
  return `Soft-voting ensemble (mean of the members' probabilities) of ${view.ensemble.map((m) => `${m.runId} (${m.arch}, ${m.checkpoint} epoch ${m.epoch})`).join(', ')}. Images are explained with the first member.`;
}

/** A summary row's interval cell: "0.894–0.963", '' without one. */
export function summaryInterval(row: SummaryRow, key: 'accuracy' | 'macroF1' | 'auc'): string {
  return formatInterval(row.intervals?.[key], key === 'accuracy');
}
