import { NOT_PRESENT_NOTE, formatMetric, formatPercent, formatWithInterval } from '../shared/format';
import type { EvalResult, ExplainResult, ImportWeightsResult, InfoResult, ResultByRequest, ScanSummary, TrainResult } from '../shared/engineProtocol';
import { evalMetricValue } from '../shared/runFiles';
import { formatGrid } from './grid';
import { formatAudit } from './auditOutput';
import { formatExplainEval } from './explainEvalOutput';
import { formatComparison, formatReport } from './compareOutput';
import { formatLrFind, formatSamples, formatTune } from './augmentOutput';
import { formatPreflight, preflightReport } from '../shared/preflight';
import { peakOnScale } from '../shared/camDisplay';

const pct = formatPercent;
/** A shared-scale map's peak, "0.31 of the strongest class's". */
const sharedPeak = (i: ExplainResult['items'][number]) => `${formatMetric(i.scale ? peakOnScale(i.scale, i.classIndex) : undefined, 2)} of the strongest class's`;


export function formatEval(r: EvalResult): string {
  const na = (c: EvalResult['perClass'][number], text: string) => (c.present === false ? 'n/a' : text);
  const iv = r.intervals;
  const roc = evalMetricValue(r.metrics, 'rocAuc');
  const f1s = r.perClass.map((c, i) => na(c, formatWithInterval(c.f1, iv?.perClass[i]?.f1)));
  const aucs = r.perClass.map((c, i) => (roc ? formatWithInterval(roc.perClass[i]?.auc, iv?.metrics.rocAuc?.[c.className]) : ''));
  const fw = Math.max(6, ...f1s.map((t) => t.length)), aw = Math.max(3, ...aucs.map((t) => t.length));
  const rows = r.perClass.map((c, i) =>
    `  ${c.className.padEnd(18)} ${na(c, pct(c.accuracy)).padStart(7)} ${na(c, pct(c.precision)).padStart(9)} ${na(c, pct(c.recall)).padStart(7)} ${f1s[i].padStart(fw)} ${String(c.support).padStart(7)}` +
    (roc ? `  ${aucs[i].padStart(aw)}` : ''));
  const scalars = r.metrics.filter((m) => typeof m.value === 'number' || m.value === null)
    .map((m) => `${m.label} ${formatWithInterval(m.value as number | null, iv?.metrics[m.id]?.value)}`);
  return [
    `${r.name}: accuracy ${formatWithInterval(r.accuracy, iv?.accuracy, true)}, macro-F1 ${formatWithInterval(r.macroF1, iv?.macroF1)}`,
    ...(scalars.length ? [`  ${scalars.join(', ')}`] : []),
    `  ${'class'.padEnd(18)} ${'acc'.padStart(7)} ${'precision'.padStart(9)} ${'recall'.padStart(7)} ${'F1'.padStart(fw)} ${'support'.padStart(7)}` + (roc ? `  ${'AUC'.padStart(aw)}` : ''),
    ...rows,
    ...(r.perClass.some((c) => c.present === false) ? [`  ${NOT_PRESENT_NOTE}`] : []),
    ...(roc?.perClass.filter((c) => c.auc === null && c.reason).map((c) => `  AUC of ${c.className} n/a: ${c.reason}`) ?? []),
    ...formatRankingAndCalibration(r),
    `  confusion matrix (rows true, columns predicted): ${JSON.stringify(r.confusion)}`,
    ...(r.confounders ?? []).map((c) => `  warning: ${c.message}`),
    ...formatSubgroups(r.subgroups ?? []),
    `  ${r.jsonPath}`,
    `  ${r.pngPath}`,
  ].join('\n');
}

