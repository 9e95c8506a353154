/**
 * The runs (and ensembles, and training queues) of the workspace folders, read from disk and cached; a FileSystemWatcher
 * on .cxr-lab/runs, .cxr-lab/ensembles and .cxr-lab/sweeps (and a slow poll while a run or queue says it is running, to
 * notice a killed process) fires onDidChange.
 */
import * as vscode from 'vscode';
import { Disposable, disposeAll, type IDisposable } from '../dispose';
import { ENSEMBLES_DIR, LAB_DIR, RUNS_DIR, SWEEPS_DIR } from '../../shared/runFiles';
import { compareNewestFirst, isTraining, listRuns, readRun, type RunRecord } from './runReader';
import { isSweepRunning, listSweeps, type SweepRecord } from './sweepReader';
import { listEnsembles, type EnsembleRecord } from './ensembleReader';

const DEBOUNCE_MS = 300;
const POLL_MS = 10_000;

export class RunsModel extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private cache?: Promise<RunRecord[]>;
  private ensembleCache?: Promise<EnsembleRecord[]>;
  private sweepCache?: Promise<SweepRecord[]>;
  private debounce?: NodeJS.Timeout;
  private poll?: NodeJS.Timeout;
  private readonly watchers = new Map<string, IDisposable>();

  constructor() {
    super();
    this.watchFolders();
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => { this.watchFolders(); this.invalidate(); }));
    this.register({ dispose: () => { clearTimeout(this.debounce); clearInterval(this.poll); disposeAll([...this.watchers.values()]); } });
  }

  private watchFolders(): void {
    const pattern = `${LAB_DIR}/{${RUNS_DIR},${ENSEMBLES_DIR},${SWEEPS_DIR}}/**`;
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const key = folder.uri.toString();
      if (this.watchers.has(key)) continue;
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, pattern));
      w.onDidCreate(() => this.invalidate());
      w.onDidChange(() => this.invalidate());
      w.onDidDelete(() => this.invalidate());
      this.watchers.set(key, w);
    }
  }

  roots(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  }

  /** Every run, training-queue members included (`sweep` says whose), newest first. */
  list(): Promise<RunRecord[]> {
    this.cache ??= Promise.all([listRuns(this.roots()), this.sweeps()]).then(([runs, sweeps]) => {
      const all = [...runs, ...sweeps.flatMap((s) => s.members.flatMap((m) => (m.run ? [m.run] : [])))].sort(compareNewestFirst);
      this.schedulePoll(all, sweeps);
      return all;
    });
    return this.cache;
  }

  /** Every training queue (.cxr-lab/sweeps) with its members' runs, newest first. */
  sweeps(): Promise<SweepRecord[]> {
    this.sweepCache ??= listSweeps(this.roots());
    return this.sweepCache;
  }

  /** Every ensemble (.cxr-lab/ensembles, written by `cxr-lab evaluate --runs`), most recently evaluated first. */
  ensembles(): Promise<EnsembleRecord[]> {
    this.ensembleCache ??= listEnsembles(this.roots());
    return this.ensembleCache;
  }

  async get(runDir: string): Promise<RunRecord | undefined> {
    return (await this.list()).find((r) => r.dir === runDir) ?? readRun(runDir);
  }

  /** Files changed (or a live training reported): read again soon and tell listeners. */
  invalidate(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.cache = undefined;
      this.ensembleCache = undefined;
      this.sweepCache = undefined;
      this.changed.fire();
    }, DEBOUNCE_MS);
  }

  private schedulePoll(runs: RunRecord[], sweeps: SweepRecord[] = []): void {
    clearInterval(this.poll);
    this.poll = undefined;
    // A Slurm job waiting in its queue changes in Slurm, not on disk: polled like a training.
    if (runs.some((r) => isTraining(r.status) || r.slurm?.cancellable) || sweeps.some((s) => isSweepRunning(s.status))) this.poll = setInterval(() => this.invalidate(), POLL_MS);
  }
}
