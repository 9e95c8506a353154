/** Eval files, run and ensemble records → what the evaluation view shows (one evaluation + the summary table of all). Pure. */
import * as path from 'node:path';
import type { EvaluationView, SummaryRow } from '../../shared/webviewProtocol';
import { ensembleLabel, splitSeedOf, type EnsembleFile, type EvalFile } from '../../shared/runFiles';
import { parseEvalName } from '../../shared/evaluatedSet';
import type { RunRecord } from '../runs/runReader';
import type { EnsembleRecord } from '../runs/ensembleReader';
import type { EvalSummary } from './evalFile';

/** The eval file's parts the view shows; the optional ones only when the file has them (older files do not). */
function fileParts(file: EvalFile): Omit<EvaluationView, 'runDir' | 'runId' | 'arch' | 'explainRunDir' | 'ensemble'> {
  // An external folder's evaluation: name the folder its images are in.
  const folder = parseEvalName(file.name).kind === 'folder' ? imagesRoot(file.predictions.map((p) => p.file)) : undefined;
  const optional = {
    metrics: file.metrics, intervals: file.intervals, bootstrap: file.bootstrap, temperatureScaling: file.temperatureScaling,
    confounders: file.confounders, subgroups: file.subgroups,
  };
  return {
    name: file.name, classes: file.classes, confusion: file.confusion, perClass: file.perClass, accuracy: file.accuracy, macro: file.macro,
    weighted: file.weighted, total: file.total, predictions: file.predictions, checkpoint: file.checkpoint,
    ...(folder ? { evaluatedFolder: folder } : {}),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

export function toEvaluationView(run: RunRecord, file: EvalFile): EvaluationView {
  return { runDir: run.dir, runId: run.id, arch: run.info.config.arch, explainRunDir: run.dir, ...fileParts(file) };
}

/** An ensemble's evaluation: named by its members; an image is explained with the first member's checkpoint. */
export function toEnsembleEvaluationView(dir: string, ensemble: EnsembleFile, file: EvalFile): EvaluationView {
  const members = ensemble.members;
  return {
    runDir: dir, runId: ensemble.id, arch: ensembleLabel(members), explainRunDir: members[0].runDir, ensemble: members, ...fileParts(file),
  };
}

/** The score columns every row has: accuracy, F1s, and AUC and intervals where the file has them; images and checkpoint. */
function scores(e: EvalSummary): Pick<SummaryRow, 'name' | 'accuracy' | 'macroF1' | 'weightedF1' | 'auc' | 'intervals' | 'total' | 'checkpoint'> {
  return {
    name: e.name, accuracy: e.accuracy, macroF1: e.macroF1, weightedF1: e.weightedF1, total: e.total, checkpoint: e.checkpoint,
    ...(e.auc !== undefined ? { auc: e.auc } : {}), ...(e.intervals ? { intervals: e.intervals } : {}),
  };
}

/**
 * What an evaluation evaluated, as a key rows are grouped by: a split is the same images only within one dataset split
 * with one seed; an external folder is known by its name (the file keeps no more of it).
 */
export function evaluatedSetKey(name: string, dataset: { hash: string; splitSeed?: number }): string {
  const p = parseEvalName(name);
  if (p.kind === 'split') return `split:${p.split}:${dataset.hash}:${dataset.splitSeed ?? ''}`;
  if (p.kind === 'folder') return `folder:${p.folder}`;
  return `other:${name}`;
}

/** One row per (run, evaluation), newest run first, then one per (ensemble, evaluation) — the reference study's table of all models. */
export function summaryRows(runs: RunRecord[], ensembles: EnsembleRecord[] = []): SummaryRow[] {
  const datasetOf = (root: string, hash: string, splitSeed?: number) => ({ name: path.basename(root), hash, ...(splitSeed !== undefined ? { splitSeed } : {}) });
  return [
    ...runs.flatMap((run) => {
      const dataset = datasetOf(run.info.dataset.root, run.info.dataset.hash, splitSeedOf(run.info.config));
      return run.evals.map((e): SummaryRow => ({
        runDir: run.dir, runId: run.id, arch: run.info.config.arch, ...scores(e),
        epochs: run.info.epochsDone, ...(run.info.best ? { bestEpoch: run.info.best.epoch } : {}),
        setKey: evaluatedSetKey(e.name, dataset), dataset: { name: dataset.name, ...(dataset.splitSeed !== undefined ? { splitSeed: dataset.splitSeed } : {}) },
      }));
    }),
    ...ensembles.flatMap((ens) => {
      // The members share the split: the first member's seed made it.
      const first = runs.find((r) => r.dir === ens.info.members[0].runDir);
      const dataset = datasetOf(ens.info.dataset.root, ens.info.dataset.hash, first && splitSeedOf(first.info.config));
      return ens.evals.map((e): SummaryRow => ({
        runDir: ens.dir, runId: ens.id, arch: ensembleLabel(ens.info.members), ...scores(e), members: ens.info.members.length,
        memberEpochs: ens.info.members.map((m) => m.epoch),
        setKey: evaluatedSetKey(e.name, dataset), dataset: { name: dataset.name, ...(dataset.splitSeed !== undefined ? { splitSeed: dataset.splitSeed } : {}) },
      }));
    }),
  ];
}

/** The most recently written evaluation of any run or ensemble, to open when none is named. */
export function newestEvaluation(runs: RunRecord[], ensembles: EnsembleRecord[] = []): { runDir: string; name: string } | undefined {
  let best: { runDir: string; name: string; t: number } | undefined;
  const owners = [...runs.map((r) => ({ dir: r.dir, evals: r.evals, at: r.info.updatedAt })), ...ensembles.map((e) => ({ dir: e.dir, evals: e.evals, at: e.info.updatedAt }))];
  for (const owner of owners) {
    for (const e of owner.evals) {
      const t = Date.parse(e.createdAt ?? owner.at) || 0;
      if (!best || t > best.t) best = { runDir: owner.dir, name: e.name, t };
    }
  }
  return best && { runDir: best.runDir, name: best.name };
}

/**
 * The folder the webview must be allowed to read an evaluation's images from (its thumbnails): the deepest folder
 * holding every evaluated image — the dataset root for a split, the --data folder otherwise. Undefined without images.
 */
export function imagesRoot(files: readonly string[]): string | undefined {
  if (files.length === 0) return undefined;
  let root = path.dirname(path.resolve(files[0]));
  for (const f of files) {
    const abs = path.resolve(f);
    while (root !== path.dirname(root) && !abs.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) root = path.dirname(root);
  }
  return root;
}
