/**
 * The all-runs table in groups of what was evaluated: the test split, validation, training, each external folder by
 * name. Scores are ranked (sorted, best marked) within a group only: 94 % on another folder says nothing against 91 %
 * on the test split. Pure: tested under node.
 */
import type { EvaluationView, SummaryRow } from '../../shared/webviewProtocol';
import { evaluatedSetRank, evaluatedSetSentence, evaluatedSetTitle, parseEvalName } from '../../shared/evaluatedSet';
import { bestScores, sortSummary, type SummaryKey } from './matrixModel';

export interface RunsGroup {
  key: string;
  /** "Test split", "External folder covid-ext" (with the dataset and split seed when two groups would read alike). */
  title: string;
  /** "180 images · 3 evaluations". */
  detail: string;
  rows: SummaryRow[];
  /** The best value of each score column within the group. */
  best: ReturnType<typeof bestScores>;
}

/** The group of a row: its evaluated set (a row from an older page state: the set its name says, any dataset). */
export function runsGroupKey(row: SummaryRow): string {
  if (row.setKey) return row.setKey;
  const p = parseEvalName(row.name);
  return p.kind === 'split' ? `split:${p.split}` : p.kind === 'folder' ? `folder:${p.folder}` : `other:${row.name}`;
}

/** Groups in a fixed order (test, validation, training, folders by name), rows sorted within each by `key`. */
export function groupSummary(rows: readonly SummaryRow[], key: SummaryKey, descending: boolean): RunsGroup[] {
  const byKey = new Map<string, SummaryRow[]>();
  for (const r of rows) {
    const k = runsGroupKey(r);
    byKey.set(k, [...(byKey.get(k) ?? []), r]);
  }
  const groups = [...byKey.entries()].map(([k, members], order) => ({ k, members, order, rank: evaluatedSetRank(members[0].name), title: evaluatedSetTitle(members[0].name) }));
  groups.sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1].localeCompare(b.rank[1]) || a.order - b.order);
  const sameTitle = (t: string) => groups.filter((g) => g.title === t).length > 1;
  return groups.map((g) => {
    const first = g.members[0];
    const where = sameTitle(g.title) && first.dataset
      ? ` · ${first.dataset.name}${first.dataset.splitSeed !== undefined ? ` (split seed ${first.dataset.splitSeed})` : ''}`
      : '';
    const totals = [...new Set(g.members.map((m) => m.total).filter((t): t is number => t !== undefined))].sort((a, b) => a - b);
    const images = totals.length === 0 ? '' : totals.length === 1 ? `${totals[0]} images` : `${totals[0]}–${totals[totals.length - 1]} images`;
    const evaluations = `${g.members.length} evaluation${g.members.length === 1 ? '' : 's'}`;
    return {
      key: g.k, title: `${g.title}${where}`, detail: [images, evaluations].filter(Boolean).join(' · '),
      rows: sortSummary(g.members, key, descending), best: bestScores(g.members),
    };
  });
}

/** "best · epoch 6", "last · epoch 8 · calibrated", an ensemble's "best · epochs 6, 8"; '—' when the row does not say. */
export function checkpointCell(row: SummaryRow): string {
  const p = parseEvalName(row.name);
  const how = [p.tta ? 'TTA' : '', p.calibrated ? 'calibrated' : ''].filter(Boolean);
  if (!row.checkpoint) return ['—', ...how].join(' · ');
  const epochs = row.memberEpochs?.length ? `epochs ${row.memberEpochs.join(', ')}` : `epoch ${row.checkpoint.epoch}`;
  return [row.checkpoint.which, epochs, ...how].join(' · ');
}

/** The header line naming what this evaluation evaluated ("test split of this run, 180 images · best checkpoint (epoch 6)"). */
export function evaluatedSetLine(view: EvaluationView): string {
  const sentence = evaluatedSetSentence({
    name: view.name, images: view.total, ensemble: !!view.ensemble, folderPath: view.evaluatedFolder,
    ...(view.checkpoint ? { checkpoint: { which: view.checkpoint.which, epoch: view.checkpoint.epoch } } : {}),
  });
  return `Evaluated on the ${sentence}`;
}