/** AUC and average-precision averages, calibration (ECE, temperature scaling) and how the intervals were made. */
function formatRankingAndCalibration(r: EvalResult): string[] {
  const iv = r.intervals;
  const roc = evalMetricValue(r.metrics, 'rocAuc'), ap = evalMetricValue(r.metrics, 'averagePrecision');
  const cal = evalMetricValue(r.metrics, 'calibration'), ts = r.temperatureScaling, b = r.bootstrap;
  const lines: string[] = [];
  if (roc) {
    lines.push(`  AUC macro ${formatWithInterval(roc.macro, iv?.metrics.rocAuc?.macro)}, weighted ${formatWithInterval(roc.weighted, null)}, micro ${formatWithInterval(roc.micro, null)}` +
      (ap ? `; average precision macro ${formatWithInterval(ap.macro, iv?.metrics.averagePrecision?.macro)}, micro ${formatWithInterval(ap.micro, null)}` : ''));
  }
  if (r.tta) lines.push(`  test-time augmentation: probabilities averaged over ${r.tta.views.length} views of the ${r.tta.preset} preset (${r.tta.views.map((v) => v.name).join('; ')})`);
  if (ts) {
    lines.push(`  calibration: ECE ${formatMetric(ts.eceBefore)} → ${formatMetric(ts.eceAfter)} after temperature scaling (T = ${ts.temperature.toPrecision(3)}, ` +
      `fitted on ${ts.fittedOn}, ${ts.fitImages} images); log loss ${formatMetric(ts.logLossBefore)} → ${formatMetric(ts.logLossAfter)}; the numbers above are calibrated`);
  } else if (cal) {
    lines.push(`  calibration: ECE ${formatWithInterval(cal.ece, iv?.metrics.calibration?.ece)} (15 bins; --calibrate fits a temperature on val)`);
  }
  if (b) {
    lines.push(`  intervals: ${Math.round(b.confidence * 100)} % percentile bootstrap, ${b.resamples} resamples of ` +
      (b.unit === 'patient' ? `${b.clusters} patients (${b.images} images)` : `${b.images} images (patients unknown)`));
  }
  return lines;
}

/** Values shown per column; the rest are in the eval file. */
const MAX_SUBGROUP_ROWS = 12;

/** Per metadata column: images, accuracy, macro-F1 and recall per class of each value's images. */
export function formatSubgroups(columns: NonNullable<EvalResult['subgroups']>): string[] {
  const cut = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s);
  return columns.flatMap((col) => {
    const w = Math.min(24, Math.max(10, ...col.groups.map((g) => g.value.length)));
    const classes = col.groups[0]?.perClass.map((c) => c.className) ?? [];
    const cw = classes.map((c) => Math.min(16, Math.max(7, c.length)));
    const more = col.groups.length - MAX_SUBGROUP_ROWS;
    return [
      `  subgroups by ${col.column}${col.equivalents.length ? ` (${col.equivalents.join(', ')}: the same split)` : ''}, recall per class:`,
      `    ${'value'.padEnd(w)} ${'images'.padStart(6)} ${'acc'.padStart(7)} ${'macro-F1'.padStart(8)} ${classes.map((c, i) => cut(c, cw[i]).padStart(cw[i])).join(' ')}`,
      ...col.groups.slice(0, MAX_SUBGROUP_ROWS).map((g) =>
        `    ${cut(g.value, w).padEnd(w)} ${String(g.count).padStart(6)} ${pct(g.accuracy).padStart(7)} ${g.macroF1.toFixed(3).padStart(8)} ` +
        g.perClass.map((c, i) => (c.recall === null ? 'n/a' : pct(c.recall)).padStart(cw[i])).join(' ')),
      ...(more > 0 ? [`    … ${more} more value${more === 1 ? '' : 's'} in the eval file`] : []),
      ...(col.missing > 0 ? [`    ${col.missing} image${col.missing === 1 ? '' : 's'} without a ${col.column}`] : []),
    ];
  });
}

