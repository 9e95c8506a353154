import { NOT_PRESENT_NOTE, formatPercent } from '../shared/format';
import type { EvalResult, ExplainResult, ImportWeightsResult, InfoResult, ResultByRequest, ScanSummary, TrainResult } from '../shared/engineProtocol';

const pct = formatPercent;

export function formatEval(r: EvalResult): string {
  const na = (c: EvalResult['perClass'][number], text: string) => (c.present === false ? 'n/a' : text);
  const rows = r.perClass.map((c) =>
    `  ${c.className.padEnd(18)} ${na(c, pct(c.accuracy)).padStart(7)} ${na(c, pct(c.precision)).padStart(9)} ${na(c, pct(c.recall)).padStart(7)} ${na(c, c.f1.toFixed(3)).padStart(6)} ${String(c.support).padStart(7)}`);
  return [
    `${r.name}: accuracy ${pct(r.accuracy)}, macro-F1 ${r.macroF1.toFixed(3)}` +
      r.metrics.filter((m) => typeof m.value === 'number').map((m) => `, ${m.label} ${(m.value as number).toFixed(3)}`).join(''),
    `  ${'class'.padEnd(18)} ${'acc'.padStart(7)} ${'precision'.padStart(9)} ${'recall'.padStart(7)} ${'F1'.padStart(6)} ${'support'.padStart(7)}`,
    ...rows,
    ...(r.perClass.some((c) => c.present === false) ? [`  ${NOT_PRESENT_NOTE}`] : []),
    `  confusion matrix (rows true, columns predicted): ${JSON.stringify(r.confusion)}`,
    `  ${r.jsonPath}`,
    `  ${r.pngPath}`,
  ].join('\n');
}

const printers: { [K in keyof ResultByRequest]: (r: ResultByRequest[K]) => string } = {
  info: (r: InfoResult) => [
    `backend: ${r.backend} (threads ${r.threads}, SIMD ${r.simd ? 'on' : 'off'})`,
    ...r.tried.map((t) => `  not used: ${t.name} — ${t.error}`),
    `versions: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `models: ${r.models.join(', ')}`,
  ].join('\n'),
  scan: (r: ScanSummary) => [
    `${r.root} (${r.layout}): ${r.classes.length} classes`,
    ...Object.entries(r.perClass).map(([c, n]) => `  ${c}: ${n} (default split: train ${r.perSplit.train[c]}, val ${r.perSplit.val[c]}, test ${r.perSplit.test[c]})`),
    `  sizes: ${r.size.minWidth}–${r.size.maxWidth} × ${r.size.minHeight}–${r.size.maxHeight} px (mean ${Math.round(r.size.meanWidth)} × ${Math.round(r.size.meanHeight)})`,
    `  channels: ${Object.entries(r.channels).map(([c, n]) => `${c}: ${n}`).join(', ')}; formats: ${Object.entries(r.formats).map(([f, n]) => `${f}: ${n}`).join(', ')}`,
    ...r.excluded.map((e) => `  left out: ${e.file} — ${e.reason}`),
    ...r.issues.map((i) => `  ${i.severity}: ${i.message}`),
  ].join('\n'),
  train: (r: TrainResult) => `run ${r.status} after ${r.epochsDone} epoch(s): ${r.runDir}` +
    (r.best ? `\nbest checkpoint: epoch ${r.best.epoch}, val loss ${r.best.valLoss.toFixed(4)}, val acc ${pct(r.best.valAcc)}` : ''),
  evaluate: formatEval,
  explain: (r: ExplainResult) => r.items.map((i) =>
    `${i.image}: ${i.className} (${pct(i.probabilities[i.classIndex])}), layer ${i.layer}\n  ${i.overlay}\n  ${i.heatmap}`).join('\n'),
  'import-weights': (r: ImportWeightsResult) => `${r.arch} weights from ${r.sourceFile} (${r.format}, sha256 ${r.sha256.slice(0, 12)}…): ` +
    `${(r.params / 1e6).toFixed(2)}M parameters${r.includeTop ? ' with the 1000-class top' : ''}, inputs normalised '${r.normalization}', in ${r.seconds.toFixed(1)} s\n` +
    `  ${r.outDir}\n  use it with: cxr-lab train <dataset> --arch ${r.arch} --pretrained ${r.outDir}`,
  cancel: (r) => (r.cancelled ? 'cancelled' : 'nothing to cancel'),
};

export function printResult(kind: keyof ResultByRequest, result: unknown): void {
  console.log((printers[kind] as (r: unknown) => string)(result));
}
