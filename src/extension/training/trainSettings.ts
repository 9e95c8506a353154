/**
 * The "Train Model" settings as plain data: reference defaults, the choices each quick-pick step offers,
 * validation of typed values, and the engine request they become. trainPicks.ts is the UI over this.
 */
import * as path from 'node:path';
import type { SamplerName, SchedulerName, TrainConfig } from '../../shared/engineProtocol';
import { runsRoot } from '../runs/runReader';
import { formatLr } from '../../shared/format';
import { PRESET_DEFAULTS, PRESET_DESCRIPTIONS, PRESET_NAMES, runFolderName, runStamp, type PresetName } from '../../shared/runFiles';

export interface TrainSettings {
  dataset: string;
  arch: string;
  pretrained?: string;
  epochs: number;
  batchSize: number;
  lr: number;
  imageSize: number;
  sampler: SamplerName;
  scheduler: SchedulerName;
  /** The training preset (augmentations); absent in settings saved before presets: 'reference'. */
  preset?: PresetName;
  /** A training queue: several architectures (`arch` is the first) and/or seeds, one run each, one after another. */
  archs?: string[];
  seeds?: number[];
}

/** More than one architecture or seed: the settings make a training queue (sweepManager.ts), not one run. */
export function isQueue(s: Pick<TrainSettings, 'archs' | 'seeds'>): boolean {
  return new Set(s.archs ?? []).size > 1 || new Set(s.seeds ?? []).size > 1;
}

/**
 * The command line of a queue's runner: `cxr-lab --json train <dataset> --arch a,b [--seeds …] <recipe> --out <sweepDir>`
 * (its JSON lines go to the queue's runner.log, which the windows follow).
 */
export function queueCliArgs(s: TrainSettings, sweepDir: string, backend?: string): string[] {
  return [
    '--json', ...(backend && backend !== 'auto' ? ['--backend', backend] : []), 'train', s.dataset,
    '--arch', (s.archs?.length ? s.archs : [s.arch]).join(','), ...(s.seeds?.length ? ['--seeds', s.seeds.join(',')] : []),
    '--epochs', String(s.epochs), '--batch', String(s.batchSize), '--lr', String(s.lr), '--image-size', String(s.imageSize),
    '--sampler', s.sampler, '--scheduler', s.scheduler, ...(s.pretrained ? ['--pretrained', s.pretrained] : []), ...(s.preset ? ['--preset', s.preset] : []),
    '--out', sweepDir,
  ];
}

/** `--seeds` as typed in the quick pick ("1, 2, 3"): whole numbers ≥ 0, each once; or the reason it is refused. */
export function parseSeeds(text: string): { seeds: number[] } | { error: string } {
  const parts = text.split(/[\s,]+/).filter((p) => p !== '');
  if (parts.length === 0) return { error: 'Type one or more seeds, e.g. 1,2,3.' };
  const seeds: number[] = [];
  for (const p of parts) {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 0) return { error: `"${p}" is not a seed (a whole number, 0 or more).` };
    if (!seeds.includes(n)) seeds.push(n);
  }
  return { seeds };
}

/** The reference study's recipe. */
export const REFERENCE = { arch: 'densenet121', epochs: 25, batchSize: 20, lr: 1e-4, imageSize: 224, sampler: 'weighted', scheduler: 'step' } as const;

export function defaultSettings(dataset: string): TrainSettings {
  return { dataset, ...REFERENCE };
}

/** The defaults the quick picks pre-select under a preset: the reference recipe with the preset's rate and schedule. */
export function presetDefaults(preset: PresetName = 'reference'): Omit<typeof REFERENCE, 'lr' | 'scheduler'> & { lr: number; scheduler: SchedulerName } {
  return { ...REFERENCE, ...PRESET_DEFAULTS[preset] };
}

/** The preset step's choices. */
export const PRESET_STEP = { title: 'Training preset (augmentations)', options: PRESET_NAMES.map((value) => ({ value, label: value, detail: PRESET_DESCRIPTIONS[value] })) };

export type NumberKey = 'epochs' | 'batchSize' | 'lr' | 'imageSize';
export type ChoiceKey = 'sampler' | 'scheduler';

export interface NumberStep { kind: 'number'; key: NumberKey; title: string; options: number[]; format(n: number): string; validate(n: number): string | undefined }
export interface ChoiceStep { kind: 'choice'; key: ChoiceKey; title: string; options: { value: string; label: string; detail: string }[] }

const positiveInt = (what: string, max: number) => (n: number) =>
  Number.isInteger(n) && n > 0 && n <= max ? undefined : `${what} must be a whole number between 1 and ${max}.`;

