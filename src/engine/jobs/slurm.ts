/**
 * The `slurm` engine job: what the extension asks of the Slurm executor (src/engine/slurm/) — submit a training (one
 * run, or a queue of architectures × seeds) as sbatch jobs, submit a run or queue again, or cancel a run's job.
 * The CLI calls the same functions directly (src/cli/slurm.ts).
 */
import type { JobEventSink, SlurmRequest, SlurmResult } from '../../shared/engineProtocol';
import { resubmitTraining, slurmContext, submitTraining } from '../slurm/submitTraining';
import { cancelSlurmRun } from '../slurm/submit';

export async function slurmJob(o: Omit<SlurmRequest, 'type' | 'id'> & { signal: AbortSignal; emit: JobEventSink }): Promise<SlurmResult> {
  const say = (message: string) => o.emit({ type: 'log', level: 'info', message });
  if (o.action === 'cancel') {
    if (!o.runDir) throw new Error('Which run? The cancel request names no runDir.');
    const { jobId } = await cancelSlurmRun(o.runDir);
    return { runs: jobId ? [{ runDir: o.runDir, jobId, log: '' }] : [] };
  }
  const ctx = await slurmContext(o.workspace, o.sbatch ?? {}, o.backend);
  if (o.action === 'resubmit') {
    if (!o.runDir) throw new Error('Which run? The resubmit request names no runDir.');
    return resubmitTraining(o.runDir, ctx, say);
  }
  if (!o.dataset || !o.config) throw new Error('The submit request names no dataset or config.');
  const archs = o.archs ?? [o.config.arch ?? 'densenet121'];
  return submitTraining({ dataset: o.dataset, config: o.config, archs, seeds: o.seeds, out: o.out }, ctx, say);
}
