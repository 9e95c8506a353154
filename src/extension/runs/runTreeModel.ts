/**
 * What each node of the Runs tree shows, as plain data: labels, descriptions, context values for the menus.
 * Kept free of vscode so the unit tests can check it; runsTree.ts turns a NodeView into a TreeItem.
 */
import type { CheckpointMeta } from '../../shared/runFiles';
import type { TrainingProgress } from '../../shared/webviewProtocol';
import type { EvalSummary } from '../evaluation/evalFile';
import { NOT_PRESENT_NOTE, formatDurationShort, formatLoss, formatMetric, formatPercent, formatWithInterval } from '../../shared/format';
import { isTraining, type CheckpointWhich, type RunRecord, type ViewStatus } from './runReader';
import { slurmNote } from './slurmRuns';
import type { FailedStart } from '../training/failedStarts';
import type { NodeView } from './nodeView';
import type { SweepRecord } from './sweepReader';
import { memberView, sweepChildren, sweepView, type MemberNode, type SweepNode } from './sweepTreeModel';

export type RunNode =
  | { kind: 'run'; run: RunRecord; live?: TrainingProgress }
  | { kind: 'checkpoint'; run: RunRecord; which: CheckpointWhich; meta: CheckpointMeta }
  | { kind: 'eval'; run: RunRecord; evaluation: EvalSummary }
  | { kind: 'metric'; run: RunRecord; id: string; label: string; description: string; spoken: string; tooltip?: string };
/** A training that failed before its run.json was written (no folder to read it from). */
export interface FailedNode { kind: 'failed'; failed: FailedStart }
/** A row of the Runs tree: a run, a failed start, a training queue (sweep.ts) or a queue member without a run yet. */
export type RunsTreeNode = RunNode | FailedNode | SweepNode | MemberNode;
export type { MemberNode, SweepNode };

export type { NodeView };

const STATUS_ICON: Record<Exclude<ViewStatus, `running on ${string}`>, string> = {
  running: 'sync~spin', completed: 'pass', cancelled: 'circle-slash', failed: 'error', interrupted: 'debug-disconnect', queued: 'clock',
};
/** A run training on another host ("running on <host>") spins like one training here. */
const statusIcon = (status: ViewStatus): string => (isTraining(status) ? STATUS_ICON.running : STATUS_ICON[status as keyof typeof STATUS_ICON]);

export function runDescription(run: RunRecord, live?: TrainingProgress): string {
  // A queue member's label is its architecture (and seed) already.
  const parts = [...(run.sweep ? [] : [run.info.config.arch]), run.status];
  if (isTraining(run.status)) {
    const epochs = live?.epochs ?? run.info.config.epochs;
    const epoch = live?.epoch ?? Math.min(epochs, run.info.epochsDone + 1);
    parts.push(`epoch ${epoch}/${epochs}`);
    if (live && live.total > 0) parts.push(`${live.phase} ${Math.floor((100 * live.done) / live.total)}%`);
    if (live?.etaSeconds !== undefined) parts.push(`ETA ${formatDurationShort(live.etaSeconds)}`);
  } else if (run.status !== 'completed') {
    parts.push(`${run.info.epochsDone}/${run.info.config.epochs} epochs`);
    if (run.status === 'failed' && run.info.error) parts.push(firstLine(run.info.error));
  }
  if (run.slurm) parts.push(slurmNote(run.slurm));
  return parts.join(' · ');
}

