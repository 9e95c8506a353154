/** What `cxr-lab lr-find`, `samples` and `tune` print: the suggestions, the per-class summary, the candidates and the winner. */
import type { LrFindResult, SamplesResult, TuneResult } from '../shared/engineProtocol';
import { formatDuration, formatLr, formatPercent } from '../shared/format';

export function formatLrFind(r: LrFindResult): string {
  const stop = r.stoppedBy === 'diverged' ? 'stopped when the loss diverged' : r.stoppedBy === 'cancelled' ? 'cancelled' : `all ${r.numIt} batches`;
  const s = r.suggestions;
  return [
    `LR finder: ${r.config.arch} (${r.config.preset ?? 'reference'} preset, ${r.config.imageSize} px) on ${r.dataset.trainImages} training images: ` +
      `${r.points.length} batches of ${r.config.batchSize}, rates ${formatLr(r.startLr)} → ${formatLr(r.points.at(-1)?.lr)} (${stop}), ${formatDuration(r.seconds)}`,
    s ? `  suggested learning rates (fastai): valley ${formatLr(s.valley.lr)} (smoothed loss ${s.valley.loss.toFixed(3)}), steep ${formatLr(s.steep.lr)} (${s.steep.loss.toFixed(3)})`
      : '  too few batches for a suggestion: lower --batch or raise the number of training images',
    ...(s ? [`  train with it: cxr-lab train ${r.dataset.root} --arch ${r.config.arch} --preset ${r.config.preset ?? 'reference'} --lr ${formatLr(s.valley.lr)}`] : []),
    `  ${r.jsonPath}`,
    `  ${r.pngPath}`,
  ].join('\n');
}

export function formatSamples(r: SamplesResult): string {
  const w = Math.max(8, ...r.classes.map((c) => c.className.length));
  const range = (lo: number, hi: number) => (lo === hi ? `${lo}` : `${lo}–${hi}`);
  return [
    `${r.root}: ${r.classes.length} classes, ${r.perClass} random images per class (seed ${r.seed}), augmented by the ${r.preset} preset (${formatDuration(r.seconds)})`,
    `  ${'class'.padEnd(w)} ${'images'.padStart(6)}  ${'width × height, px (median)'.padEnd(34)} intensity mean ± sd (images)`,
    ...r.classes.map((c) => `  ${c.className.padEnd(w)} ${String(c.images).padStart(6)}  ${`${range(c.size.minWidth, c.size.maxWidth)} × ${range(c.size.minHeight, c.size.maxHeight)} (${c.size.medianWidth} × ${c.size.medianHeight})`.padEnd(34)} ` +
      `${c.histogram.mean.toFixed(0)} ± ${c.histogram.std.toFixed(0)} (${c.histogram.images})`),
    '  samples and the augmentation drawn for each:',
    ...r.classes.flatMap((c) => c.samples.map((s) => `    ${s.rel} (${s.width} × ${s.height}): ${s.augmentation}`)),
    ...(r.png ? [`  grid: ${r.png}`] : []),
  ].join('\n');
}

export function formatTune(r: TuneResult): string {
  const w = Math.max(9, ...r.candidates.map((c) => c.name.length));
  const num = (v: number | undefined, f: (x: number) => string) => (v === undefined || !Number.isFinite(v) ? '—' : f(v));
  const scores = (loss: number | undefined, acc: number | undefined, f1: number | undefined) =>
    `${num(loss, (x) => x.toFixed(3)).padStart(8)} ${num(acc, (x) => formatPercent(x)).padStart(7)} ${num(f1, (x) => x.toFixed(3)).padStart(12)}`;
  const won = (c: TuneResult['candidates'][number], tta: boolean) => (c.name === r.winner && (r.winnerTta ?? false) === tta ? '  ← winner' : '');
  return [
    `tune ${r.tuneDir}: ${r.candidates.length} candidates on one split${r.seeds ? `, each trained with seeds ${r.seeds.join(', ')} (scored by the mean)` : ''}${r.tta ? ', each with and without test-time augmentation' : ''}, ranked by ${r.criterion === 'val-loss' ? 'validation loss' : 'validation macro-F1 (then loss)'}`,
    `  ${'candidate'.padEnd(w)} ${'status'.padEnd(9)} ${'best epoch'.padStart(10)} ${'val loss'.padStart(8)} ${'val acc'.padStart(7)} ${'val macro-F1'.padStart(12)}`,
    ...r.candidates.flatMap((c) => [
      `  ${c.name.padEnd(w)} ${c.status.padEnd(9)} ${num(c.bestEpoch, String).padStart(10)} ${scores(c.valLoss, c.valAccuracy, c.valMacroF1)}${won(c, false)}${c.reason ? `  (${c.reason})` : ''}`,
      ...(c.valTta ? [`  ${'  with TTA'.padEnd(w)} ${''.padEnd(9)} ${''.padStart(10)} ${scores(c.valTta.loss, c.valTta.accuracy, c.valTta.macroF1)}${won(c, true)}`] : []),
      ...(c.runs ?? []).map((s) => `  ${`  seed ${s.seed}`.padEnd(w)} ${s.status.padEnd(9)} ${num(s.bestEpoch, String).padStart(10)} ${scores(s.valLoss, s.valAccuracy, s.valMacroF1)}` +
        `${s.valTta ? `  TTA macro-F1 ${s.valTta.macroF1.toFixed(3)}` : ''}${s.reason ? `  (${s.reason})` : ''}`),
    ]),
    ...(r.test ? [`  winner ${r.winner}${r.test.tta ? ' with TTA' : ''} on the test split (its only use): ${r.test.runs ? 'mean ' : ''}accuracy ${formatPercent(r.test.accuracy)}, macro-F1 ${r.test.macroF1.toFixed(3)} ` +
      `(${r.test.runs ? r.test.runs.map((t) => `seed ${t.seed} ${t.macroF1.toFixed(3)}`).join(', ') : r.test.evalFile})`] : []),
    `  ${r.jsonPath}`,
  ].join('\n');
}
