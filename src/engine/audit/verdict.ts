/**
 * From per-image CAM shares to the audit's per-class summary and its one-sentence verdict. Pure, so the threshold
 * logic is tested on constructed scores (test/unit/auditScores.test.ts).
 *
 * The thresholds (AUDIT_THRESHOLDS), each judged on a class's mean (by true label; every class, then all images
 * together), only when at least `minImages` images of the class have that share measured:
 *  - outside the lungs ≥ 0.5: most of the evidence lies outside the lung mask. A map spread evenly would put
 *    1 − the lung area there (about 0.6–0.7 on a chest X-ray), so 0.5 is lenient: it flags maps that avoid the
 *    lungs or sit on the background, not maps that merely spill over the lung edge;
 *  - border band ≥ 0.5: the outer 10 % of each side is 36 % of the image; a majority of the mass there means the
 *    model looks at the frame (collimation edges, the black background, corner text);
 *  - markers ≥ 0.15 (over the images where markers were found): the marker regions cover about 1–3 % of the image,
 *    so 15 % of the mass on them is a CAM centred on the letters.
 * An image is "off target" when one of its own shares crosses the same threshold.
 */
import type { AuditFinding, AuditGroup, AuditImage, AuditThresholds } from '../../shared/runFiles';
import { BORDER_FRACTION } from './regions';

export const AUDIT_THRESHOLDS: AuditThresholds = { outsideLungs: 0.5, border: 0.5, markers: 0.15, minImages: 5 };

export type AuditScores = Pick<AuditImage, 'label' | 'lungs' | 'border' | 'markers' | 'markerBoxes'>;

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Whether one image's own shares cross a threshold. */
export function offTarget(img: AuditScores, t: AuditThresholds = AUDIT_THRESHOLDS): boolean {
  return (img.lungs !== null && 1 - img.lungs >= t.outsideLungs) || (img.border !== null && img.border >= t.border)
    || (img.markers !== null && img.markerBoxes.length > 0 && img.markers >= t.markers);
}

export function summarizeGroup(className: string, images: AuditScores[], t: AuditThresholds = AUDIT_THRESHOLDS): AuditGroup {
  const lungs = images.flatMap((i) => (i.lungs === null ? [] : [i.lungs]));
  const border = images.flatMap((i) => (i.border === null ? [] : [i.border]));
  const markers = images.flatMap((i) => (i.markers === null || i.markerBoxes.length === 0 ? [] : [i.markers]));
  return {
    className, images: images.length, flat: images.length - border.length, withMasks: lungs.length, withMarkers: markers.length,
    lungs: mean(lungs), border: mean(border), markers: mean(markers), offTarget: images.filter((i) => offTarget(i, t)).length,
  };
}

/** The findings of one group: each mean that crosses its threshold over at least minImages images. */
export function groupFindings(g: AuditGroup, t: AuditThresholds = AUDIT_THRESHOLDS): AuditFinding[] {
  const out: AuditFinding[] = [];
  if (g.lungs !== null && g.withMasks >= t.minImages && 1 - g.lungs >= t.outsideLungs) {
    out.push({ group: g.className, kind: 'outside-lungs', value: 1 - g.lungs, threshold: t.outsideLungs, images: g.withMasks });
  }
  const measured = g.images - g.flat;
  if (g.border !== null && measured >= t.minImages && g.border >= t.border) {
    out.push({ group: g.className, kind: 'border', value: g.border, threshold: t.border, images: measured });
  }
  if (g.markers !== null && g.withMarkers >= t.minImages && g.markers >= t.markers) {
    out.push({ group: g.className, kind: 'markers', value: g.markers, threshold: t.markers, images: g.withMarkers });
  }
  return out;
}

export const ALL_IMAGES = 'all images';

/** Per class (by true label), all images together, the findings, and the one-sentence verdict. */
export function summarizeAudit(images: AuditScores[], classes: string[], t: AuditThresholds = AUDIT_THRESHOLDS): {
  perClass: AuditGroup[]; overall: AuditGroup; verdict: { flagged: boolean; sentence: string; findings: AuditFinding[] };
} {
  const perClass = classes.map((c, k) => summarizeGroup(c, images.filter((i) => i.label === k), t)).filter((g) => g.images > 0);
  const overall = summarizeGroup(ALL_IMAGES, images, t);
  const findings = perClass.flatMap((g) => groupFindings(g, t));
  // All images together only adds what no single class showed.
  for (const f of groupFindings(overall, t)) if (!findings.some((x) => x.kind === f.kind)) findings.push(f);
  return { perClass, overall, verdict: { flagged: findings.length > 0, sentence: verdictSentence(findings, overall), findings } };
}

/** "72%"; one decimal under 10 % ("0.4%"), where whole percents would read as nothing. */
const pct = (v: number) => (Math.abs(v) < 0.1 && v !== 0 ? `${(v * 100).toFixed(1)}%` : `${Math.round(v * 100)}%`);
const BAND_AREA = 1 - (1 - 2 * BORDER_FRACTION) ** 2;

function findingText(f: AuditFinding): string {
  const who = f.group === ALL_IMAGES ? 'all images together' : f.group;
  switch (f.kind) {
    case 'outside-lungs': return `${who} ${pct(f.value)} of its CAM mass outside the lungs (${f.images} images with masks)`;
    case 'border': return `${who} ${pct(f.value)} in the border band (the outer 10 %, ${pct(BAND_AREA)} of the image)`;
    case 'markers': return `${who} ${pct(f.value)} on burned-in text and markers (${f.images} images with markers)`;
  }
}

/** One sentence: the findings when there are some, else the means and that none crosses its threshold. */
export function verdictSentence(findings: AuditFinding[], overall: AuditGroup): string {
  if (findings.length > 0) {
    return `This run looks at the wrong places: ${findings.map(findingText).join('; ')} — it can tell the classes apart by where the image ` +
      'came from rather than by the lungs (a shortcut, DeGrave et al. 2021).';
  }
  if (overall.border === null) return 'No image had a CAM with any positive mass (every map is flat), so nothing could be judged.';
  const parts = [
    ...(overall.lungs !== null ? [`${pct(overall.lungs)} of the CAM mass lies inside the lungs (${overall.withMasks} images with masks)`] : []),
    `${pct(overall.border)} in the border band (${pct(BAND_AREA)} of the image)`,
    overall.markers !== null ? `${pct(overall.markers)} on markers (${overall.withMarkers} images with markers)` : 'no markers were found',
  ];
  return `No shortcut flagged: on average ${parts.join(', ')}; no class crosses a threshold` +
    (overall.lungs === null ? ', and without lung masks only the border band and markers were checked.' : '.');
}
