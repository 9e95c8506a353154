/**
 * The sbatch options of a Slurm run, and the workspace's defaults for them: `.cxr-lab/slurm.json`. Each option is
 * also a flag of `cxr-lab train --executor slurm` (and a setting of the extension); a flag wins over the file.
 * Pure: the engine reads the file (src/engine/slurm/settingsFile.ts), the extension offers its values.
 */
import { z } from 'zod';

export const SLURM_SETTINGS_FILE = 'slurm.json';

export const sbatchOptionsSchema = z.object({
  partition: z.string().min(1).optional(),
  account: z.string().min(1).optional(),
  /** Generic resources, e.g. "gpu:1" or "gpu:a100:2". */
  gres: z.string().min(1).optional(),
  /** CPUs for the training process (--cpus-per-task). */
  cpus: z.number().int().positive().optional(),
  /** Memory per node, Slurm's syntax: 32G, 16000M, 16000 (MB). */
  mem: z.string().min(1).optional(),
  /** Time limit, Slurm's syntax: minutes, [hours:]minutes:seconds, days-hours[:minutes[:seconds]]. */
  time: z.string().min(1).optional(),
  /** Let Slurm requeue the job after a preemption or node failure (it then resumes from its last checkpoint). */
  requeue: z.boolean().optional(),
});
export type SbatchOptions = z.infer<typeof sbatchOptionsSchema>;

export const slurmSettingsSchema = sbatchOptionsSchema.extend({
  /** More sbatch arguments, as written on sbatch's command line ("--qos=long", "--constraint=v100"). */
  sbatchArgs: z.array(z.string()).optional(),
  /** Shell lines the batch script runs before training, e.g. "module load nodejs/20" or "source ~/venv/bin/activate". */
  setup: z.array(z.string()).optional(),
  /**
   * How to start cxr-lab on the node, a shell command line (e.g. "cxr-lab" when it is on the nodes' PATH).
   * Default: the node binary and the CLI script of the process that submits, by absolute path (a shared file system).
   */
  command: z.string().min(1).optional(),
}).strict();
export type SlurmSettings = z.infer<typeof slurmSettingsSchema>;

/** The settings' sbatch options with `flags` over them (a flag that is undefined keeps the file's value). */
export function mergeSbatchOptions(settings: SbatchOptions, flags: SbatchOptions): SbatchOptions {
  const out: SbatchOptions = { ...settings };
  for (const [key, value] of Object.entries(flags) as [keyof SbatchOptions, never][]) if (value !== undefined) out[key] = value;
  return out;
}
