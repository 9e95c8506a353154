import type { Rng } from '../random';

/**
 * torch's WeightedRandomSampler with weight 1/class-count per item, replacement, epoch = train size:
 * every class is drawn equally often on average whatever its size.
 */
export function weightedSample<T extends { label: number }>(items: T[], rng: Rng): T[] {
  const counts = new Map<number, number>();
  for (const it of items) counts.set(it.label, (counts.get(it.label) ?? 0) + 1);
  const cumulative = new Float64Array(items.length);
  let total = 0;
  items.forEach((it, i) => { total += 1 / counts.get(it.label)!; cumulative[i] = total; });
  const out: T[] = [];
  for (let n = 0; n < items.length; n++) out.push(items[lowerBound(cumulative, rng.next() * total)]);
  return out;
}

function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0, hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] > value) hi = mid; else lo = mid + 1;
  }
  return lo;
}

export function epochOrder<T extends { label: number }>(items: T[], sampler: 'weighted' | 'shuffle', rng: Rng): T[] {
  return sampler === 'weighted' ? weightedSample(items, rng) : rng.shuffle([...items]);
}
