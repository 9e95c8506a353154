/** The report's shortcut audit: each run's verdict (audit/test.json), or how to make one. */
import type { AuditFile } from '../../../shared/runFiles';
import { formatPercent } from '../../../shared/format';
import type { ComparedRun } from '../../jobs/compare';
import type { Block, Section } from '../document';

export function auditSection(runs: readonly ComparedRun[], audits: ReadonlyMap<string, AuditFile>): Section {
  const blocks: Block[] = [];
  const done = runs.filter((r) => audits.has(r.row.runId));
  for (const r of done) {
    const a = audits.get(r.row.runId)!;
    blocks.push({ kind: 'paragraph', tone: a.verdict.flagged ? 'warning' : undefined,
      text: `${r.row.label} (${a.method}, ${a.checkpoint.which} checkpoint of epoch ${a.checkpoint.epoch}, ${a.images.length} of ${a.splitImages} test images): ${a.verdict.sentence}` });
  }
  if (done.length) {
    const share = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : formatPercent(v));
    blocks.push({
      kind: 'table', caption: 'Mean share of the CAM mass, all audited images', header: ['model', 'outside the lungs', 'border band', 'markers', 'verdict'],
      numeric: [false, true, true, true, false],
      rows: done.map((r) => {
        const a = audits.get(r.row.runId)!, o = a.overall;
        return [r.row.label, o.lungs === null ? 'n/a (no masks)' : share(1 - o.lungs), share(o.border), share(o.markers), a.verdict.flagged ? 'flagged' : 'not flagged'];
      }),
    });
    const notes = done.flatMap((r) => audits.get(r.row.runId)!.notes.map((n) => `${r.row.label}: ${n}`));
    if (notes.length) blocks.push({ kind: 'list', tone: 'note', items: notes });
  }
  const missing = runs.filter((r) => !audits.has(r.row.runId));
  if (missing.length) {
    blocks.push({ kind: 'paragraph', tone: 'note', text: `Not audited: ${missing.map((r) => r.row.label).join(', ')}. Run \`cxr-lab audit <run>\` (or "Audit Shortcuts" in the Runs tree) and export the report again to add the verdict.` });
  }
  return { id: 'audit', title: 'Shortcut audit', blocks };
}
