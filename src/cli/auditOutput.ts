/** `cxr-lab audit`'s printout: per-class table, the verdict, the top of both gallery rankings, notes, failures, the file. */
import type { AuditResult } from '../shared/engineProtocol';
import type { AuditGroup, AuditImage } from '../shared/runFiles';

/** Images listed per ranking in the terminal (the file and the view hold all of them). */
const TOP = 5;
/** "72%"; one decimal under 10 % ("0.4%"), where whole percents would read as nothing. */
const pct = (v: number | null) => (v === null ? 'n/a' : Math.abs(v) < 0.1 && v !== 0 ? `${(v * 100).toFixed(1)}%` : `${Math.round(v * 100)}%`);

function ranking(images: AuditImage[], key: (i: AuditImage) => number | null): AuditImage[] {
  return images.filter((i) => key(i) !== null).sort((a, b) => key(b)! - key(a)! || (a.rel < b.rel ? -1 : 1)).slice(0, TOP);
}

export function formatAudit(r: AuditResult): string {
  const method = r.method === 'gradcam' ? 'Grad-CAM' : r.method;
  const masks = r.masks.source === 'none' ? 'none found (neither <Class>/masks/ nor --masks): border band and markers only'
    : `${r.masks.found} found ${r.masks.source === 'folder' ? `in ${r.masks.dir}` : 'beside the images'}, ${r.masks.missing} missing` +
      (r.masks.resized ? `, ${r.masks.resized} resized` : '');
  const w = Math.max(18, ...r.perClass.map((g) => g.className.length));
  const row = (g: AuditGroup) =>
    `  ${g.className.padEnd(w)} ${String(g.images).padStart(6)} ${String(g.withMasks).padStart(6)} ${pct(g.lungs).padStart(9)} ${pct(g.lungs === null ? null : 1 - g.lungs).padStart(8)} ` +
    `${pct(g.border).padStart(7)} ${`${pct(g.markers)} (${g.withMarkers})`.padStart(13)} ${String(g.offTarget).padStart(11)}`;
  const caption = (i: AuditImage) => `pred ${r.classes[i.predicted]} ${(i.probability * 100).toFixed(1)}%${i.label !== i.predicted ? `, true ${r.classes[i.label]}` : ''}`;
  const outside = ranking(r.images, (i) => (i.lungs === null ? null : 1 - i.lungs));
  const edges = ranking(r.images, (i) => i.borderMarkers);
  return [
    `audit of run ${r.runId} on ${r.split} (${method} at ${r.layer}, ${r.checkpoint.which} checkpoint, epoch ${r.checkpoint.epoch}): ${r.images.length} of ${r.splitImages} images`,
    `  lung masks: ${masks}`,
    `  ${'class'.padEnd(w)} ${'images'.padStart(6)} ${'masks'.padStart(6)} ${'in lungs'.padStart(9)} ${'outside'.padStart(8)} ${'border'.padStart(7)} ${'markers (n)'.padStart(13)} ${'off target'.padStart(11)}`,
    ...r.perClass.map(row),
    row(r.overall),
    `  (border band: the outer ${Math.round(r.borderFraction * 100)} % of each side; markers: mean over the images where markers were found; thresholds: ` +
      `outside the lungs ≥ ${pct(r.thresholds.outsideLungs)}, border ≥ ${pct(r.thresholds.border)}, markers ≥ ${pct(r.thresholds.markers)}, per class of ≥ ${r.thresholds.minImages} images)`,
    `${r.verdict.flagged ? 'VERDICT' : 'verdict'}: ${r.verdict.sentence}`,
    ...(outside.length ? ['  most outside the lungs:', ...outside.map((i, k) => `    ${k + 1}. ${i.rel}  ${pct(1 - i.lungs!)} outside (${caption(i)})`)] : []),
    ...(edges.length ? ['  most on borders and markers:', ...edges.map((i, k) =>
      `    ${k + 1}. ${i.rel}  ${pct(i.borderMarkers)} (border ${pct(i.border)}, markers ${pct(i.markers)}${i.markerBoxes.length ? `, ${i.markerBoxes.length} found` : ''}; ${caption(i)})`)] : []),
    ...r.notes.map((n) => `  note: ${n}`),
    ...r.failed.map((f) => `  failed: ${f.rel} — ${f.error}`),
    `  ${r.jsonPath}`,
  ].join('\n');
}
