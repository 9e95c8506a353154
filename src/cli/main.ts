import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { EngineRequest, JobEvent, ResultByRequest, TrainConfig } from '../shared/engineProtocol';
import { CAM_SCALE_MODES, CHECKPOINT_NAMES, PRESET_NAMES, SCHEDULER_NAMES, type CamScaleMode, type CheckpointName, type SplitName } from '../shared/runFiles';
import { COLORMAPS, DEFAULT_COLORMAP } from '../shared/camDisplay';
import { initBackend, type BackendPreference } from '../engine/backend';
import { runJob } from '../engine/engine';
import { errorKind } from '../engine/errors';
import { camMethodNames, DEFAULT_CAM_METHOD } from '../engine/cam/methods';
import { ProgressPrinter } from './progress';
import { int, num } from './numberOption';
import { printResult } from './printResult';
import { runDemo } from './demo/runDemo';
import { archOption } from './archOption';
import { runList, runsOption } from './runsOption';
import { checkGrid, GRID_HELP } from './grid';
import { methodsOption } from './methodsOption';
import { checkPatientPattern, checkTrainConfig, mustExist, notFoundMessage, UsageError } from './checks';
import { checkRunsOrSweeps, reportFormat } from './compareOutput';
import type { PairingMode } from '../shared/compare';
import { MAX_GRID_IMAGES } from '../shared/camGrid';
import { isSweep } from '../engine/sweep/plan';
import { isSweepFolder, runSweep, type SweepResult } from '../engine/sweep/runSweep';
import { checkSweepConfigs, formatSweep, parseSeedList, sweepExitCode } from './sweep';
import { addTrainOptionsOf, trainConfigFromOptions } from './preflightCommand';
import { addAugmentCommands } from './augmentCommands';
import { preflightReport } from '../shared/preflight';
import { addSlurmOptions, cancelRun, checkExecutorFlags, localResumeRequest, sbatchFlags, slurmJobCommand, waitForRuns, type SlurmFlags } from './slurm';
import { resubmitTraining, slurmContext, submitTraining, type SlurmSubmission } from '../engine/slurm/submitTraining';
import { formatRuns, listRunsAndSweeps } from './runsList';

/** Exit codes: 0 success, 1 failure (one-line reason), 2 usage error (UsageError: checked before any job starts), 130/143 stopped by SIGINT/SIGTERM. */


interface GlobalOpts { json?: boolean; verbose?: boolean; backend: BackendPreference }

