/**
 * `cxr-lab report` and "Export Report": the comparison of runs (jobs/compare.ts, evaluating runs that need it), the
 * dataset's scan, the runs' shortcut audits and a CAM grid of a few test images, written as ONE self-contained HTML file
 * (report/html.ts) or as Markdown with PNGs beside it (report/markdown.ts). Every file is written atomically; the
 * HTML or Markdown file last, so a reader never finds a report whose figures are missing.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JobEventSink } from '../../shared/engineProtocol';
import type { PairingMode, ReportResult } from '../../shared/compare';
import { LAB_DIR, SWEEPS_DIR, runFileReaders, runStamp, type AuditFile } from '../../shared/runFiles';
import { readTextIfExists } from '../../shared/node/runFs';
import { CancelledError, RunError } from '../errors';
import { writeFileAtomic } from '../io/atomic';
import { scanDataset } from '../dataset/scan';
import { ensembleLabDir } from '../run/ensembleStore';
import { engineVersions } from '../versions';
import { reportDocument } from '../report/content';
import { renderHtml } from '../report/html';
import { renderMarkdown } from '../report/markdown';
import type { DatasetFacts, ReportGrid, ReportInput } from '../report/input';
import { pickGridImages } from '../../shared/gridImages';
import { compareRunSet, type ComparedRun } from './compare';
import { explainGrid } from './grid';

const readers = runFileReaders({ readText: readTextIfExists, join: path.join, toError: (e) => new RunError(e.message) });

/** Where reports go by default: `.cxr-lab/reports/` beside the first run (as ensembles and grids). */
export const REPORTS_DIR = 'reports';
/** Test images in the report's Grad-CAM grid by default, and the most columns (runs) it takes. */
export const REPORT_CAM_IMAGES = 4;
export const REPORT_GRID_RUNS = 6;

export interface ReportOptions {
  runs: string[];
  /** The .html (or .md) file; default `.cxr-lab/reports/<sweep id | report-<time>>.html`. */
  out?: string;
  /** Markdown with PNGs beside it; default: by the extension of `out` (.md), else HTML. */
  format?: 'html' | 'markdown';
  /** Test images in the Grad-CAM grid (default 4; 0: no grid). */
  camImages?: number;
  pairing?: PairingMode;
  evaluate?: boolean;
  signal?: AbortSignal;
  emit: JobEventSink;
}


export async function writeReport(o: ReportOptions): Promise<ReportResult> {
  const progress = (phase: string, done: number, total: number, message?: string) => o.emit({ type: 'progress', phase, done, total, ...(message ? { message } : {}) });
  const checkCancel = () => { if (o.signal?.aborted) throw new CancelledError('The report was cancelled.'); };
  const comparison = await compareRunSet({ runs: o.runs, pairing: o.pairing, evaluate: o.evaluate, signal: o.signal, emit: o.emit });
  checkCancel();
  const { result, runs } = comparison;
  const format = o.format ?? (o.out && /\.(md|markdown)$/i.test(o.out) ? 'markdown' : 'html');
  const out = path.resolve(o.out ?? defaultReportPath(result.sweep, runs[0]?.runDir ?? path.resolve(o.runs[0]), format));

  let dataset: DatasetFacts | undefined, datasetError: string | undefined;
  if (runs.length) {
    try {
      dataset = await datasetFacts(runs[0], o.signal, (done, total) => progress('scan', done, total));
    } catch (err) {
      if (err instanceof CancelledError || o.signal?.aborted) throw err;
      datasetError = (err as Error).message;
    }
  }
  checkCancel();
  const audits = new Map<string, AuditFile>();
  for (const r of runs) {
    const audit = await readers.readAuditFile(readers.auditFilePath(r.runDir, 'test')).catch(() => undefined);
    if (audit) audits.set(r.row.runId, audit);
  }
  const { grid, note: gridNote } = await reportGrid(runs, o.camImages ?? REPORT_CAM_IMAGES, o);
  checkCancel();

  const version = engineVersions()['cxr-lab'];
  const input: ReportInput = { comparison, ...(dataset ? { dataset } : {}), ...(datasetError ? { datasetError } : {}), ...(grid ? { grid } : {}), ...(gridNote ? { gridNote } : {}), audits, generatedAt: new Date().toISOString(), version };
  const doc = reportDocument(input);
  progress('write', 0, 1);
  const figures: string[] = [];
  let bytes: number;
  if (format === 'markdown') {
    const dirName = `${path.basename(out).replace(/\.[^.]+$/, '')}_files`;
    const { text, files } = await renderMarkdown(doc, dirName);
    for (const f of files) {
      const file = path.join(path.dirname(out), dirName, f.name);
      await writeFileAtomic(file, f.bytes);
      figures.push(file);
    }
    await writeFileAtomic(out, text);
    bytes = Buffer.byteLength(text);
  } else {
    const html = renderHtml(doc);
    await writeFileAtomic(out, html);
    bytes = Buffer.byteLength(html);
  }
  progress('write', 1, 1);
  const warnings = [
    ...result.excluded.map((e) => e.reason),
    ...result.rows.flatMap((r) => r.notes.filter((n) => /^(Still training|Interrupted)/.test(n)).map((n) => `${r.label}: ${n}`)),
    ...(datasetError ? [`The dataset could not be scanned: ${datasetError}`] : []),
    ...(gridNote && !grid ? [gridNote] : []),
  ];
  return { out, format, figures, bytes, runs: runs.map((r) => r.runDir), warnings };
}

