/** How the scan knows the patients, for the Dataset view and `cxr-lab scan`: the source, the count, metadata.csv's columns. */
import type { ScanPatients } from '../../shared/engineProtocol';
import type { DatasetScan } from './types';

export function patientSummary(scan: Pick<DatasetScan, 'items' | 'patientSource' | 'metadata'>): ScanPatients {
  const count = new Set(scan.items.map((it) => it.patient)).size;
  const m = scan.metadata;
  if (!m) return { source: scan.patientSource, count };
  const columns = m.columns.filter((c) => c !== m.patientColumn);
  // An image has a row when any of its cells is filled (its file column named it).
  const matched = scan.items.filter((_, i) => m.columns.some((c) => m.values.get(c)?.[i] !== undefined)).length;
  return { source: scan.patientSource, count, metadata: { file: m.file, ...(m.patientColumn ? { column: m.patientColumn } : {}), columns, matched } };
}
