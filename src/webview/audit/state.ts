/** The shortcut-audit view's model: what the per-class table and the ranked gallery show. Pure, tested under node. */
import type { AuditFile, AuditFinding, AuditGroup, AuditImage } from '../../shared/runFiles';
import type { AuditToWebview, AuditView } from '../../shared/webviewProtocol';

export type Ranking = 'outside-lungs' | 'border-markers';

export interface AuditState {
  view?: AuditView;
  busy?: string;
  error?: string;
  /** The gallery's order; undefined: the default for the audit on show. */
  ranking?: Ranking;
}

export const initialAuditState: AuditState = {};

export function reduceAudit(state: AuditState, m: AuditToWebview): AuditState {
  switch (m.type) {
    case 'init': {
      const same = state.view?.runDir === m.view.runDir && state.view?.name === m.view.name;
      return { view: m.view, ranking: same ? state.ranking : undefined };
    }
    case 'busy': return { ...state, busy: m.message, error: undefined };
    case 'error': return { ...state, busy: undefined, error: m.message };
  }
}

/** "72%"; one decimal under 10 % ("0.4%"), where whole percents would read as nothing. */
export const pct = (v: number | null | undefined): string => {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  return Math.abs(v) < 0.1 && v !== 0 ? `${(v * 100).toFixed(1)}%` : `${Math.round(v * 100)}%`;
};

/** Outside the lungs when any image has a mask (what the lungs can tell), else borders and markers. */
export function defaultRanking(audit: Pick<AuditFile, 'images'>): Ranking {
  return audit.images.some((i) => i.lungs !== null) ? 'outside-lungs' : 'border-markers';
}

export function rankingKey(ranking: Ranking): (i: AuditImage) => number | null {
  return ranking === 'outside-lungs' ? (i) => (i.lungs === null ? null : 1 - i.lungs) : (i) => i.borderMarkers;
}

export interface GalleryTile {
  file: string;
  rel: string;
  name: string;
  overlayUri?: string;
  rank: number;
  /** The ranking's share, "87%", and what it is: "outside the lungs". */
  headline: string;
  measure: string;
  /** The lung and border shares: "lungs 13% · border 41%". */
  shares: string;
  /** "markers 0.4% (1 found)", or "no markers found". */
  markers: string;
  trueClass: string;
  predicted: string;
  probability: string;
  wrong: boolean;
  note?: string;
}

/** The gallery: the top `audit.gallery` of the ranking (highest first, ties by path) that have an overlay; rank = place in the whole ranking. */
export function galleryTiles(view: AuditView, ranking: Ranking): GalleryTile[] {
  const key = rankingKey(ranking);
  const { audit } = view;
  const ranked = audit.images.filter((i) => key(i) !== null).sort((a, b) => key(b)! - key(a)! || (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return ranked.slice(0, audit.gallery).map((i, k) => ({ i, rank: k + 1 })).filter(({ i }) => view.overlays[i.rel]).map(({ i, rank }) => ({
    file: i.file, rel: i.rel, name: i.rel.split('/').pop() ?? i.rel, overlayUri: view.overlays[i.rel], rank,
    headline: pct(key(i)), measure: ranking === 'outside-lungs' ? 'outside the lungs' : 'on the border band or markers',
    shares: `${i.lungs === null ? 'no lung mask' : `lungs ${pct(i.lungs)}`} · border ${pct(i.border)}`,
    markers: i.markerBoxes.length ? `markers ${pct(i.markers)} (${i.markerBoxes.length} found)` : 'no markers found',
    trueClass: audit.classes[i.label] ?? String(i.label), predicted: audit.classes[i.predicted] ?? String(i.predicted),
    probability: pct(i.probability), wrong: i.label !== i.predicted, ...(i.note ? { note: i.note } : {}),
  }));
}

export interface ClassRow {
  className: string;
  cells: { text: string; flagged: boolean; title?: string }[];
  overall: boolean;
}

export const CLASS_COLUMNS = ['Class', 'Images', 'With masks', 'Inside lungs', 'Outside lungs', 'Border band', 'Markers', 'Off target'] as const;

/** One row per class and one for all images; a cell is flagged when the verdict names that class and share. */
export function classRows(audit: Pick<AuditFile, 'perClass' | 'overall' | 'verdict' | 'thresholds'>): ClassRow[] {
  const flagged = (g: AuditGroup, kind: AuditFinding['kind']) => audit.verdict.findings.some((f) => f.group === g.className && f.kind === kind);
  const t = audit.thresholds;
  const row = (g: AuditGroup, overall: boolean): ClassRow => ({
    className: g.className, overall,
    cells: [
      { text: String(g.images), flagged: false, ...(g.flat ? { title: `${g.flat} flat map${g.flat === 1 ? '' : 's'} left out of the means` } : {}) },
      { text: String(g.withMasks), flagged: false },
      { text: pct(g.lungs), flagged: false },
      { text: pct(g.lungs === null ? null : 1 - g.lungs), flagged: flagged(g, 'outside-lungs'), title: `flagged at ≥ ${pct(t.outsideLungs)}` },
      { text: pct(g.border), flagged: flagged(g, 'border'), title: `flagged at ≥ ${pct(t.border)}` },
      { text: g.markers === null ? 'none found' : `${pct(g.markers)} (${g.withMarkers})`, flagged: flagged(g, 'markers'), title: `mean over the ${g.withMarkers} images with markers; flagged at ≥ ${pct(t.markers)}` },
      { text: String(g.offTarget), flagged: false, title: 'images whose own shares cross a threshold' },
    ],
  });
  return [...audit.perClass.map((g) => row(g, false)), row(audit.overall, true)];
}

/** "mobilenetv2 · test split · Grad-CAM at out_relu · best checkpoint (epoch 6) · 180 of 180 images". */
export function auditSubtitle(view: AuditView): string {
  const a = view.audit;
  const method = a.method === 'gradcam' ? 'Grad-CAM' : a.method;
  return `${view.arch} · ${a.split} split · ${method} at ${a.layer} · ${a.checkpoint.which} checkpoint (epoch ${a.checkpoint.epoch}) · ${a.images.length} of ${a.splitImages} images`;
}

/** The thresholds and what the band is, under the table. */
export function thresholdsNote(a: Pick<AuditFile, 'thresholds' | 'borderFraction'>): string {
  const t = a.thresholds;
  const band = 1 - (1 - 2 * a.borderFraction) ** 2;
  return `A class is flagged when its mean share is at least: outside the lungs ${pct(t.outsideLungs)}, border band ${pct(t.border)} ` +
    `(the outer ${Math.round(a.borderFraction * 100)} % of each side, ${pct(band)} of the image), markers ${pct(t.markers)} (over its images with markers); ` +
    `each over at least ${t.minImages} images.`;
}

/** How the audit got its lung masks. */
export function masksLine(a: Pick<AuditFile, 'masks'>): string {
  const m = a.masks;
  if (m.source === 'none') return 'No lung masks: the border band and markers only. Masks come from <Class>/masks/ beside <Class>/images/, or a folder you choose.';
  const where = m.source === 'folder' ? `from ${m.dir}` : 'beside the images (<Class>/masks/)';
  return `Lung masks ${where}: ${m.found} found, ${m.missing} missing${m.resized ? `, ${m.resized} resized (nearest neighbour)` : ''}.`;
}
