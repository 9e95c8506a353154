/**
 * `cxr-lab tune`: model selection without touching the test split. One run per preset × learning rate, all with the same
 * seed (so the same patient-grouped split), each scored on the validation split with its best checkpoint (with `tta`, also
 * with test-time augmentation, which then is part of the choice); the best one by the criterion (validation macro-F1,
 * ties broken by the lower validation loss; or the loss alone) is kept and evaluated on the test split, the way it won —
 * the only evaluation on it. With `seeds`, every candidate is trained once per seed on one split (the first seed's, or
 * splitSeed) and ranked by its mean scores, which a single seed's luck moves less; the winner's runs are all tested.
 * Progress and results go to tune.json after every step, so an interrupted tune shows what finished.
 */
import * as path from 'node:path';
import type { JobEventSink, TrainConfig, TuneRequest, TuneResult } from '../../shared/engineProtocol';
import {
  evalMetricValue, LAB_DIR, RUN_LAYOUT_VERSION, runFolderName, TUNE_DIR, TUNE_FILES, type TuneCandidate, type TuneCriterion, type TuneFile, type TuneSeedRun,
} from '../../shared/runFiles';
import { claimNewFolder } from '../../shared/node/runFs';
import { formatLr } from '../../shared/format';
import { CancelledError, ConfigError } from '../errors';
import { writeJsonAtomic } from '../io/atomic';
import { resolveTrainConfig } from '../train/config';
import { train } from '../train/trainer';
import { evaluateRun } from './evaluate';

export type TuneOptions = Omit<TuneRequest, 'type' | 'id'> & { signal?: AbortSignal; emit: JobEventSink };

/** `<preset>-lr<lr>`, e.g. recommended-lr1e-3. */
export function candidateName(preset: string, lr: number): string {
  return `${preset}-lr${lr.toExponential().replace('e+', 'e')}`;
}

/** One way to use a candidate: its best checkpoint, with or without test-time augmentation. */
export interface TuneChoice { candidate: TuneCandidate; tta: boolean }

/**
 * The best choice: highest validation macro-F1, then lowest validation loss (criterion 'val-macro-f1'); or lowest loss.
 * With `tta`, each completed candidate is two choices, plain and with test-time augmentation (on a tie the plain one wins:
 * fewer predictions for the same score).
 */
export function pickWinner(candidates: readonly TuneCandidate[], criterion: TuneCriterion, tta = false): TuneChoice | undefined {
  const scored = candidates.filter((c) => c.status === 'completed' && c.valMacroF1 !== undefined && c.valLoss !== undefined);
  const choices = scored.flatMap((c) => [
    { candidate: c, tta: false, f1: c.valMacroF1!, loss: c.valLoss! },
    ...(tta && c.valTta ? [{ candidate: c, tta: true, f1: c.valTta.macroF1, loss: c.valTta.loss }] : []),
  ]);
  const loss = (c: { loss: number }) => (Number.isFinite(c.loss) ? c.loss : Infinity);
  const best = [...choices].sort((a, b) => (criterion === 'val-loss' ? loss(a) - loss(b) : (b.f1 - a.f1) || loss(a) - loss(b)))[0];
  return best && { candidate: best.candidate, tta: best.tta };
}

/** What one run of a candidate scored; a candidate's own fields when it has one run. */
type RunScores = Omit<TuneSeedRun, 'seed' | 'runDir'>;

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** A candidate's status and scores from its seeds' runs: completed when all are, the means of their validation scores. */
export function aggregateRuns(runs: readonly TuneSeedRun[]): RunScores {
  const failed = runs.find((r) => r.status === 'failed');
  if (runs.some((r) => r.status === 'cancelled')) return { status: 'cancelled' };
  if (failed) return { status: 'failed', reason: `seed ${failed.seed}: ${failed.reason ?? 'failed'}` };
  if (!runs.every((r) => r.status === 'completed')) return { status: runs.some((r) => r.status !== 'queued') ? 'running' : 'queued' };
  const tta = runs.every((r) => r.valTta) ? runs.map((r) => r.valTta!) : undefined;
  return {
    status: 'completed', valLoss: mean(runs.map((r) => r.valLoss ?? NaN)), valAccuracy: mean(runs.map((r) => r.valAccuracy ?? NaN)),
    valMacroF1: mean(runs.map((r) => r.valMacroF1 ?? NaN)),
    ...(tta ? { valTta: { loss: mean(tta.map((t) => t.loss)), accuracy: mean(tta.map((t) => t.accuracy)), macroF1: mean(tta.map((t) => t.macroF1)) } } : {}),
  };
}