/**
 * Where a report goes when no --out is given: a sweep's in `.cxr-lab/reports/<sweep id>` (a sweep under .cxr-lab/sweeps)
 * or in the sweep's own folder; runs' in `.cxr-lab/reports/report-<time>` beside the first run.
 */
export function defaultReportPath(sweep: { dir: string; id: string } | undefined, firstRunDir: string, format: 'html' | 'markdown', now = new Date()): string {
  const ext = format === 'markdown' ? 'md' : 'html';
  if (sweep) {
    const parent = path.dirname(sweep.dir);
    const inLab = path.basename(parent) === SWEEPS_DIR && path.basename(path.dirname(parent)) === LAB_DIR;
    return inLab ? path.join(path.dirname(parent), REPORTS_DIR, `${sweep.id}.${ext}`) : path.join(sweep.dir, `report.${ext}`);
  }
  return path.join(ensembleLabDir(firstRunDir), REPORTS_DIR, `report-${runStamp(now)}.${ext}`);
}

/** Counts per class and split, patients, health problems: a scan of the first run's dataset with its split. */
async function datasetFacts(run: ComparedRun, signal: AbortSignal | undefined, onProgress: (done: number, total: number) => void): Promise<DatasetFacts> {
  const info = run.info;
  const scan = await scanDataset(info.dataset.root, { classes: info.dataset.classes, patientPattern: info.config.patientPattern, signal, onProgress });
  const split = await readers.readSplit(run.runDir).catch(() => undefined);
  const perSplit = split ? { train: {} as Record<string, number>, val: {} as Record<string, number>, test: {} as Record<string, number> } : undefined;
  if (perSplit && split) for (const it of scan.items) { const s = split[it.rel]; if (s) perSplit[s][it.className] = (perSplit[s][it.className] ?? 0) + 1; }
  const patients = scan.patientSource === 'none' ? undefined : new Set(scan.items.map((it) => it.patient)).size;
  return {
    root: scan.root, layout: scan.layout, hash: scan.hash, classes: scan.classes, perClass: scan.health.perClass, ...(perSplit ? { perSplit } : {}),
    excluded: scan.excluded.length, groupedBy: info.split.groupedBy, ...(patients !== undefined ? { patients } : {}), patientSource: scan.patientSource,
    issues: scan.health.issues.filter((i) => i.severity !== 'info').map((i) => ({ severity: i.severity, kind: i.kind, message: i.message })),
    infos: scan.health.issues.filter((i) => i.severity === 'info').length,
    splitWarnings: info.split.warnings,
    // The columns that describe the images (source, site, sex…): not the patient id nor the label itself.
    ...(scan.metadata ? { metadataColumns: scan.metadata.columns.filter((c) => c !== scan.metadata!.patientColumn && !/^(label|class|finding)s?$/i.test(c)) } : {}),
  };
}

/** The Grad-CAM grid of a few test images every run was tested on; its PNG read into memory, the temporary file removed. */
async function reportGrid(runs: readonly ComparedRun[], count: number, o: ReportOptions): Promise<{ grid?: ReportGrid; note?: string }> {
  if (count <= 0) return { note: 'No Grad-CAM grid was asked for (--cam-images 0).' };
  if (runs.length === 0) return {};
  const columns = runs.slice(0, REPORT_GRID_RUNS);
  const images = pickGridImages(columns.map((r) => r.evaluation), count);
  if (images.length === 0) return { note: 'No Grad-CAM grid: the runs share no test image.' };
  const png = path.join(os.tmpdir(), `cxr-lab-report-grid-${process.pid}-${Date.now()}.png`);
  try {
    const result = await explainGrid({
      runs: columns.map((r) => r.runDir), images: images.map((i) => i.file), labels: Object.fromEntries(images.map((i) => [i.file, i.label])),
      checkpoint: 'best', png, signal: o.signal, emit: o.emit,
    });
    const note = runs.length > columns.length ? `The grid shows the first ${columns.length} of ${runs.length} runs.` : undefined;
    return { grid: { png: new Uint8Array(await fs.readFile(png)), result }, ...(note ? { note } : {}) };
  } catch (err) {
    if (err instanceof CancelledError || o.signal?.aborted) throw err;
    return { note: `The Grad-CAM grid could not be made: ${(err as Error).message}` };
  } finally {
    await fs.rm(png, { force: true });
  }
}
