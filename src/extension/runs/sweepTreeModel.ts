/**
 * The Runs tree's training queues, as plain data (runTreeModel.ts does the same for runs): a sweep node with the queue's
 * live status ("resnet18, densenet121 · running · 1/2 completed · densenet121 epoch 3/6"), and under it its members —
 * each member's run as an ordinary run node once its run.json exists, else a member node (queued, or failed before
 * its engine wrote a run). No vscode import.
 */
import { sweepProgressText, type MemberStatus } from '../../shared/runFiles';
import type { TrainingProgress } from '../../shared/webviewProtocol';
import { formatDurationShort } from '../../shared/format';
import { isTraining, type RunRecord } from './runReader';
import { isSweepRunning, type SweepMemberRecord, type SweepRecord, type SweepViewStatus } from './sweepReader';
import type { NodeView } from './nodeView';

/** A training queue. (`sweep.dir` is what "Compare Runs" and "Export Report" read from the node.) */
export interface SweepNode {
  kind: 'sweep'; sweep: SweepRecord;
  /** This window's live progress of a run (a member followed from the runner's log), for the node and its members. */
  live?: (runDir: string) => TrainingProgress | undefined;
}
/** A queue member without a run folder yet (queued), or whose engine never wrote one (failed at its start). */
export interface MemberNode { kind: 'member'; member: SweepMemberRecord; sweepDir: string }

const SWEEP_ICON: Record<string, string> = {
  running: 'sync~spin', completed: 'pass', failed: 'error', cancelled: 'circle-slash', interrupted: 'debug-disconnect',
};
const MEMBER_ICON: Record<MemberStatus, string> = {
  queued: 'clock', running: 'sync~spin', completed: 'pass', failed: 'error', cancelled: 'circle-slash',
};

/** "resnet18, densenet121" or "resnet18 × 3 seeds". */
function whatItTrains(s: SweepRecord): string {
  const seeds = s.info.seeds.length;
  return `${s.info.archs.join(', ')}${seeds > 1 ? ` × ${seeds} seeds` : ''}`;
}

/** The member in progress, with its epoch and phase as its live progress (or run.json) says. */
function runningMember(s: SweepRecord, live: (runDir: string) => TrainingProgress | undefined): string | undefined {
  const m = s.members.find((x) => x.member.status === 'running' || (x.run && isTraining(x.run.status)));
  if (!m) return undefined;
  const p = live(m.dir);
  const epochs = p?.epochs ?? m.run?.info.config.epochs;
  const epoch = p?.epoch ?? (m.run ? Math.min(m.run.info.config.epochs, m.run.info.epochsDone + 1) : undefined);
  const parts = [m.member.name];
  if (epoch !== undefined && epochs !== undefined) parts.push(`epoch ${epoch}/${epochs}`);
  if (p && p.total > 0) parts.push(`${p.phase} ${Math.floor((100 * p.done) / p.total)}%`);
  if (p?.etaSeconds !== undefined) parts.push(`ETA ${formatDurationShort(p.etaSeconds)}`);
  return parts.join(' ');
}

export function sweepDescription(s: SweepRecord, live: (runDir: string) => TrainingProgress | undefined = () => undefined): string {
  const progress = sweepProgressText(s.info.members);
  const parts = [whatItTrains(s)];
  if (s.status !== 'completed') parts.push(s.status);
  parts.push(progress);
  if (isSweepRunning(s.status)) {
    const now = runningMember(s, live);
    if (now) parts.push(now);
  }
  return parts.join(' · ');
}

export function sweepContextValue(s: SweepRecord): string {
  const tokens = ['sweep', `sweep-status-${s.status.startsWith('running on ') ? 'elsewhere' : s.status}`];
  if (s.status === 'running') tokens.push('sweepCancellable');
  if (!isSweepRunning(s.status) && s.info.members.some((m) => m.status !== 'completed')) tokens.push('sweepResumable');
  return tokens.join(' ');
}

const statusIcon = (status: SweepViewStatus) => SWEEP_ICON[isSweepRunning(status) ? 'running' : status] ?? 'circle-outline';

export function sweepView(node: SweepNode): NodeView {
  const s = node.sweep;
  const description = sweepDescription(s, node.live);
  const reasons = s.info.members.filter((m) => m.reason).map((m) => `${m.name}: ${m.reason}`);
  return {
    id: s.dir, label: s.id, description,
    tooltip: [s.dir, `training queue of ${s.info.members.length} runs on ${s.info.dataset}; one split (seed ${s.info.splitSeed})`, ...reasons, ...(s.info.note ? [s.info.note] : [])].join('\n'),
    accessibilityLabel: `training queue ${s.id}, ${description.replace(/ · /g, ', ')}`,
    contextValue: sweepContextValue(s), icon: statusIcon(s.status),
    collapsible: isSweepRunning(s.status) ? 'expanded' : 'collapsed',
  };
}

export function memberView(node: MemberNode): NodeView {
  const m = node.member.member;
  const description = [m.arch, m.status, ...(m.reason ? [m.reason.split('\n')[0]] : [])].join(' · ');
  return {
    id: node.member.dir, label: m.name, description, ...(m.reason ? { tooltip: `${node.member.dir}\n${m.reason}` } : { tooltip: node.member.dir }),
    accessibilityLabel: `${m.name}, ${description.replace(/ · /g, ', ')}`,
    contextValue: `sweepMember member-status-${m.status}`, icon: MEMBER_ICON[m.status], collapsible: 'none',
  };
}

/** A queue's rows: each member's run once it has one, else the member itself, in queue order. */
export function sweepChildren(node: SweepNode): ({ kind: 'run'; run: RunRecord; live?: TrainingProgress } | MemberNode)[] {
  const s = node.sweep;
  return s.members.map((m) => (m.run ? { kind: 'run' as const, run: m.run, live: node.live?.(m.dir) } : { kind: 'member' as const, member: m, sweepDir: s.dir }));
}
