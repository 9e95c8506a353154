/**
 * The "Train Model" settings as plain data: reference defaults, the choices each quick-pick step offers,
 * validation of typed values, and the engine request they become. trainPicks.ts is the UI over this.
 */
import * as path from 'node:path';
import type { SamplerName, SchedulerName, TrainConfig } from '../../shared/engineProtocol';
import { runsRoot } from '../runs/runReader';
import { formatLr } from '../../shared/format';
import { runFolderName, runStamp } from '../../shared/runFiles';

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
}

/** The reference study's recipe. */
export const REFERENCE = { arch: 'densenet121', epochs: 25, batchSize: 20, lr: 1e-4, imageSize: 224, sampler: 'weighted', scheduler: 'step' } as const;

export function defaultSettings(dataset: string): TrainSettings {
  return { dataset, ...REFERENCE };
}

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
    kind: 'number', key: 'lr', title: 'Learning rate (Adam)', options: [1e-2, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5], format: formatLr,
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
  return { dataset: s.dataset, config, runDir: runDirFor(workspaceRoot, s.arch, now) };
}

export function settingsSummary(s: TrainSettings): string {
  const parts = [s.arch, `${s.epochs} epochs`, `batch ${s.batchSize}`, `lr ${formatLr(s.lr)}`, `${s.imageSize} px`, s.sampler, s.scheduler];
  if (s.pretrained) parts.splice(1, 0, `pretrained ${path.basename(s.pretrained)}`);
  return parts.join(' · ');
}

/** Settings read back from workspaceState: accept them only if every field still makes sense. */
export function asTrainSettings(x: unknown): TrainSettings | undefined {
  if (!x || typeof x !== 'object') return undefined;
  const s = x as Record<string, unknown>;
  if (typeof s.dataset !== 'string' || !s.dataset || typeof s.arch !== 'string' || !s.arch) return undefined;
  if (s.pretrained !== undefined && typeof s.pretrained !== 'string') return undefined;
  for (const step of NUMBER_STEPS) if (typeof s[step.key] !== 'number' || step.validate(s[step.key] as number)) return undefined;
  for (const step of CHOICE_STEPS) if (!step.options.some((o) => o.value === s[step.key])) return undefined;
  return s as unknown as TrainSettings;
}
