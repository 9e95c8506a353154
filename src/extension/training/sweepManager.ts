/**
 * Training queues from the editor. A queue is worked through by a runner process of its own — `node dist/cli.js --json
 * train … --out <sweep>` (or `resume <sweep>`), spawned detached with its output in `<sweep>/runner.log` — so it
 * survives a window reload or close. Every window follows every running queue of its workspace from its files
 * (sweepFollower.ts): the member in progress is tracked as a live run (training panel, Runs tree, status bar), and the
 * end of the queue is told once. A second start of a running queue attaches to it instead (one runner per sweep: its
 * lock). Cancel the queue: SIGTERM to the runner (the member in progress stops after its batch, the rest are not started);
 * cancel one member: SIGINT to its engine process (cancelTraining.ts), and the queue goes on.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LAB_DIR, runStamp, SWEEP_FILES, SWEEPS_DIR, sweepMemberName, sweepProgressText, type SweepFile } from '../../shared/runFiles';
import { claimNewFolder, pidAlive, readTextIfExists } from '../../shared/node/runFs';
import { Disposable } from '../dispose';
import type { RunsModel } from '../runs/runsModel';
import { isSweepRunning, readSweep, type SweepRecord, type SweepViewStatus } from '../runs/sweepReader';
import { SweepFollower, type FollowerSink } from './sweepFollower';
import type { TrainingManager } from './trainingManager';
import type { TrainingPanels } from './trainingPanels';
import { queueCliArgs, type TrainSettings } from './trainSettings';

const POLL_MS = 1000;

export interface SweepManagerDeps {
  context: vscode.ExtensionContext;
  output: vscode.OutputChannel;
  runs: RunsModel;
  trainings: TrainingManager;
  trainingPanels: TrainingPanels;
  /** Extra environment of engine processes (the native backend's libraries), given to the runner and so its members. */
  engineEnv?: () => Record<string, string>;
}

export class SweepManager extends Disposable {
  private readonly followed = new Map<string, { follower: SweepFollower; timer: NodeJS.Timeout }>();

  constructor(private readonly d: SweepManagerDeps) {
    super();
    // A window (re)opened while a queue runs attaches to it; so does one that sees a queue started elsewhere (the CLI).
    this.register(d.runs.onDidChange(() => void this.attachRunning()));
    void this.attachRunning();
    this.register({ dispose: () => { for (const f of this.followed.values()) clearInterval(f.timer); this.followed.clear(); } });
  }

  /** Starts a queue of these settings in a new `.cxr-lab/sweeps/<time>-sweep` folder; returns it and its first member's run folder. */
  async start(settings: TrainSettings, workspaceRoot: string): Promise<{ sweepDir: string; firstRunDir: string }> {
    const sweepDir = await claimNewFolder(path.join(workspaceRoot, LAB_DIR, SWEEPS_DIR), `${runStamp(new Date())}-sweep`);
    const archs = settings.archs?.length ? settings.archs : [settings.arch];
    const seeds = settings.seeds ?? [];
    const firstRunDir = path.join(sweepDir, sweepMemberName(archs[0], seeds[0] ?? 42, new Set(seeds).size > 1));
    this.spawnRunner(sweepDir, queueCliArgs(settings, sweepDir, this.backend()), workspaceRoot);
    // The first member's panel shows "running" before the runner has written anything.
    this.d.trainings.track(firstRunDir, archs[0], settings.epochs);
    this.follow(sweepDir);
    return { sweepDir, firstRunDir };
  }

  /** Continues a queue (its unfinished members); attaches instead when its runner is alive. */
  async resume(sweepDir: string): Promise<'resumed' | 'attached'> {
    const sweep = await readSweep(sweepDir);
    if (sweep && isSweepRunning(sweep.status)) {
      this.follow(sweepDir);
      return 'attached';
    }
    this.spawnRunner(sweepDir, ['--json', ...(this.backend() !== 'auto' ? ['--backend', this.backend()] : []), 'resume', sweepDir], sweepDir);
    this.follow(sweepDir);
    return 'resumed';
  }

  /** SIGTERM to the queue's runner: the member in progress stops after its batch (resumable), the rest are not started. */
  cancel(sweep: SweepRecord): boolean {
    const pid = sweep.info.runner?.pid;
    if (sweep.status !== 'running' || !pid || !pidAlive(pid)) return false;
    process.kill(pid, 'SIGTERM');
    return true;
  }

  isFollowing(sweepDir: string): boolean {
    return this.followed.has(sweepDir);
  }

  private backend(): string {
    return vscode.workspace.getConfiguration('cxrLab').get<string>('backend', 'auto');
  }

  /**
   * `node dist/cli.js <args>` detached from the window (its own process group; the window may close), its stdout and
   * stderr appended to runner.log. A runner that exits before it wrote sweep.json failed to start: said so.
   */
  private spawnRunner(sweepDir: string, args: string[], cwd: string): void {
    const cli = this.d.context.asAbsolutePath(path.join('dist', 'cli.js'));
    const logFile = path.join(sweepDir, SWEEP_FILES.log);
    const fd = openSync(logFile, 'a');
    try {
      // The extension host may be Electron: ELECTRON_RUN_AS_NODE makes its binary a plain Node for the runner.
      const child = spawn(process.execPath, [cli, ...args], {
        cwd, detached: true, stdio: ['ignore', fd, fd],
        env: { ...process.env, ...this.d.engineEnv?.(), ELECTRON_RUN_AS_NODE: '1' },
      });
      this.d.output.appendLine(`Training queue ${sweepDir}: runner process ${child.pid} (${path.basename(cli)} ${args.join(' ')}); its log: ${logFile}`);
      child.on('exit', (code) => void this.runnerExited(sweepDir, code));
      child.on('error', (err) => void vscode.window.showErrorMessage(`CXR Lab: the training queue could not start: ${err.message}`));
      child.unref();
    } finally {
      closeSync(fd);
    }
  }

