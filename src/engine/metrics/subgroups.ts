/**
 * Metrics per subgroup: for each metadata column (source, site, sex …), the images of each of its values scored on
 * their own with computeMetrics — count, accuracy, macro-F1 and per-class recall.
 */
import type { SubgroupColumn } from '../../shared/runFiles';
import { computeMetrics } from './metrics';

export type { SubgroupColumn };

export interface SubgroupInput {
  column: string;
  /** Columns that split the images exactly as `column` does (their tables would be the same). */
  equivalents: string[];
  /** The column's value per image (undefined: none), index-aligned with the labels. */
  values: readonly (string | undefined)[];
}

/** One table per column; values in natural order ('site 2' before 'site 10'); images without a value counted as `missing`. */
export function subgroupMetrics(columns: readonly SubgroupInput[], labels: readonly number[], predicted: readonly number[], classes: string[]): SubgroupColumn[] {
  return columns.map(({ column, equivalents, values }) => {
    const byValue = new Map<string, number[]>();
    let missing = 0;
    values.forEach((v, i) => {
      if (v === undefined) { missing++; return; }
      const list = byValue.get(v);
      if (list) list.push(i); else byValue.set(v, [i]);
    });
    const groups = [...byValue].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([value, idx]) => {
      const r = computeMetrics(idx.map((i) => labels[i]), idx.map((i) => predicted[i]), classes);
      return {
        value, count: idx.length, accuracy: r.accuracy, macroF1: r.macro.f1,
        perClass: r.perClass.map((c) => ({ className: c.className, support: c.support, recall: c.support > 0 ? c.recall : null })),
      };
    });
    return { column, equivalents: [...equivalents], missing, groups };
  });
}