const program = new Command('cxr-lab')
  .description('Train, evaluate and explain image classifiers on a folder of images (chest X-rays first).')
  .option('--json', 'print one JSON line per event and the result as JSON (stdout)')
  .option('--verbose', 'print stack traces on failure')
  .addOption(new Option('--backend <name>', 'tfjs backend').choices(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'))
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

const globals = () => program.opts<GlobalOpts>();

const FORCE_HELP = "take over the run folder's lock when another host (a cluster node) holds it; only when that process is gone";

/** Exit status of a command stopped by a signal: 128 + its number, as shells report it (SIGINT 130, SIGTERM 143). */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT;
const SIGNAL_NOTE: Record<StopSignal, string> = {
  SIGINT: 'cancelled by Ctrl-C (SIGINT)',
  SIGTERM: 'cancelled by SIGTERM (kill, docker stop or a cluster scheduler)',
};
/** The signal that cancelled a job of this command: the command then exits with its status (main()). */
let stoppedBy: StopSignal | undefined;

/**
 * Runs one engine job in this process with a progress display. Ctrl-C (SIGINT) and SIGTERM (kill, docker stop,
 * Slurm) cancel cleanly after the current batch — a training stays resumable, run.json says cancelled with a note
 * naming the signal — and the command exits 130 or 143; a second signal quits at once.
 */
async function run<R extends Exclude<EngineRequest, { type: 'cancel' | 'info' }>>(req: R): Promise<ResultByRequest[R['type']]> {
  const g = globals();
  const printer = newPrinter();
  const backend = await initBackend(g.backend);
  printer.line(`backend: ${backend.name} (threads ${backend.threads}${backend.simd ? ', SIMD' : ''})`);
  const result = await withStopSignals(printer, (signal) => runJob(req, signal, (e: JobEvent) => printer.handle(e)));
  printer.done();
  return result;
}

function newPrinter(): ProgressPrinter {
  return new ProgressPrinter(globals().json ? 'json' : process.stderr.isTTY ? 'tty' : 'plain');
}

/** Runs `job` with Ctrl-C and SIGTERM aborting its signal (see run()); a second signal quits at once. */
async function withStopSignals<T>(printer: ProgressPrinter, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: StopSignal) => {
    if (controller.signal.aborted) process.exit(SIGNAL_EXIT[signal]);
    stoppedBy = signal;
    printer.line(signal === 'SIGINT'
      ? 'Cancelling after the current batch… (Ctrl-C again to quit at once)'
      : 'SIGTERM: cancelling after the current batch… (a second SIGTERM quits at once)');
    controller.abort(SIGNAL_NOTE[signal]); // a string reason: the trainer keeps it as run.json's note
  };
  const handlers = (Object.keys(SIGNAL_EXIT) as StopSignal[]).map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  try {
    return await job(controller.signal);
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

function output(kind: keyof ResultByRequest, result: unknown): void {
  if (globals().json) process.stdout.write(JSON.stringify({ type: 'result', request: kind, result }) + '\n');
  else printResult(kind, result);
}

program.command('info')
  .description('print the backend in use, threads, SIMD, versions and the model registry')
  .action(async () => {
    const result = await runJob({ type: 'info', id: 0, backend: globals().backend }, new AbortController().signal, () => {});
    output('info', result);
  });

program.command('scan <dataset>')
  .description('scan a dataset folder and print its classes and health report')
  .option('--patient-pattern <regex>', 'regex whose first group is the patient id in a file name')
  .action(async (dataset: string, o: { patientPattern?: string }) => {
    checkPatientPattern(o.patientPattern);
    mustExist(dataset, 'folder');
    output('scan', await run({ type: 'scan', id: 0, root: dataset, patientPattern: o.patientPattern }));
  });

program.command('train <dataset>')
  .description('fine-tune a model on a folder with one sub-folder per class (or train/ val/ test/)')
  .addOption(archOption({ defaultArch: 'densenet121', description: 'architecture; several, comma-separated, train one after another as a queue' }))
  .option('--epochs <n>', 'epochs', int('--epochs'))
  .option('--batch <n>', 'batch size', int('--batch'))
  .option('--micro-batch <n>', 'images per pass; the batch is reached by gradient accumulation (default: fits the backend)', int('--micro-batch'))
  .option('--lr <x>', 'Adam learning rate', num('--lr'))
  .option('--image-size <n>', 'square input size in pixels', int('--image-size'))
  .option('--val-per-class <n>', 'validation images per class', int('--val-per-class'))
  .option('--test-per-class <n>', 'test images per class', int('--test-per-class'))
  .option('--val-fraction <x>', 'validation fraction per class (instead of a count)', num('--val-fraction'))
  .option('--test-fraction <x>', 'test fraction per class (instead of a count)', num('--test-fraction'))
  .addOption(new Option('--sampler <name>', 'weighted (1/class count) or shuffle').choices(['weighted', 'shuffle']))
  .addOption(new Option('--preset <name>', "training preset: 'reference' (flip only, Adam 1e-4, StepLR; the default) or 'recommended' (rotation, zoom, lighting; one-cycle at 5e-4, label smoothing 0.1, weight decay 0.05); --lr, --scheduler, --label-smoothing and --weight-decay override it").choices(PRESET_NAMES))
  .addOption(new Option('--scheduler <name>', "learning-rate schedule (default: the preset's); onecycle: fastai's fit_one_cycle (cosine warm-up over 25 %, then cosine decay)").choices(SCHEDULER_NAMES))
  .option('--step-size <n>', 'StepLR period in epochs (plateau: patience)', int('--step-size'))
  .option('--gamma <x>', 'StepLR / plateau factor', num('--gamma'))
  .option('--seed <n>', 'seed of split, sampler and augmentation', int('--seed'))
  .option('--seeds <list>', 'several seeds, comma-separated: a queue of one run per architecture and seed (seeds vary initialisation, sampler and augmentation; all share one split)', parseSeedList)
  .option('--split-seed <n>', 'seed of the split alone (default: --seed; a queue: the first seed)', int('--split-seed'))
  .option('--folds <k>', 'cross-validation: k patient-grouped, stratified folds, each a run of the queue holding one fold out as its test set (validation carved from the rest)', int('--folds'))
  .option('--label-smoothing <x>', 'label smoothing of the training loss, in [0, 1) (torch\'s CrossEntropyLoss label_smoothing; default: the preset\'s, 0 for reference)', num('--label-smoothing'))
  .option('--weight-decay <x>', 'decoupled weight decay (AdamW) on conv and dense kernels (default: the preset\'s, 0 for reference)', num('--weight-decay'))
  .option('--ema-decay <x>', 'average the weights as an exponential moving average with this decay per step, in [0, 1) (torch\'s AveragedModel; validation and checkpoints use the average; default: off)', num('--ema-decay'))
  .option('--early-stop <patience>', 'stop after N epochs without a lower validation loss (default off)', int('--early-stop'))
  .option('--width-multiplier <x>', 'MobileNetV2 width multiplier', num('--width-multiplier'))
  .option('--pretrained <source>', "'imagenet' (downloaded once), a .pth/.h5 weights file, a folder from import-weights, or a tfjs backbone folder")
  .option('--freeze-backbone', 'train only the new head')
  .option('--patient-pattern <regex>', 'regex whose first group is the patient id in a file name')
  .option('--out <dir>', 'run directory (default .cxr-lab/runs/<time>-<arch>); a queue: its folder (default .cxr-lab/sweeps/<time>-sweep)')
  .option('--force', FORCE_HELP)
  .action(async (dataset: string, o: Record<string, unknown>, cmd: Command) => {
    const config = trainConfigFromOptions(o);
    const archs = o.arch as string[], seeds = o.seeds as number[] | undefined;
    if (seeds && o.seed !== undefined) throw new UsageError('Use either --seed or --seeds, not both.');
    checkExecutorFlags(o as SlurmFlags, cmd);
    if (o.executor === 'slurm') { await trainOnSlurm(dataset, config, archs, seeds, o); return; }
    if (isSweep(archs, seeds, config.folds)) {
      checkSweepConfigs(config, archs, seeds, config.splitSeed); // every member's config, now: exit 2 naming the flag
      mustExist(dataset, 'folder');
      await trainQueue({ dataset, config, archs, seeds, splitSeed: config.splitSeed, sweepDir: o.out as string | undefined, force: o.force as boolean | undefined });
      return;
    }
    if (seeds) config.seed = seeds[0];
    checkTrainConfig(config); // the engine's rules, now: a bad value exits 2 naming its flag
    mustExist(dataset, 'folder');
    output('train', await run({ type: 'train', id: 0, dataset, config, runDir: o.out as string | undefined, force: o.force as boolean | undefined }));
  });

addTrainOptionsOf(program.commands.find((c) => c.name() === 'train')!, program.command('preflight <dataset>'))
  .description('what `train` with these options would do here, before any run folder exists: split, backend, weights, time')
  .action(async (dataset: string, o: Record<string, unknown>) => {
    const config = trainConfigFromOptions(o);
    checkTrainConfig(config);
    mustExist(dataset, 'folder');
    const result = await run({ type: 'preflight', id: 0, dataset, config });
    output('preflight', result);
    if (preflightReport(result).level === 'error') process.exitCode = 1; // the training would fail
  });

addAugmentCommands(program, program.commands.find((c) => c.name() === 'train')!, run, output);
addSlurmOptions(program.commands.find((c) => c.name() === 'train')!); // after preflight copied train's options: not its

/**
 * `train … --executor slurm` (src/cli/slurm.ts): one sbatch job per run, or per member of a queue; then, with --wait,
 * follow them (exit 0 all completed, 1 one failed, 130 cancelled), else exit 0 once Slurm took them all.
 */
async function trainOnSlurm(dataset: string, config: Partial<TrainConfig>, archs: string[], seeds: number[] | undefined, o: Record<string, unknown>): Promise<void> {
  const ctx = await slurmContext(process.cwd(), sbatchFlags(o as SlurmFlags), globals().backend); // no sbatch: exit 2, before anything else
  if (isSweep(archs, seeds, config.folds)) checkSweepConfigs(config, archs, seeds, config.splitSeed);
  else checkTrainConfig({ ...config, ...(seeds ? { seed: seeds[0] } : {}) });
  mustExist(dataset, 'folder');
  await followSubmission(await submitTraining({ dataset, config, archs, seeds, splitSeed: config.splitSeed, out: o.out as string | undefined }, ctx, say), o.wait === true);
}

function say(line: string): void {
  if (!globals().json) console.error(line);
}

async function followSubmission(s: SlurmSubmission, wait: boolean): Promise<void> {
  if (globals().json) process.stdout.write(JSON.stringify({ type: 'result', request: 'submit', result: s }) + '\n');
  const where = s.sweepDir ?? s.runs[0]?.runDir;
  if (!wait) { say(`follow ${s.runs.length === 1 ? 'it' : 'them'} with: cxr-lab runs ${where}`); return; }
  const code = await withStopSignals(newPrinter(), (signal) => waitForRuns(s.runs.map((r) => r.runDir), say, { signal }));
  if (stoppedBy) say('Stopped following; the jobs go on in Slurm.');
  else process.exitCode = code;
}

/**
 * A training queue (sweep.ts): its members one after another, each in an engine process of its own; exit 0 when all
 * completed, 1 when one failed, 130/143 when cancelled.
 */
async function trainQueue(o: Omit<Parameters<typeof runSweep>[0], 'signal' | 'emit' | 'backend'>): Promise<void> {
  const printer = newPrinter();
  const g = globals();
  const result: SweepResult = await withStopSignals(printer, (signal) => runSweep({
    ...o, signal, emit: (e) => printer.handle(e), ...(g.backend !== 'auto' ? { backend: g.backend } : {}),
  }));
  printer.done();
  if (g.json) process.stdout.write(JSON.stringify({ type: 'result', request: 'sweep', result }) + '\n');
  else console.log(formatSweep(result));
  process.exitCode = sweepExitCode(result.status);
}

addSlurmOptions(program.command('resume <dir>'))
  .description('continue a cancelled or interrupted run from its last checkpoint, or a training queue (its unfinished members); --executor slurm: submit it again')
  .option('--force', FORCE_HELP)
  .action(async (runDir: string, o: { force?: boolean } & SlurmFlags, cmd: Command) => {
    checkExecutorFlags(o, cmd);
    if (o.executor === 'slurm') {
      const ctx = await slurmContext(process.cwd(), sbatchFlags(o), globals().backend);
      mustExist(runDir, 'folder');
      await followSubmission(await resubmitTraining(runDir, ctx, say), o.wait === true);
      return;
    }
    mustExist(runDir, 'folder');
    if (await isSweepFolder(runDir)) { await trainQueue({ resume: runDir, force: o.force }); return; }
    // A Slurm run that never started has no run.json yet: it trains here from what its submission recorded.
    const fresh = await localResumeRequest(runDir);
    output('train', await run({ type: 'train', id: 0, ...(fresh ?? { dataset: '', config: {}, resume: runDir }), force: o.force }));
  });

program.command('evaluate <runDir>')
  .description("confusion matrix, per-class metrics, ROC/PR AUC, calibration and 95 % bootstrap intervals of a run's best checkpoint")
  .addOption(new Option('--split <name>', 'split of the run to evaluate').choices(['test', 'val', 'train']))
  .option('--data <dir>', 'evaluate on every image of another class-folder dataset (labels by folder name)')
  .addOption(new Option('--checkpoint <which>', 'checkpoint').choices(CHECKPOINT_NAMES).default('best'))
  .addOption(runsOption("more runs to average with this one (a soft-voting ensemble, scored on this run's split)"))
  .option('--calibrate', "temperature scaling fitted on the run's validation split, applied before scoring (ECE before/after)")
  .option('--tta', "test-time augmentation: average the probabilities over the preset's views (flip; the recommended preset's mild rotations and zooms)")
  .action(async (runDir: string, o: { split?: SplitName; data?: string; checkpoint: CheckpointName; runs?: string[]; calibrate?: boolean; tta?: boolean }) => {
    if (o.split && o.data) throw new UsageError('Use either --split or --data, not both.');
    mustExist(runDir, 'folder');
    if (o.data) mustExist(o.data, 'folder');
    const [, ...runs] = runList(runDir, o.runs);
    output('evaluate', await run({ type: 'evaluate', id: 0, runDir, runs, split: o.split, data: o.data, checkpoint: o.checkpoint, ...(o.calibrate ? { calibrate: true } : {}), ...(o.tta ? { tta: true } : {}) }));
  });

program.command('explain <runDir> <image...>')
  .description('Grad-CAM (or another CAM method) heatmap and overlay for each image; --grid: one PNG of the images × runs (× methods)')
  .option('--class <nameOrIndex>', 'class to explain (default: the predicted one)')
  .option('--layer <name>', "target layer (default: the model's usual one)")
  .option('--out <dir>', "output folder (default: the run's cams/)")
  .addOption(new Option('--checkpoint <which>', 'checkpoint').choices(CHECKPOINT_NAMES).default('best'))
  .addOption(new Option('--method <id>', 'CAM method').choices(camMethodNames()).default(DEFAULT_CAM_METHOD))
  .option('--aug-smooth', "test-time augmentation: mean map over horizontal flips × input scales 0.9, 1, 1.1 (pytorch-grad-cam's aug_smooth)")
  .option('--eigen-smooth', "first principal component of the weighted activations instead of their sum (pytorch-grad-cam's eigen_smooth)")
  .addOption(methodsOption('several CAM methods, comma-separated: each explains the images (with --grid: one column per run × method)'))
  .addOption(runsOption('more runs to explain the same images with (one result per run, in order)'))
  .option('--grid <file.png>', GRID_HELP)
  .addOption(new Option('--scale <mode>', "colour scale: each map's own range (pytorch-grad-cam's) or one range shared by every class's map of the image").choices(CAM_SCALE_MODES).default('per-map'))
  .addOption(new Option('--colormap <name>', 'colormap of the PNGs').choices(COLORMAPS).default(DEFAULT_COLORMAP))
  .action(async (runDir: string, images: string[], o: { class?: string; layer?: string; out?: string; checkpoint: CheckpointName; method: string; methods?: string[]; augSmooth?: boolean; eigenSmooth?: boolean; runs?: string[]; grid?: string; scale: CamScaleMode; colormap: string }, cmd: Command) => {
    const dirs = runList(runDir, o.runs);
    if (o.methods && cmd.getOptionValueSource('method') === 'cli') throw new UsageError('Use either --method or --methods, not both.');
    if (o.grid !== undefined && (o.scale !== 'per-map' || o.colormap !== DEFAULT_COLORMAP)) throw new UsageError('--scale and --colormap apply to the PNGs of explain, not to --grid.');
    if (o.scale === 'shared' && o.augSmooth) throw new UsageError('Use either --scale shared or --aug-smooth: aug-smooth scales each augmented map before averaging.');
    if (o.grid !== undefined) checkGrid(o.grid, images.length);
    mustExist(runDir, 'folder');
    for (const image of images) mustExist(image);
    const methods = o.methods ?? [o.method];
    const options = { layer: o.layer, checkpoint: o.checkpoint, augSmooth: o.augSmooth === true, eigenSmooth: o.eigenSmooth === true };
    if (o.grid !== undefined) {
      // One job: each run × method explains the images (files where explain puts them), then one PNG of them all.
      output('grid', await run({ type: 'grid', id: 0, runs: dirs, images, methods, className: o.class, outDir: o.out, png: o.grid, ...options }));
      return;
    }
    for (const dir of dirs) {
      const classIndex = o.class === undefined ? undefined : await resolveClass(dir, o.class);
      // One --out for several runs: a sub-folder each, so one run's maps never overwrite another's.
      const outDir = o.out && dirs.length > 1 ? path.join(o.out, path.basename(path.resolve(dir))) : o.out;
      for (const method of methods) output('explain', await run({ type: 'explain', id: 0, runDir: dir, images, classIndex, outDir, method, scale: o.scale, colormap: o.colormap, ...options }));
    }
  });

program.command('import-weights <file>')
  .description("convert a torchvision .pth or Keras .h5 ImageNet weights file ('imagenet': download the official one) into a folder for --pretrained")
  .addOption(archOption({ description: 'architecture the weights belong to', single: 'Weights belong to one architecture; name one.' }))
  .requiredOption('--out <dir>', 'folder to write (model.json + weights.bin)')
  .option('--no-top', 'drop the 1000-class classifier')
  .option('--width-multiplier <x>', 'MobileNetV2 width (read from the file when omitted)', num('--width-multiplier'))
  .action(async (file: string, o: { arch: string[]; out: string; top: boolean; widthMultiplier?: number }) => {
    if (file !== 'imagenet') mustExist(file);
    output('import-weights', await run({ type: 'import-weights', id: 0, file, arch: o.arch[0], outDir: o.out, includeTop: o.top, widthMultiplier: o.widthMultiplier }));
  });

program.command('audit <runDir>')
  .description("shortcut audit: where each image's CAM mass lies (inside the lungs, the border band, burned-in markers), per class, with a verdict")
  .addOption(new Option('--split <name>', 'split of the run to audit').choices(['test', 'val', 'train']).default('test'))
  .option('--masks <dir>', 'lung masks: a folder mirroring the class folders, same relative paths (default: <Class>/masks/ beside <Class>/images/, if any)')
  .addOption(new Option('--method <id>', 'CAM method').choices(camMethodNames()).default(DEFAULT_CAM_METHOD))
  .option('--limit <n>', "audit n images of the split, taken from each class in turn (default: all)", int('--limit'))
  .option('--layer <name>', "target layer (default: the model's usual one)")
  .addOption(new Option('--checkpoint <which>', 'checkpoint').choices(CHECKPOINT_NAMES).default('best'))
  .action(async (runDir: string, o: { split: SplitName; masks?: string; method: string; limit?: number; layer?: string; checkpoint: CheckpointName }) => {
    if (o.limit !== undefined && o.limit < 1) throw new UsageError('--limit must be at least 1');
    mustExist(runDir, 'folder');
    if (o.masks !== undefined) mustExist(o.masks, 'folder');
    output('audit', await run({ type: 'audit', id: 0, runDir, split: o.split, masks: o.masks, method: o.method, limit: o.limit, layer: o.layer, checkpoint: o.checkpoint }));
  });

program.command('explain-eval <runDir>')
  .description('how faithful each CAM method is for this model: ROAD, Average Drop and Increase in Confidence over a sample of a split, most faithful first')
  .addOption(new Option('--split <name>', 'split of the run').choices(['test', 'val', 'train']).default('test'))
  .addOption(methodsOption('CAM methods to compare, comma-separated (default: all seven)'))
  .option('--limit <n>', 'images in the sample, stratified by class (default 30)', int('--limit'))
  .option('--seed <n>', "seed of the sample and the imputer's noise (default: the run's)", int('--seed'))
  .option('--noise <x>', "standard deviation of the ROAD imputer's noise, normalised input units (default 0.01, pytorch-grad-cam's; 0: none)", num('--noise'))
  .addOption(new Option('--target <score>', "ROAD's score of the explained class").choices(['probability', 'logit']).default('probability'))
  .option('--layer <name>', "target layer (default: the model's usual one)")
  .addOption(new Option('--checkpoint <which>', 'checkpoint').choices(CHECKPOINT_NAMES).default('best'))
  .action(async (runDir: string, o: { split: SplitName; methods?: string[]; limit?: number; seed?: number; noise?: number; target: 'probability' | 'logit'; layer?: string; checkpoint: CheckpointName }) => {
    if (o.limit !== undefined && o.limit < 1) throw new UsageError('--limit must be at least 1');
    if (o.noise !== undefined && o.noise < 0) throw new UsageError('--noise must be at least 0');
    mustExist(runDir, 'folder');
    output('explain-eval', await run({ type: 'explain-eval', id: 0, runDir, split: o.split, methods: o.methods, limit: o.limit, seed: o.seed, noise: o.noise,
      target: o.target, layer: o.layer, checkpoint: o.checkpoint }));
  });

program.command('compare <runs...>')
  .description('runs, or a sweep folder, side by side on their test split (accuracy, per-class precision/recall/F1, macro-F1, AUC with intervals, parameters, training and inference time) with paired tests: McNemar and a paired patient bootstrap')
  .addOption(new Option('--pairs <which>', 'paired tests of every pair, or of each run against the best (default: every pair up to 4 runs)').choices(['all', 'best']))
  .option('--no-evaluate', 'leave out runs without a current test evaluation instead of evaluating them first')
  .action(async (paths: string[], o: { pairs?: PairingMode; evaluate: boolean }) => {
    checkRunsOrSweeps(paths);
    const result = await run({ type: 'compare', id: 0, runs: paths, pairing: o.pairs, evaluate: o.evaluate });
    output('compare', result);
    if (result.rows.length === 0) throw new Error('No run could be compared (the reasons are above).');
  });

program.command('report <runs...>')
  .description('one self-contained HTML report of runs or a sweep (dataset, recipe, curves, tables, paired tests, confusion matrices, ROC, Grad-CAM, audit, environment, model card, CLAIM checklist); --markdown: Markdown with PNGs beside it')
  .option('--out <file>', "report file (.html, or .md for Markdown; default .cxr-lab/reports/<sweep id>.html, or report.html in a sweep folder elsewhere)")
  .option('--markdown', 'write Markdown with the figures as PNGs in <name>_files/ beside it')
  .option('--cam-images <n>', 'test images in the Grad-CAM grid (0: none)', int('--cam-images'), 4)
  .addOption(new Option('--pairs <which>', 'paired tests of every pair, or of each run against the best').choices(['all', 'best']))
  .option('--no-evaluate', 'leave out runs without a current test evaluation instead of evaluating them first')
  .action(async (paths: string[], o: { out?: string; markdown?: boolean; camImages: number; pairs?: PairingMode; evaluate: boolean }) => {
    if (o.camImages < 0 || o.camImages > MAX_GRID_IMAGES) throw new UsageError(`--cam-images must be between 0 and ${MAX_GRID_IMAGES}`);
    const format = reportFormat(o.out, o.markdown);
    checkRunsOrSweeps(paths);
    const result = await run({ type: 'report', id: 0, runs: paths, out: o.out, format, camImages: o.camImages, pairing: o.pairs, evaluate: o.evaluate });
    output('report', result);
    if (result.runs.length === 0) throw new Error('No run could be reported on (the reasons are in the report).');
  });

program.command('demo')
  .description('generate a phantom X-ray dataset, train a small model, evaluate and explain it (no network)')
  .option('--out <dir>', 'where to put the dataset and the run', 'cxr-lab-demo')
  .action(async (o: { out: string }) => {
    await runDemo(o.out, run, (text) => { if (!globals().json) console.log(text); });
  });

program.command('runs [folder]')
  .description('list runs and training queues with their state (a Slurm run: its job\'s state from squeue/scontrol while Slurm knows it)')
  .action(async (folder: string | undefined) => {
    if (folder) mustExist(folder, 'folder');
    const listing = await listRunsAndSweeps(folder);
    if (globals().json) process.stdout.write(JSON.stringify({ type: 'result', request: 'runs', result: listing }) + '\n');
    else console.log(formatRuns(listing));
  });

program.command('cancel <runDir>')
  .description('cancel a run submitted with --executor slurm (scancel); it stays resumable')
  .action(async (runDir: string) => {
    mustExist(runDir, 'folder');
    await cancelRun(runDir, (line) => console.error(line));
  });

/** Run by the batch script of `train --executor slurm` on the node (src/engine/slurm/batchScript.ts), not by people. */
program.command('slurm-job <runDir>', { hidden: true })
  .option('--ended <code>', 'record the end of the attempt with this exit code, if the training did not', int('--ended'))
  .action(async (runDir: string, o: { ended?: number }) => {
    const result = await slurmJobCommand(runDir, o, (req) => run({ type: 'train', id: 0, ...req }),
      () => (stoppedBy ? SIGNAL_EXIT[stoppedBy] : 0), (line) => console.error(line));
    if (result) output('train', result);
  });

async function resolveClass(runDir: string, value: string): Promise<number> {
  const { RunStore } = await import('../engine/run/runStore');
  const classes = (await RunStore.open(runDir)).info.dataset.classes;
  const byName = classes.indexOf(value);
  if (byName >= 0) return byName;
  const n = Number(value);
  if (Number.isInteger(n) && n >= 0 && n < classes.length) return n;
  throw new UsageError(`Unknown class "${value}"; this run's classes are: ${classes.map((c, i) => `${i}=${c}`).join(', ')}.`);
}

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
    if (stoppedBy) process.exitCode = SIGNAL_EXIT[stoppedBy];
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 2);
    }
    const e = err as Error;
    const usage = e instanceof UsageError || errorKind(e) === 'config';
    process.stderr.write(`\ncxr-lab: ${notFoundMessage(e) ?? e.message}\n`);
    if (globals().verbose && e.stack) process.stderr.write(e.stack + '\n');
    process.exit(stoppedBy ? SIGNAL_EXIT[stoppedBy] : usage ? 2 : 1);
  }
}

void main();
