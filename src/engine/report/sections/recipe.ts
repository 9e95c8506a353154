/** The report's recipe: every training setting of every run, those that differ first; and the environment. */
import type { RunInfo, TrainConfig } from '../../../shared/runFiles';
import { formatLr } from '../../../shared/format';
import type { ComparedRun } from '../../jobs/compare';
import type { Section } from '../document';
import { augmentationText } from './facts';

/** Settings in a reader's order: each with its name in the table and how its value is read from run.json (undefined: not set). */
const SETTINGS: { name: string; get: (info: RunInfo) => string | undefined }[] = [
  { name: 'architecture', get: (i) => i.config.arch },
  { name: 'initial weights', get: (i) => i.config.pretrained ?? 'none (random initialisation)' },
  ...setting('widthMultiplier', 'width multiplier'),
  { name: 'backbone frozen', get: (i) => (i.config.freezeBackbone ? 'yes' : 'no') },
  ...setting('imageSize', 'image size (px)'),
  { name: 'preset', get: (i) => i.config.preset },
  { name: 'augmentation', get: (i) => (i.augmentation ? augmentationText(i.augmentation.transforms) : 'horizontal flip (p 0.5)') },
  ...setting('epochs', 'epochs'),
  { name: 'early stopping (patience)', get: (i) => (i.config.earlyStop ? String(i.config.earlyStop) : 'off') },
  ...setting('batchSize', 'batch size'),
  { name: 'micro-batch', get: (i) => (i.config.microBatch ? String(i.config.microBatch) : 'auto') },
  { name: 'learning rate (Adam)', get: (i) => formatLr(i.config.lr) },
  { name: 'weight decay (AdamW)', get: (i) => String(i.config.weightDecay ?? 0) },
  { name: 'label smoothing', get: (i) => String(i.config.labelSmoothing ?? 0) },
  { name: 'weight averaging (EMA decay per step)', get: (i) => (i.config.emaDecay ? String(i.config.emaDecay) : 'off') },
  ...setting('scheduler', 'schedule'),
  ...setting('stepSize', 'step size (epochs)'),
  ...setting('gamma', 'gamma'),
  ...setting('sampler', 'sampler'),
  ...setting('seed', 'seed'),
  // A run from before sweeps split with its seed: show that rather than nothing.
  { name: 'split seed', get: (i) => String(i.config.splitSeed ?? i.config.seed) },
  ...setting('valPerClass', 'validation images per class'),
  ...setting('testPerClass', 'test images per class'),
  ...setting('valFraction', 'validation fraction'),
  ...setting('testFraction', 'test fraction'),
  ...setting('patientPattern', 'patient pattern'),
];

function setting(key: keyof TrainConfig, name: string): (typeof SETTINGS)[number][] {
  return [{ name, get: (i) => (i.config[key] === undefined ? undefined : String(i.config[key])) }];
}

export function recipeSection(runs: readonly ComparedRun[]): Section {
  const value = (r: ComparedRun, s: (typeof SETTINGS)[number]) => s.get(r.info) ?? '—';
  const used = SETTINGS.filter((s) => runs.some((r) => s.get(r.info) !== undefined));
  const differs = (s: (typeof SETTINGS)[number]) => new Set(runs.map((r) => value(r, s))).size > 1;
  const ordered = [...used.filter(differs), ...used.filter((s) => !differs(s))];
  return {
    id: 'recipe', title: 'Recipe and configuration',
    blocks: [
      { kind: 'paragraph', text: 'Fine-tuning with a new N-class head; resize to the image size, the augmentations below, ImageNet normalisation ([-1, 1] for Keras MobileNetV2 weights); cross-entropy; the checkpoint with the lowest validation loss is kept and tested. The settings that differ between runs come first.' },
      { kind: 'table', caption: runs.length < 2 ? undefined : ordered.some(differs) ? `Differs between the runs: ${ordered.filter(differs).map((s) => s.name).join(', ')}.` : 'Every setting is the same in all runs.',
        header: ['setting', ...runs.map((r) => r.row.label)], rows: ordered.map((s) => [`${s.name}${differs(s) ? ' *' : ''}`, ...runs.map((r) => value(r, s))]) },
      ...(ordered.some(differs) ? [{ kind: 'paragraph' as const, tone: 'note' as const, text: '* differs between runs.' }] : []),
    ],
  };
}

export function environmentSection(runs: readonly ComparedRun[], version: string): Section {
  const versionKeys = [...new Set(runs.flatMap((r) => Object.keys(r.info.versions)))].sort();
  return {
    id: 'environment', title: 'Environment',
    blocks: [
      { kind: 'table', header: ['', ...runs.map((r) => r.row.label)], rows: [
        ['run id', ...runs.map((r) => r.info.id)],
        ['run folder', ...runs.map((r) => r.runDir)],
        ['status', ...runs.map((r) => `${r.info.status}, ${r.info.epochsDone}/${r.info.config.epochs} epochs`)],
        ['created', ...runs.map((r) => r.info.createdAt)],
        ['backend', ...runs.map((r) => `${r.info.backend.name} (${r.info.backend.threads} thread${r.info.backend.threads === 1 ? '' : 's'}${r.info.backend.simd ? ', SIMD' : ''})`)],
        ['seed / split seed', ...runs.map((r) => `${r.info.config.seed} / ${r.info.config.splitSeed ?? r.info.config.seed}`)],
        ['dataset hash', ...runs.map((r) => `${r.info.dataset.hash.slice(0, 16)}…`)],
        ['evaluated', ...runs.map((r) => `${r.evaluation.createdAt} (${r.evaluation.checkpoint.which}, epoch ${r.evaluation.checkpoint.epoch})`)],
        ...versionKeys.map((k) => [k, ...runs.map((r) => r.info.versions[k] ?? '—')]),
      ] },
      { kind: 'paragraph', tone: 'note', text: `Dataset hash (sha256 of the usable images' paths and sizes): ${[...new Set(runs.map((r) => r.info.dataset.hash))].join(', ')}.` },
      { kind: 'paragraph', tone: 'note', text: `Report written by CXR Lab ${version}. The same numbers come back with \`cxr-lab compare ${runs.map((r) => r.runDir).join(' ')}\`.` },
    ],
  };
}
