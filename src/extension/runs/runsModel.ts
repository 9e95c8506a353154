/**
 * The runs (and ensembles) of the workspace folders, read from disk and cached; a FileSystemWatcher on .cxr-lab/runs
 * and .cxr-lab/ensembles (and a slow poll while a run says it is running, to notice a killed process) fires onDidChange.
 */
import * as vscode from 'vscode';
import { Disposable, disposeAll, type IDisposable } from '../dispose';
import { ENSEMBLES_DIR, LAB_DIR, RUNS_DIR } from '../../shared/runFiles';
import { isTraining, listRuns, readRun, type RunRecord } from './runReader';
import { listEnsembles, type EnsembleRecord } from './ensembleReader';

const DEBOUNCE_MS = 300;
const POLL_MS = 10_000;

export class RunsModel extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private cache?: Promise<RunRecord[]>;
  private ensembleCache?: Promise<EnsembleRecord[]>;
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
    const pattern = `${LAB_DIR}/{${RUNS_DIR},${ENSEMBLES_DIR}}/**`;
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

  /** Every run, newest first. */
  list(): Promise<RunRecord[]> {
    this.cache ??= listRuns(this.roots()).then((runs) => { this.schedulePoll(runs); return runs; });
    return this.cache;
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
      this.changed.fire();
    }, DEBOUNCE_MS);
  }

  private schedulePoll(runs: RunRecord[]): void {
    clearInterval(this.poll);
    this.poll = undefined;
    if (runs.some((r) => isTraining(r.status))) this.poll = setInterval(() => this.invalidate(), POLL_MS);
  }
}
