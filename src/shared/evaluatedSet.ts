/**
 * What an evaluation evaluated, read from its file name (eval/<name>.json: `<split>` or `data-<folder>`, then `-last`,
 * `-tta`, `-calibrated` for the way it was evaluated), in the words the views use: "test split of this run",
 * "external folder covid-ext, 180 images". Scores of different sets are not comparable. Pure, no imports.
 */

export type EvaluatedSetKind = 'split' | 'folder' | 'other';
type Split = 'train' | 'val' | 'test';

export interface EvalNameParts {
  kind: EvaluatedSetKind;
  /** kind 'split': which of the run's splits. */
  split?: Split;
  /** kind 'folder': the folder's name (`--data <folder>`). */
  folder?: string;
  /** The way of evaluating: the last checkpoint, test-time augmentation, temperature-scaled probabilities. */
  last: boolean;
  tta: boolean;
  calibrated: boolean;
}

const SPLITS: readonly Split[] = ['test', 'val', 'train'];
const SUFFIXES = ['calibrated', 'tta', 'last'] as const;

/** `test`, `val-last`, `data-covid-ext-tta-calibrated` → the set and the way it was evaluated. */
export function parseEvalName(name: string): EvalNameParts {
  let rest = name;
  const flags = { last: false, tta: false, calibrated: false };
  for (const s of SUFFIXES) {
    if (rest.endsWith(`-${s}`) && rest.length > s.length + 1) { flags[s] = true; rest = rest.slice(0, -(s.length + 1)); }
  }
  if ((SPLITS as readonly string[]).includes(rest)) return { kind: 'split', split: rest as Split, ...flags };
  if (rest.startsWith('data-') && rest.length > 'data-'.length) return { kind: 'folder', folder: rest.slice('data-'.length), ...flags };
  return { kind: 'other', ...flags };
}

const SPLIT_WORDS: Record<Split, string> = { test: 'test split', val: 'validation split', train: 'training split' };

/** "Test split", "Validation split", "External folder covid-ext", or the name itself: the title of a group of rows. */
export function evaluatedSetTitle(name: string): string {
  const p = parseEvalName(name);
  const words = p.kind === 'split' ? SPLIT_WORDS[p.split!] : p.kind === 'folder' ? `external folder ${p.folder}` : name;
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The header's sentence: "test split of this run, 180 images", "external folder covid-ext (/data/covid-ext), 180
 * images", then how: "· last checkpoint (epoch 8)", "· test-time augmentation", "· calibrated (temperature fitted on
 * validation)". A training split says its scores flatter the model.
 */
export function evaluatedSetSentence(o: { name: string; images: number; ensemble?: boolean; folderPath?: string; checkpoint?: { which: string; epoch?: number } }): string {
  const p = parseEvalName(o.name);
  const owner = o.ensemble ? 'of these runs' : 'of this run';
  const images = `${o.images} image${o.images === 1 ? '' : 's'}`;
  const set = p.kind === 'split'
    ? `${SPLIT_WORDS[p.split!]} ${owner}, ${images}${p.split === 'train' ? ' (the model learned from them: these scores flatter it)' : ''}`
    : p.kind === 'folder'
      ? `external folder ${p.folder}${o.folderPath ? ` (${o.folderPath})` : ''}, ${images}`
      : `${o.name}, ${images}`;
  const how = [
    o.checkpoint ? `${o.checkpoint.which} checkpoint${o.checkpoint.epoch !== undefined ? ` (epoch ${o.checkpoint.epoch})` : ''}` : '',
    p.tta ? 'test-time augmentation' : '',
    p.calibrated ? 'calibrated (temperature fitted on validation)' : '',
  ].filter(Boolean);
  return [set, ...how].join(' · ');
}

/** Order of the groups: the test split, validation, training, then external folders by name, then anything else. */
export function evaluatedSetRank(name: string): [number, string] {
  const p = parseEvalName(name);
  if (p.kind === 'split') return [SPLITS.indexOf(p.split!), ''];
  if (p.kind === 'folder') return [3, p.folder!];
  return [4, name];
}