  /** Exit 2 (a usage error) or a failure before sweep.json: the reason is the runner's last "cxr-lab:" line. */
  private async runnerExited(sweepDir: string, code: number | null): Promise<void> {
    if (code === 0 || code === 1 || code === 130 || code === 143) return; // the follower tells how the queue ended
    const sweep = await readSweep(sweepDir);
    if (sweep && !isSweepRunning(sweep.status)) return;
    const log = (await readTextIfExists(path.join(sweepDir, SWEEP_FILES.log)).catch(() => undefined)) ?? '';
    const reason = log.split('\n').reverse().find((l) => l.startsWith('cxr-lab:'))?.slice('cxr-lab:'.length).trim() ?? `the runner exited with code ${code}`;
    for (const run of this.d.trainings.liveRuns()) if (run.runDir.startsWith(sweepDir + path.sep)) this.d.trainings.untrack(run.runDir, 'failed', reason);
    const f = this.followed.get(sweepDir);
    if (f) { clearInterval(f.timer); this.followed.delete(sweepDir); }
    const choice = await vscode.window.showErrorMessage(`CXR Lab: training queue ${path.basename(sweepDir)} did not start: ${reason}`, 'Show Log');
    if (choice) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(path.join(sweepDir, SWEEP_FILES.log)));
  }

  private async attachRunning(): Promise<void> {
    for (const s of await this.d.runs.sweeps().catch(() => [] as SweepRecord[])) {
      if (s.status === 'running' && !this.followed.has(s.dir)) this.follow(s.dir);
    }
  }

  /** Polls the queue's files until it is no longer worked through. */
  private follow(sweepDir: string): void {
    if (this.followed.has(sweepDir) || this.isDisposed) return;
    const follower: SweepFollower = new SweepFollower(sweepDir, this.sink(sweepDir, () => follower.hasLog));
    const tick = async () => {
      const still = await follower.poll().catch((err: Error) => { this.d.output.appendLine(`Training queue ${sweepDir}: ${err.message}`); return true; });
      if (!still) {
        const f = this.followed.get(sweepDir);
        if (f) clearInterval(f.timer);
        this.followed.delete(sweepDir);
      }
    };
    this.followed.set(sweepDir, { follower, timer: setInterval(() => void tick(), POLL_MS) });
    void tick();
  }

  /** What a followed queue's changes do in this window. `hasLog`: the runner writes runner.log (its live events can be followed). */
  private sink(sweepDir: string, hasLog: () => boolean): FollowerSink {
    const { trainings, trainingPanels, runs } = this.d;
    let previous: string | undefined;
    return {
      memberStarted: (runDir, member, epochs) => {
        // Without runner.log (a queue started in a terminal) nothing live can be followed: the files show it as any CLI run.
        if (hasLog()) trainings.track(runDir, member.arch, epochs);
        // Where the user watches the previous member, the next one's panel opens beside it.
        if (previous && trainingPanels.isOpen(previous)) trainingPanels.open(runDir);
        previous = runDir;
        runs.invalidate();
      },
      memberEvent: (runDir, event) => trainings.trackedEvent(runDir, event),
      memberEnded: (runDir, _member, status) => {
        previous = runDir;
        // Its run.json has the final word (the panel re-reads it); an interrupted member counts as stopped here.
        trainings.untrack(runDir, status === 'completed' || status === 'failed' ? status : 'cancelled');
        runs.invalidate();
      },
      ended: (file, status, sawRunning) => {
        runs.invalidate();
        if (sawRunning) void this.tell(sweepDir, file, status);
      },
    };
  }

  /** The queue's end, once: how many completed, the failures' reasons, and what to do next. */
  private async tell(sweepDir: string, file: SweepFile, status: SweepViewStatus): Promise<void> {
    const failed = file.members.filter((m) => m.status === 'failed').map((m) => `${m.name}: ${m.reason ?? 'failed'}`);
    const text = `CXR Lab: training queue ${file.id} ${status === 'interrupted' ? 'was interrupted (its runner is gone)' : status}: ${sweepProgressText(file.members)}.${failed.length ? ` ${failed.join('; ')}` : ''}`;
    const actions = status === 'completed' ? ['Compare Runs'] : ['Resume Queue', 'Show Log'];
    const choice = status === 'completed' ? await vscode.window.showInformationMessage(text, ...actions) : await vscode.window.showWarningMessage(text, ...actions);
    if (choice === 'Compare Runs') await vscode.commands.executeCommand('cxrLab.compareRuns', sweepDir);
    if (choice === 'Resume Queue') await vscode.commands.executeCommand('cxrLab.resumeSweep', sweepDir);
    if (choice === 'Show Log') await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(path.join(sweepDir, SWEEP_FILES.log)));
  }
}
