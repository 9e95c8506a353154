/**
 * `cxr-lab samples`, `lr-find` and `tune`: the sample grid with a preset's augmentations, fastai's learning-rate range
 * test, and model selection on the validation split. lr-find and tune take train's own options (addTrainOptionsOf).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { EngineRequest, ResultByRequest } from '../shared/engineProtocol';
import { PRESET_NAMES, TUNE_CRITERIA, type PresetName, type TuneCriterion } from '../shared/runFiles';
import { MAX_SAMPLES_PER_CLASS } from '../shared/samples';
import { checkTrainConfig, mustExist, UsageError } from './checks';
import { int, num } from './numberOption';
import { addTrainOptionsOf, trainConfigFromOptions } from './preflightCommand';

type Run = <R extends Exclude<EngineRequest, { type: 'cancel' | 'info' }>>(req: R) => Promise<ResultByRequest[R['type']]>;
type Output = (kind: keyof ResultByRequest, result: unknown) => void;

/** "1e-4,3e-4": positive numbers. */
const lrList = (v: string) => v.split(',').map((t) => {
  const n = Number(t.trim());
  if (!t.trim() || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`--lrs takes positive numbers separated by commas, e.g. 1e-4,3e-4; got "${t}".`);
  return n;
});
const presetList = (v: string) => v.split(',').map((t) => {
  const p = t.trim();
  if (!(PRESET_NAMES as readonly string[]).includes(p)) throw new InvalidArgumentError(`--presets takes ${PRESET_NAMES.join(', ')} separated by commas; got "${t}".`);
  return p as PresetName;
});

/** One architecture: lr-find and tune train one model at a time; only tune takes several seeds (each candidate once per seed). */
function oneArch(o: Record<string, unknown>, seedsAllowed = false): void {
  if (Array.isArray(o.arch) && o.arch.length > 1) throw new UsageError('Name one architecture (--arch): the LR finder and tune train one at a time.');
  if (o.seeds !== undefined && !seedsAllowed) throw new UsageError('--seeds makes a training queue; use --seed here.');
  if (o.seeds !== undefined && o.seed !== undefined) throw new UsageError('Give --seed or --seeds, not both.');
  if (o.folds !== undefined) throw new UsageError('--folds makes a cross-validation queue; it has no place here.');
}

export function addAugmentCommands(program: Command, train: Command, run: Run, output: Output): void {
  program.command('samples <dataset>')
    .description("a grid of random images per class and the same images augmented by a training preset, each class's intensity histogram and image sizes")
    .addOption(new Option('--preset <name>', 'training preset whose augmentations to show').choices(PRESET_NAMES).default('recommended'))
    .option('--per-class <n>', `images per class (1–${MAX_SAMPLES_PER_CLASS}, default 6)`, int('--per-class'))
    .option('--seed <n>', 'seed of the draw of images and augmentations (default 42)', int('--seed'))
    .option('--thumbnail <px>', 'side of each image in the grid (default 160)', int('--thumbnail'))
    .option('--histogram-images <n>', 'images per class in the intensity histogram (default 100)', int('--histogram-images'))
    .option('--out <file.png>', 'where to write the grid', 'samples.png')
    .action(async (dataset: string, o: { preset: PresetName; perClass?: number; seed?: number; thumbnail?: number; histogramImages?: number; out: string }) => {
      if (o.perClass !== undefined && (o.perClass < 1 || o.perClass > MAX_SAMPLES_PER_CLASS)) throw new UsageError(`--per-class must be from 1 to ${MAX_SAMPLES_PER_CLASS}`);
      if (o.thumbnail !== undefined && (o.thumbnail < 32 || o.thumbnail > 512)) throw new UsageError('--thumbnail must be from 32 to 512');
      if (o.histogramImages !== undefined && o.histogramImages < 1) throw new UsageError('--histogram-images must be at least 1');
      if (!o.out.toLowerCase().endsWith('.png')) throw new UsageError(`--out must name a .png file, got ${o.out}`);
      mustExist(dataset, 'folder');
      output('samples', await run({ type: 'samples', id: 0, root: dataset, preset: o.preset, perClass: o.perClass, seed: o.seed, thumbnail: o.thumbnail, histogramImages: o.histogramImages, png: o.out }));
    });

  addTrainOptionsOf(train, program.command('lr-find <dataset>'))
    .description("fastai's learning-rate range test on the training split: rates growing exponentially from 1e-7 to 10 over 100 batches, the smoothed loss, suggested rates (valley, steep), a plot")
    .option('--start-lr <x>', 'first rate (default 1e-7)', num('--start-lr'))
    .option('--end-lr <x>', 'last rate (default 10)', num('--end-lr'))
    .option('--num-it <n>', 'batches at most (default 100)', int('--num-it'))
    .option('--out <dir>', 'folder for lr-find.json and lr-find.png (default .cxr-lab/lr-find/<time>-<arch>)')
    .action(async (dataset: string, o: Record<string, unknown>) => {
      oneArch(o);
      const config = trainConfigFromOptions(o);
      checkTrainConfig(config);
      const startLr = o.startLr as number | undefined, endLr = o.endLr as number | undefined, numIt = o.numIt as number | undefined;
      if (startLr !== undefined && startLr <= 0) throw new UsageError('--start-lr must be greater than 0');
      if (startLr !== undefined && endLr !== undefined && endLr <= startLr) throw new UsageError('--end-lr must be greater than --start-lr');
      if (numIt !== undefined && numIt < 6) throw new UsageError('--num-it must be at least 6');
      mustExist(dataset, 'folder');
      output('lr-find', await run({ type: 'lr-find', id: 0, dataset, config, startLr, endLr, numIt, outDir: o.out as string | undefined }));
    });

  addTrainOptionsOf(train, program.command('tune <dataset>'))
    .description('model selection on the validation split: one run per preset × learning rate (× seed, with --seeds: ranked by the mean) on one split; the best on validation is evaluated on the test split, once')
    .option('--presets <list>', `presets to compare, comma-separated (${PRESET_NAMES.join(', ')})`, presetList, [...PRESET_NAMES])
    .requiredOption('--lrs <list>', 'learning rates to compare, comma-separated (e.g. 1e-4,3e-4)', lrList)
    .addOption(new Option('--select <criterion>', 'ranking on the validation split: macro-F1 (ties: lower loss) or loss').choices(TUNE_CRITERIA).default('val-macro-f1'))
    .option('--tta', "also score each candidate with test-time augmentation (its preset's views) on validation: using it or not becomes part of the choice")
    .option('--out <dir>', 'folder of the candidates and tune.json (default .cxr-lab/tune/<time>-<arch>)')
    .action(async (dataset: string, o: Record<string, unknown>) => {
      oneArch(o, true);
      if (o.preset !== undefined || o.lr !== undefined) throw new UsageError('tune compares --presets and --lrs; leave out --preset and --lr.');
      const config = trainConfigFromOptions(o);
      const presets = o.presets as PresetName[], lrs = o.lrs as number[];
      for (const preset of presets) for (const lr of lrs) checkTrainConfig({ ...config, preset, lr });
      if (new Set(presets).size * new Set(lrs).size < 2) throw new UsageError('tune compares at least two candidates: give two presets or two learning rates.');
      mustExist(dataset, 'folder');
      output('tune', await run({ type: 'tune', id: 0, dataset, config, presets, lrs, criterion: o.select as TuneCriterion, tta: o.tta === true, seeds: o.seeds as number[] | undefined, outDir: o.out as string | undefined }));
    });
}
