/**
 * What Slurm says about a job, parsed from `squeue` and `scontrol show job --oneliner`. Pure (no processes): the
 * queries that run those commands are src/shared/node/slurmQuery.ts, for the CLI and the extension alike.
 * Slurm's job states: https://slurm.schedmd.com/squeue.html#SECTION_JOB-STATE-CODES.
 */

/** Our reading of Slurm's state: the few that matter to a training run. */
export type SlurmPhase = 'pending' | 'running' | 'suspended' | 'completed' | 'failed' | 'cancelled' | 'timeout' | 'preempted' | 'node_fail';

export interface SlurmJobState {
  jobId: string;
  /** Slurm's own word: PENDING, RUNNING, COMPLETED, OUT_OF_MEMORY… */
  state: string;
  phase: SlurmPhase;
  /** Why it waits or ended (squeue's %r): Priority, Resources, JobHeldUser, …; absent when Slurm says None. */
  reason?: string;
  /** Node(s) it runs or ran on. */
  nodes?: string;
  /** ISO-like times as Slurm prints them; absent when Slurm has none yet. */
  startTime?: string;
  endTime?: string;
  /** "exit:signal" of scontrol's ExitCode, when known. */
  exitCode?: string;
}

const PHASES: Record<string, SlurmPhase> = {
  PENDING: 'pending', REQUEUED: 'pending', REQUEUE_HOLD: 'pending', REQUEUE_FED: 'pending', RESV_DEL_HOLD: 'pending',
  CONFIGURING: 'running', RUNNING: 'running', COMPLETING: 'running', SIGNALING: 'running', STAGE_OUT: 'running', RESIZING: 'running',
  SUSPENDED: 'suspended', STOPPED: 'suspended',
  COMPLETED: 'completed',
  FAILED: 'failed', BOOT_FAIL: 'failed', OUT_OF_MEMORY: 'failed', SPECIAL_EXIT: 'failed',
  CANCELLED: 'cancelled', REVOKED: 'cancelled',
  TIMEOUT: 'timeout', DEADLINE: 'timeout',
  PREEMPTED: 'preempted',
  NODE_FAIL: 'node_fail',
};

/** The phase of a Slurm state word ("CANCELLED by 0" as scontrol may print it counts as CANCELLED). */
export function slurmPhase(state: string): SlurmPhase {
  const word = state.trim().split(/[\s+]/)[0].toUpperCase();
  return PHASES[word] ?? (word.startsWith('CANCEL') ? 'cancelled' : 'failed');
}

/** Whether Slurm is done with the job (it will not run again unless requeued by hand). */
export function isFinalPhase(phase: SlurmPhase): boolean {
  return phase !== 'pending' && phase !== 'running' && phase !== 'suspended';
}

/** squeue's output format that parseSqueue reads: `squeue --noheader --states=all --format=<this>`. */
export const SQUEUE_FORMAT = '%i|%T|%r|%N|%S|%e';

const none = (v: string | undefined): string | undefined => {
  const t = v?.trim();
  return !t || t === 'None' || t === 'N/A' || t === 'NONE' || t === 'Unknown' || t === '(null)' ? undefined : t;
};

/** Lines of `squeue -h -t all -o SQUEUE_FORMAT`; lines that do not have the six fields are skipped. */
export function parseSqueue(text: string): SlurmJobState[] {
  const out: SlurmJobState[] = [];
  for (const line of text.split('\n')) {
    const f = line.split('|');
    if (f.length < 6 || !f[0].trim()) continue;
    const state = f[1].trim();
    out.push(clean({ jobId: f[0].trim(), state, phase: slurmPhase(state), reason: none(f[2]), nodes: none(f[3]), startTime: none(f[4]), endTime: none(f[5]) }));
  }
  return out;
}

/** `Key=Value` pairs of one `scontrol show job --oneliner` line; a value may hold spaces (Command=, Comment=). */
export function parseScontrolLine(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /(?:^|\s)([A-Za-z][\w:/]*)=(.*?)(?=\s[A-Za-z][\w:/]*=|\s*$)/g;
  for (const m of line.matchAll(re)) out[m[1]] = m[2];
  return out;
}

/** Jobs of `scontrol show job --oneliner [id]` (one line per job). */
export function parseScontrol(text: string): SlurmJobState[] {
  const out: SlurmJobState[] = [];
  for (const line of text.split('\n')) {
    const kv = parseScontrolLine(line.trim());
    if (!kv.JobId || !kv.JobState) continue;
    out.push(clean({
      jobId: kv.JobId, state: kv.JobState, phase: slurmPhase(kv.JobState), reason: none(kv.Reason), nodes: none(kv.NodeList),
      startTime: none(kv.StartTime), endTime: none(kv.EndTime), exitCode: none(kv.ExitCode),
    }));
  }
  return out;
}

/** One phrase for a person: "pending (Resources)", "running on node12", "timeout", "cancelled". */
export function describeSlurmState(s: SlurmJobState): string {
  const phase = s.phase.replace('_', ' ');
  if (s.phase === 'pending') return s.reason ? `pending (${s.reason})` : 'pending';
  if (s.phase === 'running') return s.nodes ? `running on ${s.nodes}` : 'running';
  if (s.state.toUpperCase() === 'OUT_OF_MEMORY') return 'failed (out of memory)';
  return phase;
}

function clean(s: SlurmJobState): SlurmJobState {
  for (const k of Object.keys(s) as (keyof SlurmJobState)[]) if (s[k] === undefined) delete s[k];
  return s;
}
