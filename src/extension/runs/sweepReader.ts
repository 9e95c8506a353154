/**
 * Reads training-queue folders (`.cxr-lab/sweeps/<id>/`: sweep.json, run.lock, the members' run folders) into plain
 * records, as runReader.ts does for runs. No vscode import: the Runs tree, the sweep follower and the tests use it.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LAB_DIR, runningOn, SWEEPS_DIR, type RunningElsewhere, type SweepFile, type SweepMember, type SweepStatus } from '../../shared/runFiles';
import { pidAlive } from '../../shared/node/runFs';
import { readRun, type RunRecord } from './runReader';
import { readRunLock, readSweepFile } from './runFiles';
import { slurmSweepStatus } from './slurmRuns';

/** A queue whose runner is gone while sweep.json says running (kill -9, a reboot) is interrupted: Resume continues it. */
export type SweepViewStatus = SweepStatus | 'interrupted' | RunningElsewhere;

export interface SweepMemberRecord {
  member: SweepMember;
  /** The member's run folder, absolute. */
  dir: string;
  /** Its run, once the member's engine wrote run.json. */
  run?: RunRecord;
}

export interface SweepRecord {
  dir: string;
  id: string;
  info: SweepFile;
  status: SweepViewStatus;
  members: SweepMemberRecord[];
}

export const SWEEPS_FOLDER = path.join(LAB_DIR, SWEEPS_DIR);

/** Running here, running on another host (its lock says which), or interrupted when its runner is gone. */
export function sweepViewStatus(info: Pick<SweepFile, 'status' | 'runner' | 'executor'>, lockHost: string | undefined, alive: (pid: number) => boolean = pidAlive,
  thisHost: string = os.hostname()): SweepViewStatus {
  if (info.status !== 'running') return info.status;
  if (info.executor === 'slurm') return info.status; // no runner: each Slurm job writes its member's line
  if (lockHost && lockHost !== thisHost) return runningOn(lockHost);
  return info.runner && alive(info.runner.pid) ? 'running' : 'interrupted';
}

/** The queue is being worked through now (here or elsewhere): not to be resumed or deleted. */
export function isSweepRunning(status: SweepViewStatus): boolean {
  return status === 'running' || status.startsWith('running on ');
}

/** One sweep folder with its members' runs, or undefined when it holds no readable sweep.json. */
export async function readSweep(dir: string, alive?: (pid: number) => boolean): Promise<SweepRecord | undefined> {
  const info = await readSweepFile(dir).catch(() => undefined);
  if (!info) return undefined;
  const lock = info.status === 'running' ? await readRunLock(dir).catch(() => undefined) : undefined;
  const members = await Promise.all(info.members.map(async (member) => {
    const memberDir = path.resolve(dir, member.runDir);
    const run = await readRun(memberDir, alive);
    return { member, dir: memberDir, ...(run ? { run: { ...run, sweep: dir } } : {}) };
  }));
  // A queue submitted to Slurm (its members' jobs, no runner): its state is its members'.
  const slurm = members.some((m) => m.run?.slurm);
  const status = slurm ? slurmSweepStatus(members.map((m) => ({ status: m.run?.status ?? m.member.status, slurm: m.run?.slurm }))) : sweepViewStatus(info, lock?.host, alive);
  return { dir, id: info.id, info, status, members };
}

/** Every sweep under each root's .cxr-lab/sweeps, newest first. */
export async function listSweeps(workspaceRoots: string[], alive?: (pid: number) => boolean): Promise<SweepRecord[]> {
  const out: SweepRecord[] = [];
  for (const root of workspaceRoots) {
    const base = path.join(root, SWEEPS_FOLDER);
    const entries = await fs.readdir(base, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const sweep = await readSweep(path.join(base, e.name), alive);
      if (sweep) out.push(sweep);
    }
  }
  return out.sort((a, b) => (Date.parse(b.info.createdAt) || 0) - (Date.parse(a.info.createdAt) || 0) || b.id.localeCompare(a.id));
}