const printers: { [K in keyof ResultByRequest]: (r: ResultByRequest[K]) => string } = {
  preflight: (r) => formatPreflight(preflightReport(r)),
  info: (r: InfoResult) => [
    `backend: ${r.backend} (threads ${r.threads}, SIMD ${r.simd ? 'on' : 'off'})`,
    ...r.tried.map((t) => `  not used: ${t.name} — ${t.error}`),
    `versions: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    ...(r.native ? [`TensorFlow libraries: ${r.native}`] : []),
    ...(r.gpu ? [`gpu: ${r.gpu.summary}`] : []),
    `models: ${r.models.join(', ')}`,
  ].join('\n'),
  scan: (r: ScanSummary) => [
    `${r.root} (${r.layout}): ${r.classes.length} classes`,
    ...Object.entries(r.perClass).map(([c, n]) => `  ${c}: ${n} (default split: train ${r.perSplit.train[c]}, val ${r.perSplit.val[c]}, test ${r.perSplit.test[c]})`),
    `  sizes: ${r.size.minWidth}–${r.size.maxWidth} × ${r.size.minHeight}–${r.size.maxHeight} px (mean ${Math.round(r.size.meanWidth)} × ${Math.round(r.size.meanHeight)})`,
    `  channels: ${Object.entries(r.channels).map(([c, n]) => `${c}: ${n}`).join(', ')}; formats: ${Object.entries(r.formats).map(([f, n]) => `${f}: ${n}`).join(', ')}`,
    ...(r.patients ? [`  patients: ${r.patients.count}${r.patients.metadata
      ? ` (metadata.csv${r.patients.metadata.column ? `, column ${r.patients.metadata.column}` : ', no patient column'}; other columns: ${r.patients.metadata.columns.join(', ') || 'none'})`
      : r.patients.source === 'pattern' ? ' (from the file names)' : ' (unknown: each image its own patient)'}`] : []),
    ...r.excluded.map((e) => `  left out: ${e.file} — ${e.reason}`),
    ...r.issues.map((i) => `  ${i.severity}: ${i.message}`),
  ].join('\n'),
  slurm: (r) => r.runs.map((x) => `Slurm job ${x.jobId}: ${x.runDir}`).join('\n') || 'no Slurm job',
  train: (r: TrainResult) => `run ${r.status} after ${r.epochsDone} epoch(s): ${r.runDir}` +
    (r.best ? `\nbest checkpoint: epoch ${r.best.epoch}, val loss ${r.best.valLoss.toFixed(4)}, val acc ${pct(r.best.valAcc)}` : ''),
  evaluate: formatEval,
  explain: (r: ExplainResult) => r.items.map((i) =>
    `${i.image}: ${i.className} (${pct(i.probabilities[i.classIndex])}), layer ${i.layer}${i.scale?.mode === 'shared' ? `, scale shared by the classes (this map peaks at ${sharedPeak(i)})` : ''}` +
    `\n  ${i.overlay}\n  ${i.heatmap}\n  ${i.json} (raw values)`).join('\n'),
  grid: formatGrid,
  audit: formatAudit,
  'explain-eval': formatExplainEval,
  'import-weights': (r: ImportWeightsResult) => `${r.arch} weights from ${r.sourceFile} (${r.format}, sha256 ${r.sha256.slice(0, 12)}…): ` +
    `${(r.params / 1e6).toFixed(2)}M parameters${r.includeTop ? ' with the 1000-class top' : ''}, inputs normalised '${r.normalization}', in ${r.seconds.toFixed(1)} s\n` +
    `  ${r.outDir}\n  use it with: cxr-lab train <dataset> --arch ${r.arch} --pretrained ${r.outDir}`,
  'native-install': (r) => `TensorFlow ${r.tensorflow} (${r.variant}) from ${r.source}: ${(r.bytes / 1e6).toFixed(0)} MB in ${r.dir} (${r.seconds.toFixed(0)} s)`,
  compare: formatComparison,
  report: formatReport,
  'lr-find': formatLrFind,
  samples: formatSamples,
  tune: formatTune,
  cancel: (r) => (r.cancelled ? 'cancelled' : 'nothing to cancel'),
};

export function printResult(kind: keyof ResultByRequest, result: unknown): void {
  console.log((printers[kind] as (r: unknown) => string)(result));
}
