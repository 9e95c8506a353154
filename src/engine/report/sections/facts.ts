/** Sentences the summary, the model card and the CLAIM checklist share, from the report's input. Pure. */
import { formatValueWithInterval } from '../../../shared/compare';
import { formatWithInterval } from '../../../shared/format';
import type { ComparedRun } from '../../jobs/compare';
import type { ReportInput } from '../input';
import type { TrainConfig } from '../../../shared/runFiles';

export function bestRun(input: ReportInput): ComparedRun | undefined {
  const { result, runs } = input.comparison;
  return runs.find((r) => r.row.runId === result.best) ?? runs[0];
}

export function initialWeights(r: ComparedRun): string {
  return r.info.config.pretrained ? `initialised from ${r.info.config.pretrained}` : 'trained from scratch (random initialisation)';
}

/** "adam lr 1e-4, batch 20, 25 epochs, step schedule …" in words. */
export function recipeText(r: ComparedRun): string {
  const c = r.info.config;
  const schedules: Record<TrainConfig['scheduler'], string> = {
    step: `StepLR ×${c.gamma} every ${c.stepSize} epochs`, plateau: `reduce on plateau (×${c.gamma}, patience ${c.stepSize})`,
    cosine: 'cosine annealing', onecycle: 'one-cycle schedule (fastai\'s fit_one_cycle)', none: 'constant learning rate',
  };
  const optimiser = c.weightDecay ? `AdamW (lr ${c.lr}, weight decay ${c.weightDecay})` : `Adam (lr ${c.lr})`;
  const loss = c.labelSmoothing ? `cross-entropy with label smoothing ${c.labelSmoothing}` : 'cross-entropy';
  const averaged = c.emaDecay ? `, validated and kept as an exponential moving average of the weights (decay ${c.emaDecay} per step)` : '';
  return `${optimiser}, ${loss}${averaged}, batch ${c.batchSize}, ${c.epochs} epochs${c.earlyStop ? ` (early stopping after ${c.earlyStop} without improvement)` : ''}, ${schedules[c.scheduler]}, ` +
    `${c.sampler === 'weighted' ? 'class-weighted random sampling' : 'shuffled epochs'}, augmentation: ${r.info.augmentation ? augmentationText(r.info.augmentation.transforms) : 'horizontal flip (p 0.5)'}, ${c.imageSize}×${c.imageSize} px inputs (${r.info.model.normalization} normalisation), ${c.freezeBackbone ? 'backbone frozen' : 'all layers trained'}`;
}

/** "densenet121, resnet18 and mobilenetv2". */
export function listWords(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function headline(r: ComparedRun): string {
  const accuracy = formatWithInterval(r.row.accuracy.value, r.row.accuracy.interval, true);
  return `${r.row.label}: macro-F1 ${formatValueWithInterval(r.row.macroF1)}, accuracy ${accuracy}, macro AUC ${formatValueWithInterval(r.row.macroAuc)}`;
}

export function testImagesText(input: ReportInput): string {
  const r = input.comparison.runs[0];
  if (!r) return 'no test images';
  // A cross-validation: each fold is tested on its own held-out patients; together they test every image once.
  const cv = input.comparison.result.crossValidation?.groups.find((g) => g.pooled);
  if (cv?.pooled) return `${cv.pooled.images} test images${cv.pooled.patients ? ` of ${cv.pooled.patients} patients` : ''}, each held out by one of ${cv.folds} cross-validation folds`;
  const patients = new Set(r.evaluation.predictions.map((p) => p.patient).filter((p) => p !== undefined)).size;
  return `${r.evaluation.total} test images${patients ? ` of ${patients} patients` : ''}`;
}

/** "horizontal flip (p 0.5), rotate ±10 (p 0.75)". */
export function augmentationText(transforms: readonly { name: string; p: number; min?: number; max?: number }[]): string {
  if (transforms.length === 0) return 'none';
  return transforms.map((t) => `${t.name === 'hflip' ? 'horizontal flip' : t.name}${t.min !== undefined && t.max !== undefined ? ` ${t.min}–${t.max}` : ''} (p ${t.p})`).join(', ');
}
