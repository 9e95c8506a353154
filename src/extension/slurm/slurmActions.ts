/**
 * The extension's side of the Slurm executor: whether Slurm is here (sbatch on PATH and a controller that answers — on a
 * login node, or in a Remote-SSH window on one), the sbatch options of the settings (cxrLab.slurm.*, over the workspace's
 * .cxr-lab/slurm.json), and submit / resubmit / cancel through the engine's `slurm` request.
 */
import * as vscode from 'vscode';
import type { SlurmResult, TrainConfig } from '../../shared/engineProtocol';
import type { SbatchOptions } from '../../shared/slurm/settings';
import { findOnPath, runCommand } from '../../shared/node/slurmQuery';
import type { Services } from '../services';

/** sbatch on PATH and a controller that answers (`sinfo`): Slurm's commands alone, without a cluster, are not offered. */
export async function slurmAvailable(): Promise<boolean> {
  if (findOnPath('sbatch') === undefined) return false;
  return (await runCommand('sinfo', ['--noheader', '--format=%P'], { timeoutMs: 5000 })).code === 0;
}

/** The extension's settings for sbatch (empty ones left out, so `.cxr-lab/slurm.json` applies). */
export function slurmOptionsFromSettings(): SbatchOptions {
  const c = vscode.workspace.getConfiguration('cxrLab.slurm');
  const text = (key: string) => c.get<string>(key)?.trim() || undefined;
  const cpus = c.get<number>('cpus');
  return {
    partition: text('partition'), account: text('account'), gres: text('gres'), mem: text('mem'), time: text('time'),
    ...(cpus && cpus > 0 ? { cpus } : {}), ...(c.get<boolean>('requeue') ? { requeue: true } : {}),
  };
}

/** "partition gpu · gres gpu:1 · 8 CPUs · 32G · 4:00:00", or the cluster's defaults. */
export function describeSbatch(o: SbatchOptions): string {
  const parts = [o.partition && `partition ${o.partition}`, o.account && `account ${o.account}`, o.gres && `gres ${o.gres}`, o.cpus && `${o.cpus} CPUs`, o.mem, o.time, o.requeue && 'requeue'];
  return parts.filter(Boolean).join(' · ') || "the cluster's defaults";
}

const backendSetting = () => vscode.workspace.getConfiguration('cxrLab').get<string>('backend', 'auto');

export interface SlurmTraining { dataset: string; config: Partial<TrainConfig>; archs?: string[]; seeds?: number[]; out?: string }

/** Submits a training (one run, or a queue of archs × seeds); the log of the engine says each job. */
export async function submitToSlurm(s: Services, workspace: string, t: SlurmTraining): Promise<SlurmResult> {
  const job = await s.engine.start({
    type: 'slurm', action: 'submit', workspace, dataset: t.dataset, config: t.config, archs: t.archs, seeds: t.seeds, out: t.out,
    sbatch: slurmOptionsFromSettings(), backend: backendSetting(),
  });
  return job.result;
}

export async function resubmitToSlurm(s: Services, workspace: string, runDir: string): Promise<SlurmResult> {
  const job = await s.engine.start({ type: 'slurm', action: 'resubmit', workspace, runDir, sbatch: slurmOptionsFromSettings(), backend: backendSetting() });
  return job.result;
}

/** scancel the run's job; the folder notes the cancel (the run stays resumable). */
export async function cancelSlurmJob(s: Services, runDir: string): Promise<SlurmResult> {
  const job = await s.engine.start({ type: 'slurm', action: 'cancel', workspace: runDir, runDir });
  return job.result;
}

/** "Run on: this machine / Slurm cluster" — asked only where sbatch is on PATH; undefined when dismissed. */
export async function pickExecutor(placeHolder = 'Run on'): Promise<'local' | 'slurm' | undefined> {
  if (!(await slurmAvailable())) return 'local';
  const picked = await vscode.window.showQuickPick([
    { label: '$(vm) This machine', description: 'train here, in the engine process', executor: 'local' as const },
    { label: '$(server-environment) Slurm cluster', description: `sbatch: ${describeSbatch(slurmOptionsFromSettings())}`,
      detail: 'One job per run; options from Settings › CXR Lab › Slurm and .cxr-lab/slurm.json', executor: 'slurm' as const },
  ], { title: 'CXR Lab', placeHolder });
  return picked?.executor;
}

/** Submits, refreshes the Runs tree and opens the first run's training panel (it follows the run's files as the job writes them). */
export async function trainOnSlurm(s: Services, workspace: string, t: SlurmTraining): Promise<void> {
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'CXR Lab: submitting to Slurm…' }, () => submitToSlurm(s, workspace, t));
  s.runs.invalidate();
  const first = result.runs[0];
  if (first) s.trainingPanels.open(first.runDir);
  void vscode.window.showInformationMessage(`CXR Lab: submitted ${result.runs.length === 1 ? `Slurm job ${first?.jobId}` : `${result.runs.length} Slurm jobs (${result.runs.map((r) => r.jobId).join(', ')})`}; the Runs tree follows ${result.runs.length === 1 ? 'it' : 'them'}.`);
}
