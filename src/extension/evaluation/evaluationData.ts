/** Eval files and run records → what the evaluation view shows (one evaluation + the summary table of all runs). Pure. */
import type { EvaluationView, SummaryRow } from '../../shared/webviewProtocol';
import type { RunRecord } from '../runs/runReader';
import type { EvalFile } from '../../shared/runFiles';

export function toEvaluationView(run: RunRecord, file: EvalFile): EvaluationView {
  return {
    runDir: run.dir, runId: run.id, arch: run.info.config.arch, name: file.name, classes: file.classes,
    confusion: file.confusion, perClass: file.perClass, accuracy: file.accuracy, macro: file.macro, weighted: file.weighted,
    total: file.total, predictions: file.predictions,
  };
}

/** One row per (run, evaluation), newest run first — the reference study's table of all models. */
export function summaryRows(runs: RunRecord[]): SummaryRow[] {
  return runs.flatMap((run) => run.evals.map((e): SummaryRow => ({
    runDir: run.dir, runId: run.id, arch: run.info.config.arch, name: e.name, accuracy: e.accuracy, macroF1: e.macroF1,
    weightedF1: e.weightedF1, epochs: run.info.epochsDone, ...(run.info.best ? { bestEpoch: run.info.best.epoch } : {}),
  })));
}

/** The most recently written evaluation of any run, to open when no run is named. */
export function newestEvaluation(runs: RunRecord[]): { runDir: string; name: string } | undefined {
  let best: { runDir: string; name: string; t: number } | undefined;
  for (const run of runs) {
    for (const e of run.evals) {
      const t = Date.parse(e.createdAt ?? run.info.updatedAt) || 0;
      if (!best || t > best.t) best = { runDir: run.dir, name: e.name, t };
    }
  }
  return best && { runDir: best.runDir, name: best.name };
}