/** The reason of a failure in a tree row: its first sentence or line, shortened. */
export function firstLine(message: string, max = 120): string {
  const line = message.split('\n')[0].trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function failedStartView(f: FailedStart): NodeView {
  return {
    id: f.runDir, label: f.id, description: `${f.arch} · failed before epoch 1 · ${firstLine(f.error)}`,
    tooltip: `${f.runDir}\n${f.dataset}\n${f.error}`, accessibilityLabel: `${f.id}, ${f.arch}, failed before epoch 1: ${f.error}`,
    contextValue: 'failedStart deletable', icon: 'error', collapsible: 'none',
    command: { command: 'cxrLab.openTrainingPanel', title: 'Open Training Panel', arguments: [f.runDir] },
  };
}

/** "r1, resnet18, running, epoch 2 of 5": the description in words, without the symbols. */
export function runAccessibilityLabel(run: RunRecord, live?: TrainingProgress): string {
  const parts = [run.id, run.info.config.arch, run.status];
  if (isTraining(run.status)) {
    const epochs = live?.epochs ?? run.info.config.epochs;
    parts.push(`epoch ${live?.epoch ?? Math.min(epochs, run.info.epochsDone + 1)} of ${epochs}`);
    if (live && live.total > 0) parts.push(`${live.phase} ${Math.floor((100 * live.done) / live.total)}%`);
  } else if (run.status !== 'completed') {
    parts.push(`${run.info.epochsDone} of ${run.info.config.epochs} epochs`);
  }
  return parts.join(', ');
}

/**
 * Resume has a place to start: checkpoints/last (or the complete copy standing in for it), or no finished epoch — a
 * run stopped during epoch 1 starts again from epoch 1 with its split and seed.
 */
export function hasResumePoint(run: RunRecord): boolean {
  return run.checkpoints.some((c) => c.which === 'last') || run.info.epochsDone === 0;
}

export function runContextValue(run: RunRecord): string {
  // A run training on another host: status-elsewhere; it cannot be cancelled, resumed or deleted from here.
  const tokens = ['run', `status-${isTraining(run.status) && run.status !== 'running' ? 'elsewhere' : run.status}`];
  const has = (w: CheckpointWhich) => run.checkpoints.some((c) => c.which === w);
  if (has('best')) tokens.push('ckpt');
  // A Slurm job is cancelled with scancel wherever it runs, and resumed (or submitted again) once Slurm is done with it.
  if (run.status === 'running' || run.slurm?.cancellable) tokens.push('cancellable');
  else if (!isTraining(run.status)) tokens.push('deletable');
  if (!isTraining(run.status) && !run.slurm?.cancellable && run.status !== 'completed' && (hasResumePoint(run) || run.slurm?.resumable)) tokens.push('resumable');
  return tokens.join(' ');
}

export function checkpointDescription(meta: CheckpointMeta): string {
  return `epoch ${meta.epoch} · val loss ${formatLoss(meta.valLoss)} · val acc ${formatPercent(meta.valAcc)}`;
}

export function nodeView(node: RunsTreeNode): NodeView {
  if (node.kind === 'failed') return failedStartView(node.failed);
  if (node.kind === 'sweep') return sweepView(node);
  if (node.kind === 'member') return memberView(node);
  const { run } = node;
  switch (node.kind) {
    case 'run': {
      const hasChildren = run.checkpoints.length > 0 || run.evals.length > 0;
      return {
        id: run.dir, label: run.id, description: runDescription(run, node.live), accessibilityLabel: runAccessibilityLabel(run, node.live),
        tooltip: `${run.dir}\n${run.info.dataset.classes.join(', ')} · backend ${run.info.backend.name}${run.info.error ? `\n${run.info.error}` : ''}${run.slurm ? `\nSlurm: ${run.slurm.phrase}` : ''}`,
        contextValue: runContextValue(run), icon: statusIcon(run.status),
        collapsible: hasChildren ? (run.evals.length > 0 ? 'expanded' : 'collapsed') : 'none',
        command: { command: 'cxrLab.openTrainingPanel', title: 'Open Training Panel', arguments: [run.dir] },
      };
    }
    case 'checkpoint': {
      const note = run.checkpoints.find((c) => c.which === node.which)?.note;
      return {
        id: `${run.dir}#ckpt-${node.which}`, label: node.which, description: checkpointDescription(node.meta) + (note ? ' · recovered copy' : ''),
        ...(note ? { tooltip: note } : {}),
        accessibilityLabel: `${node.which} checkpoint, epoch ${node.meta.epoch}, validation loss ${formatLoss(node.meta.valLoss)}, validation accuracy ${formatPercent(node.meta.valAcc)}`,
        contextValue: `checkpoint checkpoint-${node.which}`, icon: node.which === 'best' ? 'star-full' : 'history', collapsible: 'none',
      };
    }
    case 'eval': {
      const e = node.evaluation;
      // AUC beside macro-F1 where the file has it (older files do not).
      const auc = e.auc === undefined ? '' : `AUC ${e.auc === null ? 'n/a' : formatMetric(e.auc)}`;
      return {
        id: `${run.dir}#eval-${e.name}`, label: `metrics (${e.name})`,
        description: `accuracy ${formatPercent(e.accuracy)} · macro-F1 ${formatMetric(e.macroF1)}${auc ? ` · ${auc}` : ''}`, tooltip: `${e.total} images · ${e.path}`,
        accessibilityLabel: `metrics (${e.name}), accuracy ${formatPercent(e.accuracy)}, macro-F1 ${formatMetric(e.macroF1)}${auc ? `, ${auc}` : ''}, ${e.total} images`,
        contextValue: 'evaluation', icon: 'graph', collapsible: 'collapsed',
        command: { command: 'cxrLab.openEvaluation', title: 'Open Evaluation', arguments: [run.dir, e.name] },
      };
    }
    case 'metric':
      return {
        id: `${run.dir}#${node.id}`, label: node.label, description: node.description, accessibilityLabel: node.spoken,
        ...(node.tooltip ? { tooltip: node.tooltip } : {}), contextValue: 'metric', icon: 'symbol-number', collapsible: 'none',
      };
  }
}

/** "95 % interval 0.894 to 0.963" for a screen reader. */
const spokenInterval = (text: string): string => {
  const m = /\((.+)–(.+)\)$/.exec(text);
  return m ? `${text.slice(0, text.indexOf(' ('))}, 95 % interval ${m[1]} to ${m[2]}` : text;
};

export function metricNodes(run: RunRecord, e: EvalSummary): RunNode[] {
  const id = (s: string) => `eval-${e.name}-${s}`;
  const iv = e.intervals;
  const accuracy = formatWithInterval(e.accuracy, iv?.accuracy, true);
  const macroF1 = formatWithInterval(e.macroF1, iv?.macroF1);
  const auc = e.auc === undefined ? undefined : formatWithInterval(e.auc, iv?.auc);
  const intervalTip = iv ? '95 % bootstrap interval in brackets' : undefined;
  const classAuc = (k: number): string => {
    if (!e.perClassAuc) return '';
    const v = e.perClassAuc[k];
    return ` · AUC ${v === null || v === undefined ? 'n/a' : formatMetric(v)}`;
  };
  return [
    { kind: 'metric', run, id: id('accuracy'), label: 'accuracy', description: accuracy, spoken: `accuracy ${spokenInterval(accuracy)}`, ...(intervalTip ? { tooltip: intervalTip } : {}) },
    { kind: 'metric', run, id: id('macro-f1'), label: 'macro-F1', description: macroF1, spoken: `macro-F1 ${spokenInterval(macroF1)}`, ...(intervalTip ? { tooltip: intervalTip } : {}) },
    ...(auc === undefined ? [] : [{
      kind: 'metric', run, id: id('auc'), label: 'AUC (macro)', description: auc, spoken: `macro AUC ${spokenInterval(auc)}`,
      tooltip: `one-vs-rest ROC AUC, mean over the classes that have one${iv ? '; 95 % bootstrap interval in brackets' : ''}`,
    } satisfies RunNode]),
    ...e.perClass.map((c, k): RunNode => (c.present === false ? {
      kind: 'metric', run, id: id(`class-${c.className}`), label: c.className,
      description: `n/a · n ${c.support}`, tooltip: NOT_PRESENT_NOTE, spoken: `${c.className}, ${NOT_PRESENT_NOTE}`,
    } : {
      kind: 'metric', run, id: id(`class-${c.className}`), label: c.className,
      description: `P ${formatMetric(c.precision)} · R ${formatMetric(c.recall)} · F1 ${formatMetric(c.f1)}${classAuc(k)} · n ${c.support}`,
      spoken: `${c.className}, precision ${formatMetric(c.precision)}, recall ${formatMetric(c.recall)}, F1 ${formatMetric(c.f1)}${classAuc(k).replace(' · ', ', ')}, ${c.support} images`,
      ...(e.perClassAuc?.[k] === null && e.aucReason?.[k] ? { tooltip: `AUC n/a: ${e.aucReason[k]}` } : {}),
    })),
  ];
}

export function childNodes(node: RunsTreeNode): RunsTreeNode[] {
  if (node.kind === 'failed' || node.kind === 'member') return [];
  if (node.kind === 'sweep') return sweepChildren(node);
  const { run } = node;
  if (node.kind === 'run') {
    return [
      ...run.checkpoints.map((c): RunNode => ({ kind: 'checkpoint', run, which: c.which, meta: c.meta })),
      ...run.evals.map((evaluation): RunNode => ({ kind: 'eval', run, evaluation })),
    ];
  }
  if (node.kind === 'eval') return metricNodes(run, node.evaluation);
  return [];
}

/** The runs (newest first, as listRuns gives them), and merged in by time the trainings that failed before writing a run.json. */
export function rootNodes(allRuns: RunRecord[], live: (runDir: string) => TrainingProgress | undefined, failed: readonly FailedStart[] = [],
  sweeps: readonly SweepRecord[] = []): RunsTreeNode[] {
  const time = (iso: string) => Date.parse(iso) || 0;
  const runs = allRuns.filter((r) => !r.sweep); // a queue's members are under its node
  const starts = failed.filter((f) => !allRuns.some((r) => r.dir === f.runDir)).sort((a, b) => time(b.at) - time(a.at));
  const out: RunsTreeNode[] = [];
  let j = 0;
  for (const run of runs) {
    while (j < starts.length && time(starts[j].at) > time(run.info.createdAt)) out.push({ kind: 'failed', failed: starts[j++] });
    out.push({ kind: 'run', run, live: live(run.dir) });
  }
  for (; j < starts.length; j++) out.push({ kind: 'failed', failed: starts[j] });
  // Queues by their creation time among the rest, newest first.
  const at = (n: RunsTreeNode) => time(n.kind === 'run' ? n.run.info.createdAt : n.kind === 'failed' ? n.failed.at : n.kind === 'sweep' ? n.sweep.info.createdAt : '');
  for (const sweep of sweeps) {
    const node: SweepNode = { kind: 'sweep', sweep, live };
    const i = out.findIndex((n) => at(n) < at(node));
    out.splice(i < 0 ? out.length : i, 0, node);
  }
  return out;
}
