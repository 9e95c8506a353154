/** `cxr-lab explain-eval`: its printout (one row per CAM method, most faithful first, and the verdict). */
import type { ExplainEvalResult } from '../shared/engineProtocol';
import { formatMetric, formatPercent, formatWithInterval } from '../shared/format';

/** Metrics shown as percentages (shares of the score, shares of the images). */
const PERCENT = new Set(['avg-drop', 'increase']);
/** Column heads. */
const HEAD: Record<string, string> = { road: 'ROAD', 'road-morf': 'MoRF', 'road-lerf': 'LeRF', 'avg-drop': 'Avg Drop', increase: 'Increase' };
/** A runner-up first in at least this share of the bootstrap resamples is named beside the winner. */
const CONTENDER_SHARE = 0.05;
/** Metrics printed with their interval (the others: the mean only, to keep the table narrow). */
const WITH_INTERVAL = new Set(['road', 'avg-drop']);

export function formatExplainEval(r: ExplainEvalResult): string {
  const n = r.images.length;
  const perClass = r.classes.map((c, i) => [c, r.images.filter((im) => im.label === i).length] as const).filter(([, k]) => k > 0);
  const byId = new Map(r.methods.map((m) => [m.id, m]));
  const rows = r.ranking.order.map((id) => byId.get(id)!);
  const cell = (m: ExplainEvalResult['methods'][number], metric: string) => {
    const percent = PERCENT.has(metric);
    return WITH_INTERVAL.has(metric) ? formatWithInterval(m.means[metric], m.intervals[metric], percent)
      : percent ? formatPercent(m.means[metric]) : formatMetric(m.means[metric]);
  };
  const secondsPerImage = (m: ExplainEvalResult['methods'][number]) => n ? (m.seconds.cam + m.seconds.perturb + m.seconds.model) / n : NaN;
  const columns = r.metrics.map((m) => ({ id: m.id, head: `${HEAD[m.id] ?? m.label} ${m.better === 'higher' ? '↑' : '↓'}` }));
  const lw = Math.max(6, ...rows.map((m) => m.label.length));
  const widths = columns.map((c) => Math.max(c.head.length, ...rows.map((m) => cell(m, c.id).length)));
  const line = (label: string, cells: string[], first: string, seconds: string) =>
    `  ${label.padEnd(lw)}  ${cells.map((t, i) => t.padStart(widths[i])).join('  ')}  ${first.padStart(6)}  ${seconds.padStart(7)}`;
  const best = rows[0];
  const headline = r.metrics.find((m) => m.id === r.ranking.metric);
  const share = (id: string) => r.ranking.firstShare[id] ?? NaN;
  const pctOf = (v: number) => `${Math.round(v * 100)} %`;
  // Methods with the winner's headline score on every image: the same maps for this model (Grad-CAM, HiResCAM and
  // XGrad-CAM when the head is global average pooling and one dense layer).
  const sameAsBest = (m: typeof best) => !!headline && m.values[headline.id].every((v, i) => Math.abs(v - best.values[headline.id][i]) <= 1e-9);
  const leaders = best ? [best, ...rows.slice(1).filter(sameAsBest)] : [];
  // Runners-up first in at least 5 % of the resamples: on this sample they cannot be told apart from the winner.
  const contenders = rows.slice(1).filter((m) => !leaders.includes(m) && share(m.id) >= CONTENDER_SHARE);
  const leadShare = leaders.reduce((t, m) => t + share(m.id), 0);
  const resampled = `${r.bootstrap.resamples} bootstrap resamples of the ${r.bootstrap.unit === 'patient' ? `${r.bootstrap.clusters} patients` : `${n} images`}`;
  // The best by another metric, when it beats the winner there by more than the printed precision.
  const others = r.metrics.filter((m) => m.id !== r.ranking.metric && r.best[m.id] && !leaders.some((l) => l.id === r.best[m.id]))
    .filter((m) => Math.abs((byId.get(r.best[m.id])?.means[m.id] ?? NaN) - (best?.means[m.id] ?? NaN)) >= 5e-4)
    .map((m) => `${m.label}: ${byId.get(r.best[m.id])?.label ?? r.best[m.id]}`);
  const verdict = !best || !headline ? [] : [
    `  most faithful by ${headline.label}: ${leaders.map((m) => m.label).join(' = ')} (${formatMetric(best.means[headline.id])}` +
      (leaders.length > 1 ? ', the same score on every image: the same maps for this model)' : ')') +
      (!Number.isFinite(leadShare) ? ' (one image: no resampling)'
        : `, first in ${pctOf(leadShare)} of ${resampled}` +
          (contenders.length ? `; ${contenders.map((m) => `${m.label} in ${pctOf(share(m.id))}`).join(', ')}: not told apart on this sample` : '')) +
      (others.length ? `; by ${others.join(', by ')}` : ''),
  ];
  const s = r.settings;
  return [
    `faithfulness on ${n} ${r.split} images of run ${r.runId} (${perClass.map(([c, k]) => `${k} ${c}`).join(', ')}; ${r.checkpoint} checkpoint, layer ${s.layer}), ` +
      'each explained for its predicted class',
    line('method', columns.map((c) => c.head), 'first', 's/image'),
    ...rows.map((m) => line(m.label, columns.map((c) => cell(m, c.id)), Number.isFinite(share(m.id)) ? `${Math.round(share(m.id) * 100)}%` : '—',
      secondsPerImage(m).toFixed(2))),
    ...verdict,
    `  ROAD = (LeRF − MoRF) / 2 (pytorch-grad-cam's ROADCombined): the ${s.target === 'logit' ? 'logit' : 'softmax probability'} of the class after ` +
      `removing the most (MoRF) or least (LeRF) relevant pixels, minus before, averaged over percentiles ${s.percentiles.join(', ')}; noisy linear imputer, noise ${s.noise}`,
    '  Avg Drop = max(0, p − p′) / p and Increase = share of images with p′ > p, p′ on the input times the map (torch-cam); ' +
      `intervals: 95 % bootstrap; first: share of the resamples in which the method has the best ${headline?.label ?? 'score'}`,
    ...r.skipped.map((k) => `  skipped ${k.file}: ${k.error}`),
    `  ${r.jsonPath}`,
    `  ${r.seconds.toFixed(1)} s (${n ? (r.seconds / n).toFixed(1) : '—'} s per image)`,
  ].join('\n');
}