export async function tune(o: TuneOptions): Promise<TuneResult> {
  const presets = [...new Set(o.presets)], lrs = [...new Set(o.lrs)], seeds = [...new Set(o.seeds ?? [])];
  if (presets.length === 0 || lrs.length === 0) throw new ConfigError('tune needs at least one preset and one learning rate.');
  if (presets.length * lrs.length < 2) throw new ConfigError('tune compares at least two candidates: give two presets or two learning rates.');
  const perSeed = seeds.length > 1;
  // Several seeds share one split: the given split seed, else the first seed's.
  const shared: Partial<TrainConfig> = {
    ...o.config, preset: undefined, lr: undefined, ...(perSeed ? { seed: undefined, splitSeed: o.config.splitSeed ?? seeds[0] } : seeds.length ? { seed: seeds[0] } : {}),
  };
  for (const preset of presets) for (const lr of lrs) resolveTrainConfig({ ...shared, preset, lr }); // refuse a bad setting before any training
  const arch = resolveTrainConfig(shared).arch;
  const criterion = o.criterion ?? 'val-macro-f1';
  const dir = o.outDir ? path.resolve(o.outDir) : await claimNewFolder(path.resolve(LAB_DIR, TUNE_DIR), runFolderName(arch));
  const now = () => new Date().toISOString();
  const file: TuneFile = {
    format: RUN_LAYOUT_VERSION, createdAt: now(), updatedAt: now(), status: 'running', dataset: path.resolve(o.dataset),
    config: Object.fromEntries(Object.entries(shared).filter(([, v]) => v !== undefined)), criterion, ...(o.tta ? { tta: true } : {}),
    ...(perSeed ? { seeds } : {}),
    candidates: presets.flatMap((preset) => lrs.map((lr) => {
      const name = candidateName(preset, lr);
      const runs = perSeed ? seeds.map((seed) => ({ seed, runDir: `${name}/seed${seed}`, status: 'queued' as const })) : undefined;
      return { name, preset, lr, runDir: name, status: 'queued' as const, ...(runs ? { runs } : {}) };
    })),
  };
  const jsonPath = path.join(dir, TUNE_FILES.tune);
  const save = async () => { file.updatedAt = now(); await writeJsonAtomic(jsonPath, file); };
  await save();
  const log = (message: string) => o.emit({ type: 'log', level: 'info', message });

  /** Train and score one run into `into` (a candidate, or one of its seeds' runs), saving tune.json on the way. */
  const trainAndScore = async (into: RunScores & { runDir: string }, config: Partial<TrainConfig>) => {
    into.status = 'running';
    await save();
    const runDir = path.join(dir, into.runDir);
    try {
      const result = await train({ dataset: o.dataset, config, runDir, signal: o.signal, emit: o.emit });
      if (result.status !== 'completed') {
        into.status = result.status === 'cancelled' ? 'cancelled' : 'failed';
      } else {
        const val = await evaluateRun({ runDir, split: 'val', signal: o.signal, emit: o.emit });
        Object.assign(into, { status: 'completed', bestEpoch: result.best?.epoch, valLoss: result.best?.valLoss ?? NaN, valAccuracy: val.accuracy, valMacroF1: val.macroF1 });
        log(`  validation: macro-F1 ${val.macroF1.toFixed(3)}, accuracy ${(val.accuracy * 100).toFixed(1)} %, loss ${into.valLoss?.toFixed(3)} (best epoch ${into.bestEpoch})`);
        if (o.tta) {
          const valTta = await evaluateRun({ runDir, split: 'val', tta: true, signal: o.signal, emit: o.emit });
          into.valTta = { loss: evalMetricValue(valTta.metrics, 'logLoss') ?? NaN, accuracy: valTta.accuracy, macroF1: valTta.macroF1 };
          log(`  validation with test-time augmentation: macro-F1 ${valTta.macroF1.toFixed(3)}, accuracy ${(valTta.accuracy * 100).toFixed(1)} %, loss ${into.valTta.loss.toFixed(3)}`);
        }
      }
    } catch (e) {
      if (e instanceof CancelledError || o.signal?.aborted) into.status = 'cancelled';
      else { into.status = 'failed'; into.reason = (e as Error).message; o.emit({ type: 'log', level: 'warn', message: `  failed: ${into.reason}` }); }
    }
    await save();
  };

  for (const [i, c] of file.candidates.entries()) {
    if (o.signal?.aborted) break;
    log(`Candidate ${i + 1}/${file.candidates.length}: ${c.preset} preset, lr ${formatLr(c.lr)} → ${path.join(dir, c.runDir)}`);
    const config = { ...shared, preset: c.preset, lr: c.lr };
    if (!c.runs) {
      await trainAndScore(c, config);
      continue;
    }
    c.status = 'running';
    for (const r of c.runs) {
      if (o.signal?.aborted) break;
      log(` seed ${r.seed} → ${path.join(dir, r.runDir)}`);
      await trainAndScore(r, { ...config, seed: r.seed });
      Object.assign(c, aggregateRuns(c.runs));
    }
    const means = aggregateRuns(c.runs);
    Object.assign(c, means);
    if (means.status === 'completed') log(`  mean of ${c.runs.length} seeds: macro-F1 ${means.valMacroF1?.toFixed(3)}, loss ${means.valLoss?.toFixed(3)}${means.valTta ? `; with TTA ${means.valTta.macroF1.toFixed(3)}` : ''}`);
    await save();
  }
  if (o.signal?.aborted) {
    file.status = 'cancelled';
    await save();
    throw new CancelledError();
  }
  const choice = pickWinner(file.candidates, criterion, o.tta);
  if (!choice) {
    file.status = 'failed';
    await save();
    throw new Error(`No candidate finished training; see ${jsonPath}.`);
  }
  const winner = choice.candidate;
  file.winner = winner.name;
  if (o.tta) file.winnerTta = choice.tta;
  log(`Winner on validation: ${winner.name}${choice.tta ? ' with test-time augmentation' : ''}; evaluating it on the test split (once).`);
  const tested = [];
  for (const r of winner.runs ?? [{ seed: undefined, runDir: winner.runDir }]) {
    const test = await evaluateRun({ runDir: path.join(dir, r.runDir), split: 'test', tta: choice.tta, signal: o.signal, emit: o.emit });
    tested.push({ seed: r.seed, accuracy: test.accuracy, macroF1: test.macroF1, evalFile: path.relative(dir, test.jsonPath) });
  }
  file.test = {
    accuracy: mean(tested.map((t) => t.accuracy)), macroF1: mean(tested.map((t) => t.macroF1)), evalFile: tested[0].evalFile,
    ...(o.tta ? { tta: choice.tta } : {}), ...(winner.runs ? { runs: tested.map((t) => ({ ...t, seed: t.seed! })) } : {}),
  };
  file.status = 'completed';
  await save();
  return { ...file, tuneDir: dir, jsonPath };
}
