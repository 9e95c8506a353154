/**
 * The shortcut-audit view: its model (src/webview/audit/state.ts — gallery order, flagged cells, lines) and its host
 * controller (src/extension/audit/auditController.ts) driven through a fake webview.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditFile, AuditImage } from '../../src/shared/runFiles';
import type { AuditFromWebview, AuditToWebview, AuditView } from '../../src/shared/webviewProtocol';
import { summarizeAudit } from '../../src/engine/audit/verdict';
import { auditSubtitle, classRows, defaultRanking, galleryTiles, masksLine, pct, reduceAudit, thresholdsNote } from '../../src/webview/audit/state';
import { AuditController } from '../../src/extension/audit/auditController';

const classes = ['COVID', 'Lung_Opacity'];
function image(rel: string, label: number, o: Partial<AuditImage> = {}): AuditImage {
  return {
    file: `/data/${rel}`, rel, label, predicted: label, probability: 0.9, lungs: null, border: 0.2, markers: 0, borderMarkers: 0.2,
    lungArea: null, markerArea: 0, markerBoxes: [], mask: null, maskResized: false, overlay: `/run/audit/test/${rel}.png`, ...o,
  };
}

function auditFile(images: AuditImage[], o: Partial<AuditFile> = {}): AuditFile {
  const summary = summarizeAudit(images, classes);
  return {
    format: 1, runId: 'r1', split: 'test', method: 'gradcam', layer: 'out_relu', checkpoint: { which: 'best', epoch: 3 }, createdAt: '2026-11-30T00:00:00.000Z',
    grid: 256, borderFraction: 0.1, gallery: 24, classes, masks: { source: 'folder', dir: '/masks', found: 5, missing: 2, resized: 1 }, splitImages: images.length,
    images, failed: [], ...summary, thresholds: { outsideLungs: 0.5, border: 0.5, markers: 0.15, minImages: 5 }, notes: [], ...o,
  };
}

const lo = (k: number, lungs: number) => image(`Lung_Opacity/lo-${k}.png`, 1, { lungs, lungArea: 0.2, mask: `/masks/lo-${k}.png`, border: 0.2 + k / 100, borderMarkers: 0.2 + k / 100 });
const images = [
  ...[0.3, 0.1, 0.2, 0.25, 0.15].map((l, k) => lo(k, l)),
  image('COVID/c-1.png', 0, { border: 0.45, borderMarkers: 0.5, markers: 0.1, markerBoxes: [{ x: 0, y: 0, w: 0.05, h: 0.05 }] }),
  image('COVID/c-2.png', 0, { predicted: 1, probability: 0.6, border: 0.1, borderMarkers: 0.1 }),
  image('COVID/c-flat.png', 0, { border: null, markers: null, borderMarkers: null, overlay: undefined, note: 'flat map' }),
];
const view = (a = auditFile(images)): AuditView => ({
  runDir: '/run', runId: 'r1', arch: 'mobilenetv2', name: 'test', audit: a,
  overlays: Object.fromEntries(a.images.filter((i) => i.overlay).map((i) => [i.rel, `uri:${i.rel}`])),
});

test('gallery: most outside the lungs first (images with masks only), or most on borders and markers; ties by path', () => {
  const v = view();
  assert.equal(defaultRanking(v.audit), 'outside-lungs');
  const outside = galleryTiles(v, 'outside-lungs');
  assert.deepEqual(outside.map((t) => t.name), ['lo-1.png', 'lo-4.png', 'lo-2.png', 'lo-3.png', 'lo-0.png']);
  assert.deepEqual([outside[0].rank, outside[0].headline, outside[0].measure, outside[0].overlayUri], [1, '90%', 'outside the lungs', 'uri:Lung_Opacity/lo-1.png']);
  assert.equal(outside[0].shares, 'lungs 10% · border 21%');
  const edges = galleryTiles(v, 'border-markers');
  assert.deepEqual(edges.map((t) => t.name).slice(0, 3), ['c-1.png', 'lo-4.png', 'lo-3.png']);
  assert.equal(edges[0].markers, 'markers 10% (1 found)');
  assert.equal(edges.find((t) => t.name === 'c-2.png')?.wrong, true);
  assert.equal(edges.find((t) => t.name === 'c-2.png')?.predicted, 'Lung_Opacity');
  assert.ok(!edges.some((t) => t.name === 'c-flat.png'), 'a flat map has nothing to rank');
  assert.equal(defaultRanking({ images: images.filter((i) => i.lungs === null) }), 'border-markers');
  // Only the top `gallery` of the ranking, with an overlay, are tiles; the rank is the place in the whole ranking.
  const fewer = { ...v, overlays: { 'Lung_Opacity/lo-1.png': 'u', 'Lung_Opacity/lo-2.png': 'u', 'Lung_Opacity/lo-0.png': 'u' } };
  assert.deepEqual(galleryTiles(fewer, 'outside-lungs').map((t) => [t.name, t.rank]), [['lo-1.png', 1], ['lo-2.png', 3], ['lo-0.png', 5]]);
  assert.deepEqual(galleryTiles({ ...fewer, audit: { ...fewer.audit, gallery: 3 } }, 'outside-lungs').map((t) => t.rank), [1, 3]);
});

test('per-class table: the shares the verdict names are flagged; all images last; lines under it', () => {
  const a = auditFile(images);
  assert.equal(a.verdict.flagged, true);
  const rows = classRows(a);
  assert.deepEqual(rows.map((r) => [r.className, r.overall]), [['COVID', false], ['Lung_Opacity', false], ['all images', true]]);
  const lungOpacity = rows[1];
  assert.deepEqual(lungOpacity.cells.map((c) => c.text), ['5', '5', '20%', '80%', '22%', 'none found', '5']);
  assert.deepEqual(lungOpacity.cells.map((c) => c.flagged), [false, false, false, true, false, false, false]);
  assert.equal(rows[0].cells[0].title, '1 flat map left out of the means');
  assert.equal(rows[0].cells[5].text, '10% (1)');
  assert.equal(pct(0.004), '0.4%');
  assert.equal(pct(0.72), '72%');
  assert.equal(pct(null), 'n/a');
  assert.match(thresholdsNote(a), /outside the lungs 50%, border band 50% \(the outer 10 % of each side, 36% of the image\), markers 15%/);
  assert.equal(masksLine(a), 'Lung masks from /masks: 5 found, 2 missing, 1 resized (nearest neighbour).');
  assert.match(masksLine({ masks: { source: 'none', found: 0, missing: 3, resized: 0 } }), /^No lung masks: the border band and markers only/);
  assert.equal(auditSubtitle(view(a)), 'mobilenetv2 · test split · Grad-CAM at out_relu · best checkpoint (epoch 3) · 8 of 8 images');
});

test('state: a new audit resets the gallery order, the same one keeps it; busy and errors', () => {
  const v = view();
  let s = reduceAudit({}, { type: 'init', view: v });
  s = { ...s, ranking: 'border-markers' };
  s = reduceAudit(s, { type: 'busy', message: 'Auditing…' });
  assert.equal(s.busy, 'Auditing…');
  assert.equal(s.view, v, 'the audit stays on show while busy');
  s = reduceAudit(s, { type: 'error', message: 'boom' });
  assert.deepEqual([s.busy, s.error, s.view === v], [undefined, 'boom', true]);
  s = reduceAudit(s, { type: 'init', view: { ...v } });
  assert.deepEqual([s.ranking, s.error, s.busy], ['border-markers', undefined, undefined]);
  s = reduceAudit(s, { type: 'init', view: { ...v, name: 'val' } });
  assert.equal(s.ranking, undefined);
});

function fakeWebview() {
  const posted: AuditToWebview[] = [];
  let listener: ((m: AuditFromWebview) => unknown) | undefined;
  return {
    posted,
    send: async (m: AuditFromWebview) => { await listener?.(m); },
    webview: {
      postMessage: async (m: AuditToWebview) => { posted.push(m); return true; },
      onDidReceiveMessage: (l: (m: AuditFromWebview) => unknown) => { listener = l; return { dispose: () => { listener = undefined; } }; },
    },
  };
}

test('controller: the audit after ready; Grad-CAM of its own images only; audit again with a chosen masks folder; a failure said', async () => {
  const w = fakeWebview();
  const calls: string[] = [];
  let fail = false;
  const deps = {
    load: async (runDir: string, name: string) => { calls.push(`load ${runDir} ${name}`); return view(); },
    explainImage: (file: string, runDir: string) => calls.push(`explain ${file} ${runDir}`),
    chooseMasks: async () => '/chosen',
    audit: async (runDir: string, o: { split: string; method: string; masks?: string }) => {
      calls.push(`audit ${runDir} ${o.split} ${o.method} ${o.masks ?? '-'}`);
      if (fail) throw new Error('the engine stopped');
      return 'test';
    },
    onError: (m: string) => calls.push(`error ${m}`),
  };
  const c = new AuditController(w.webview, { runDir: '/run', name: 'test' }, deps);
  await w.send({ type: 'ready' });
  assert.equal(w.posted[0].type, 'init');
  await w.send({ type: 'explainImage', file: '/data/COVID/c-1.png' });
  await w.send({ type: 'explainImage', file: '/etc/passwd' });
  assert.deepEqual(calls.filter((x) => x.startsWith('explain')), ['explain /data/COVID/c-1.png /run']);
  await w.send({ type: 'chooseMasks' });
  assert.ok(calls.includes('audit /run test gradcam /chosen'));
  assert.deepEqual(w.posted.slice(1).map((m) => m.type), ['busy', 'init']);
  assert.match((w.posted[1] as { message: string }).message, /^Auditing r1 on test with the lung masks in \/chosen…$/);
  // "Audit again" keeps the folder the audit on show used.
  await w.send({ type: 'rerun' });
  assert.ok(calls.includes('audit /run test gradcam /masks'));
  fail = true;
  await w.send({ type: 'rerun' });
  assert.deepEqual(w.posted.slice(-2).map((m) => m.type), ['busy', 'error']);
  assert.ok(calls.includes('error the engine stopped'));
  c.dispose();
});
