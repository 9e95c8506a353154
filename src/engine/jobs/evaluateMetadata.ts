/**
 * What an evaluation adds from the dataset's metadata.csv: the confounding columns among the evaluated images and
 * the metrics per subgroup value. Which columns qualify (not the label, a file/path, an identifier or a constant
 * column) is judged on the whole scanned dataset, so a test split's few images do not turn `sex` into an
 * identifier; equivalence and confounding are judged on the evaluated images themselves.
 */
import type { Confounder, SubgroupColumn } from '../../shared/runFiles';
import { candidateColumns, checkColumn, groupEquivalentColumns } from '../dataset/confounders';
import type { DatasetScan, ImageItem } from '../dataset/types';
import { subgroupMetrics } from '../metrics/subgroups';

/** Both absent when the dataset has no metadata.csv naming its images; else both present (possibly empty). */
export function metadataFindings(scan: Pick<DatasetScan, 'items' | 'metadata'>, items: readonly ImageItem[], labels: readonly number[],
  predicted: readonly number[], classes: string[]): { confounders?: Confounder[]; subgroups?: SubgroupColumn[] } {
  const meta = scan.metadata;
  if (!meta) return {};
  const candidates = candidateColumns(meta, scan.items.map((it) => it.className));
  const indexOf = new Map(scan.items.map((it, i) => [it.rel, i]));
  const at = items.map((it) => indexOf.get(it.rel));
  const values = new Map(candidates.map((c) => {
    const all = meta.values.get(c) ?? [];
    return [c, at.map((i) => (i === undefined ? undefined : all[i]))];
  }));
  const groups = groupEquivalentColumns(values, candidates, items.map((_, i) => i))
    .filter((g) => g.values.some((v) => v !== undefined));
  return {
    confounders: groups.map((g) => checkColumn(g, labels, classes)).filter((c): c is Confounder => c !== undefined),
    subgroups: subgroupMetrics(groups, labels, predicted, classes),
  };
}