export const NUMBER_STEPS: NumberStep[] = [
  { kind: 'number', key: 'epochs', title: 'Epochs', options: [1, 2, 5, 10, 25, 50, 100], format: String, validate: positiveInt('Epochs', 10000) },
  { kind: 'number', key: 'batchSize', title: 'Batch size', options: [2, 4, 8, 16, 20, 32, 64], format: String, validate: positiveInt('Batch size', 4096) },
  {
    kind: 'number', key: 'lr', title: 'Learning rate (Adam)', options: [1e-2, 1e-3, 5e-4, 3e-4, 1e-4, 3e-5, 1e-5], format: formatLr,
    validate: (n) => (Number.isFinite(n) && n > 0 && n < 10 ? undefined : 'The learning rate must be a positive number such as 1e-4.'),
  },
  {
    kind: 'number', key: 'imageSize', title: 'Image size (pixels)', options: [32, 64, 96, 128, 160, 224, 256, 299], format: (n) => `${n}`,
    validate: (n) => (Number.isInteger(n) && n >= 16 && n <= 1024 ? undefined : 'The image size must be a whole number of pixels between 16 and 1024.'),
  },
];

export const CHOICE_STEPS: ChoiceStep[] = [
  {
    kind: 'choice', key: 'sampler', title: 'Sampler', options: [
      { value: 'weighted', label: 'weighted', detail: 'Draw images with probability 1/class count, with replacement (balances classes)' },
      { value: 'shuffle', label: 'shuffle', detail: 'Every training image once per epoch, shuffled' },
    ],
  },
  {
    kind: 'choice', key: 'scheduler', title: 'Learning-rate schedule', options: [
      { value: 'step', label: 'step', detail: 'Divide by 10 every 3 epochs' },
      { value: 'cosine', label: 'cosine', detail: 'Cosine decay to zero over the run' },
      { value: 'plateau', label: 'plateau', detail: 'Divide by 10 when the validation loss stops improving' },
      { value: 'none', label: 'none', detail: 'Constant learning rate' },
      { value: 'onecycle', label: 'onecycle', detail: "fastai's one-cycle: cosine warm-up from lr/25 over the first 25 % of batches, then cosine decay to lr/1e5" },
    ],
  },
];

/** A typed value of a number step: the number, or the reason it is refused. */
export function parseNumber(step: NumberStep, text: string): { value: number } | { error: string } {
  const t = text.trim();
  const n = t === '' ? NaN : Number(t);
  const error = Number.isFinite(n) ? step.validate(n) : `"${text}" is not a number.`;
  return error ? { error } : { value: n };
}

export function withValue(s: TrainSettings, key: NumberKey | ChoiceKey | 'arch', value: number | string): TrainSettings {
  return { ...s, [key]: value };
}

export { runStamp };

export function runDirFor(workspaceRoot: string, arch: string, now: Date): string {
  return path.join(runsRoot(workspaceRoot), runFolderName(arch, now));
}

export interface TrainRequestBody { dataset: string; config: Partial<TrainConfig>; runDir: string }

export function toTrainRequest(s: TrainSettings, workspaceRoot: string, now = new Date()): TrainRequestBody {
  const config: Partial<TrainConfig> = {
    arch: s.arch, epochs: s.epochs, batchSize: s.batchSize, lr: s.lr, imageSize: s.imageSize, sampler: s.sampler, scheduler: s.scheduler,
  };
  if (s.pretrained) config.pretrained = s.pretrained;
  if (s.preset) config.preset = s.preset;
  return { dataset: s.dataset, config, runDir: runDirFor(workspaceRoot, s.arch, now) };
}

export function settingsSummary(s: TrainSettings): string {
  const archs = s.archs && s.archs.length > 1 ? s.archs.join(' + ') : s.arch;
  const parts = [archs, `${s.epochs} epochs`, `batch ${s.batchSize}`, `lr ${formatLr(s.lr)}`, `${s.imageSize} px`, s.sampler, s.scheduler];
  if (s.seeds && s.seeds.length > 0) parts.splice(1, 0, `seed${s.seeds.length > 1 ? 's' : ''} ${s.seeds.join(', ')}`);
  if (s.pretrained) parts.splice(1, 0, `pretrained ${path.basename(s.pretrained)}`);
  if (s.preset && s.preset !== 'reference') parts.splice(1, 0, `${s.preset} preset`);
  return parts.join(' · ');
}

/** Settings read back from workspaceState: accept them only if every field still makes sense. */
export function asTrainSettings(x: unknown): TrainSettings | undefined {
  if (!x || typeof x !== 'object') return undefined;
  const s = x as Record<string, unknown>;
  if (typeof s.dataset !== 'string' || !s.dataset || typeof s.arch !== 'string' || !s.arch) return undefined;
  if (s.pretrained !== undefined && typeof s.pretrained !== 'string') return undefined;
  if (s.preset !== undefined && !(PRESET_NAMES as readonly unknown[]).includes(s.preset)) return undefined;
  if (s.archs !== undefined && !(Array.isArray(s.archs) && s.archs.length > 0 && s.archs.every((a) => typeof a === 'string' && a))) return undefined;
  if (s.seeds !== undefined && !(Array.isArray(s.seeds) && s.seeds.every((n) => Number.isInteger(n) && (n as number) >= 0))) return undefined;
  for (const step of NUMBER_STEPS) if (typeof s[step.key] !== 'number' || step.validate(s[step.key] as number)) return undefined;
  for (const step of CHOICE_STEPS) if (!step.options.some((o) => o.value === s[step.key])) return undefined;
  return s as unknown as TrainSettings;
}
