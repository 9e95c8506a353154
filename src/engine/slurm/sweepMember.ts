/**
 * A Slurm queue has no runner process: each job keeps its member's line of sweep.json up to date itself (running when
 * it starts, how it ended when it ends) and, as the last one ends, the queue's status — so whatever reads sweep.json
 * (the Runs tree, compare, report) sees the queue as it would a local one. Jobs on several nodes write the one file:
 * each update is made under a short lock (jobFile.ts).
 */
import * as path from 'node:path';
import { SWEEP_FILES, type SweepFile, type SweepMember } from '../../shared/runFiles';
import { writeJsonAtomic } from '../io/atomic';
import { readSweepFile } from '../run/runFiles';
import { sweepStatus } from '../sweep/runSweep';
import { withFileLock } from './jobFile';

/** The sweep folder holding `runDir` as a member, and the member's name; undefined for a run outside a queue. */
async function memberOf(runDir: string): Promise<{ sweepDir: string; name: string } | undefined> {
  const sweepDir = path.dirname(path.resolve(runDir));
  const file = await readSweepFile(sweepDir).catch(() => undefined);
  const m = file?.members.find((x) => path.resolve(sweepDir, x.runDir) === path.resolve(runDir));
  return m ? { sweepDir, name: m.name } : undefined;
}

/** Updates the member's line (no-op outside a queue); once no member is queued or running, the queue's status too. */
export async function updateSweepMember(runDir: string, patch: Partial<SweepMember>): Promise<void> {
  const where = await memberOf(runDir);
  if (!where) return;
  const file = path.join(where.sweepDir, SWEEP_FILES.sweep);
  await withFileLock(`${file}.lock`, async () => {
    const sweep = await readSweepFile(where.sweepDir);
    if (!sweep) return;
    const members = sweep.members.map((m) => (m.name === where.name ? { ...m, ...patch } : m));
    const open = members.some((m) => m.status === 'queued' || m.status === 'running');
    const status = open ? 'running' : sweepStatus(members, false);
    await writeJsonAtomic(file, { ...sweep, members, status, updatedAt: new Date().toISOString() });
  });
}

/** Changes the queue's own fields (a local queue submitted to Slurm: its executor), under the same lock as the members' updates. */
export async function updateSweepFile(sweepDir: string, patch: Partial<Pick<SweepFile, 'executor'>>): Promise<void> {
  const file = path.join(sweepDir, SWEEP_FILES.sweep);
  await withFileLock(`${file}.lock`, async () => {
    const sweep = await readSweepFile(sweepDir);
    if (sweep) await writeJsonAtomic(file, { ...sweep, ...patch, updatedAt: new Date().toISOString() });
  });
}
