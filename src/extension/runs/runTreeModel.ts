/**
 * What each node of the Runs tree shows, as plain data: labels, descriptions, context values for the menus.
 * Kept free of vscode so the unit tests can check it; runsTree.ts turns a NodeView into a TreeItem.
 */
import type { CheckpointMeta } from '../../shared/runFiles';
import type { TrainingProgress } from '../../shared/webviewProtocol';
import type { EvalSummary } from '../evaluation/evalFile';
import { NOT_PRESENT_NOTE, formatDurationShort, formatLoss, formatMetric, formatPercent, formatWithInterval } from '../../shared/format';
import { isTraining, type CheckpointWhich, type RunRecord, type ViewStatus } from './runReader';

export type RunNode =
  | { kind: 'run'; run: RunRecord; live?: TrainingProgress }
  | { kind: 'checkpoint'; run: RunRecord; which: CheckpointWhich; meta: CheckpointMeta }
  | { kind: 'eval'; run: RunRecord; evaluation: EvalSummary }
  | { kind: 'metric'; run: RunRecord; id: string; label: string; description: string; spoken: string; tooltip?: string };

export interface NodeView {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  /** What a screen reader says; without it VS Code reads the tooltip (a path) instead of the status. */
  accessibilityLabel: string;
  /** Space-separated tokens; package.json menus match them with `viewItem =~ /\btoken\b/`. */
  contextValue: string;
  icon: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
  command?: { command: string; title: string; arguments: unknown[] };
}

const STATUS_ICON: Record<Exclude<ViewStatus, `running on ${string}`>, string> = {
  running: 'sync~spin', completed: 'pass', cancelled: 'circle-slash', failed: 'error', interrupted: 'debug-disconnect',
};
/** A run training on another host ("running on <host>") spins like one training here. */
const statusIcon = (status: ViewStatus): string => (isTraining(status) ? STATUS_ICON.running : STATUS_ICON[status as keyof typeof STATUS_ICON]);

export function runDescription(run: RunRecord, live?: TrainingProgress): string {
  const parts = [run.info.config.arch, run.status];
  if (isTraining(run.status)) {
    const epochs = live?.epochs ?? run.info.config.epochs;
    const epoch = live?.epoch ?? Math.min(epochs, run.info.epochsDone + 1);
    parts.push(`epoch ${epoch}/${epochs}`);
    if (live && live.total > 0) parts.push(`${live.phase} ${Math.floor((100 * live.done) / live.total)}%`);
    if (live?.etaSeconds !== undefined) parts.push(`ETA ${formatDurationShort(live.etaSeconds)}`);
  } else if (run.status !== 'completed') {
    parts.push(`${run.info.epochsDone}/${run.info.config.epochs} epochs`);
  }
  return parts.join(' · ');
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
  if (run.status === 'running') tokens.push('cancellable');
  else if (!isTraining(run.status)) tokens.push('deletable');
  if (!isTraining(run.status) && run.status !== 'completed' && hasResumePoint(run)) tokens.push('resumable');
  return tokens.join(' ');
}

export function checkpointDescription(meta: CheckpointMeta): string {
  return `epoch ${meta.epoch} · val loss ${formatLoss(meta.valLoss)} · val acc ${formatPercent(meta.valAcc)}`;
}

export function nodeView(node: RunNode): NodeView {
  const { run } = node;
  switch (node.kind) {
    case 'run': {
      const hasChildren = run.checkpoints.length > 0 || run.evals.length > 0;
      return {
        id: run.dir, label: run.id, description: runDescription(run, node.live), accessibilityLabel: runAccessibilityLabel(run, node.live),
        tooltip: `${run.dir}\n${run.info.dataset.classes.join(', ')} · backend ${run.info.backend.name}${run.info.error ? `\n${run.info.error}` : ''}`,
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

export function childNodes(node: RunNode): RunNode[] {
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

export function rootNodes(runs: RunRecord[], live: (runDir: string) => TrainingProgress | undefined): RunNode[] {
  return runs.map((run) => ({ kind: 'run', run, live: live(run.dir) }));
}
