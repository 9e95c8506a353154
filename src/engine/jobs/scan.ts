import * as path from 'node:path';
import type { JobEventSink, ScanSummary } from '../../shared/engineProtocol';
import { scanDataset } from '../dataset/scan';

/** Dataset scan with its health report, as plain data for the protocol. */
export async function scanSummary(root: string, o: { patientPattern?: string; signal?: AbortSignal; emit: JobEventSink }): Promise<ScanSummary> {
  const scan = await scanDataset(path.resolve(root), {
    patientPattern: o.patientPattern, signal: o.signal,
    onProgress: (done, total) => o.emit({ type: 'progress', phase: 'scan', done, total }),
  });
  return {
    root: scan.root, layout: scan.layout, classes: scan.classes, perClass: scan.health.perClass, excluded: scan.excluded,
    issues: scan.health.issues.map((i) => ({ severity: i.severity, kind: i.kind, message: i.message, file: i.file })),
  };
}
