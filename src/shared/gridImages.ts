/**
 * Which test images the Grad-CAM grid of a comparison shows (the report and the compare view): only images every run was tested on; one per class in turn,
 * preferring images the runs disagree on (where their maps tell most), then the first ones by path. Deterministic.
 */
import type { EvalFile } from './runFiles';

export interface GridImage { file: string; label: string }

export function pickGridImages(evaluations: readonly Pick<EvalFile, 'classes' | 'predictions'>[], count: number): GridImage[] {
  if (evaluations.length === 0 || count <= 0) return [];
  const [first, ...rest] = evaluations;
  const others = rest.map((e) => new Map(e.predictions.map((p) => [p.file, p])));
  const shared = first.predictions
    .filter((p) => others.every((m) => m.get(p.file)?.label === p.label))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const disagree = (p: (typeof shared)[number]) => others.some((m) => m.get(p.file)!.predicted !== p.predicted);
  const byClass = first.classes.map((_, c) => {
    const images = shared.filter((p) => p.label === c);
    return [...images.filter(disagree), ...images.filter((p) => !disagree(p))];
  });
  const out: GridImage[] = [];
  for (let round = 0; out.length < count && byClass.some((list) => list.length > round); round++) {
    for (const [c, list] of byClass.entries()) {
      if (out.length >= count) break;
      const p = list[round];
      if (p) out.push({ file: p.file, label: first.classes[c] });
    }
  }
  return out;
}
