import * as path from 'node:path';
import type { JobEventSink, ScanRequest, ScanSummary } from '../../shared/engineProtocol';
import { scanDataset, type ImageItem } from '../dataset/scan';
import { splitDataset } from '../dataset/split';
import { resolveTrainConfig } from '../train/config';
import { patientSummary } from '../dataset/patientSummary';

/** Dataset scan with its health report, as plain data for the protocol. */
export async function scanSummary(o: Omit<ScanRequest, 'type' | 'id'> & { signal?: AbortSignal; emit: JobEventSink }): Promise<ScanSummary> {
  const scan = await scanDataset(path.resolve(o.root), {
    patientPattern: o.patientPattern, signal: o.signal,
    onProgress: (done, total) => o.emit({ type: 'progress', phase: 'scan', done, total }),
  });
  const d = resolveTrainConfig({});
  // A preview of the default split: a class it would leave without validation or test images is a warning here; training refuses it.
  const split = splitDataset(scan, { seed: d.seed, valPerClass: d.valPerClass, testPerClass: d.testPerClass, allowEmptyClasses: true });
  const splitIssues = split.emptyClasses.map((message) => ({ severity: 'warning', kind: 'class-without-val-or-test', message }));
  const count = (items: ImageItem[]) => Object.fromEntries(scan.classes.map((c) => [c, items.filter((i) => i.className === c).length]));
  return {
    root: scan.root, layout: scan.layout, classes: scan.classes, perClass: scan.health.perClass, excluded: scan.excluded,
    perSplit: { train: count(split.train), val: count(split.val), test: count(split.test) },
    size: scan.health.size, channels: scan.health.channels, formats: scan.health.formats,
    issues: [...scan.health.issues.map((i) => ({ severity: i.severity, kind: i.kind, message: i.message, file: i.file })), ...splitIssues],
    patients: patientSummary(scan),
  };
}
