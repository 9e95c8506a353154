/**
 * A small fake of the `vscode` module for unit tests under node. Importing this file first makes
 * `require('vscode')` (from the extension's sources) resolve to it. It records what the code registers and shows,
 * and answers dialogs and quick picks from queues the test fills.
 */
import Module from 'node:module';
import * as path from 'node:path';

const M = Module as unknown as { _resolveFilename(request: string, ...rest: unknown[]): string };
const resolve = M._resolveFilename;
M._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
  return request === 'vscode' ? __filename : resolve.call(this, request, ...rest);
};

type Listener<T> = (e: T) => unknown;

export class Disposable {
  constructor(private readonly fn: () => void = () => undefined) {}
  static from(...ds: { dispose(): unknown }[]) { return new Disposable(() => ds.forEach((d) => d.dispose())); }
  dispose() { this.fn(); }
}

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  event = (l: Listener<T>) => { this.listeners.push(l); return new Disposable(() => { this.listeners = this.listeners.filter((x) => x !== l); }); };
  fire(e: T) { for (const l of [...this.listeners]) l(e); }
  dispose() { this.listeners = []; }
}

export class Uri {
  constructor(readonly scheme: string, readonly path: string, readonly query = '') {}
  static file(p: string) { return new Uri('file', path.resolve(p)); }
  static joinPath(base: Uri, ...segs: string[]) { return new Uri(base.scheme, path.join(base.path, ...segs)); }
  get fsPath() { return this.path; }
  with(c: { query?: string }) { return new Uri(this.scheme, this.path, c.query ?? this.query); }
  toString() { return `${this.scheme}://${this.path}${this.query ? `?${this.query}` : ''}`; }
}

export enum TreeItemCollapsibleState { None = 0, Collapsed = 1, Expanded = 2 }
export enum DiagnosticSeverity { Error = 0, Warning = 1, Information = 2, Hint = 3 }
export enum ViewColumn { Active = -1, Beside = -2, One = 1, Two = 2 }
export enum StatusBarAlignment { Left = 1, Right = 2 }
export enum ProgressLocation { SourceControl = 1, Window = 10, Notification = 15 }

export class ThemeIcon { constructor(readonly id: string) {} }
export class TreeItem {
  id?: string; description?: string; tooltip?: string; contextValue?: string; iconPath?: unknown; command?: unknown; resourceUri?: Uri;
  constructor(readonly label: string, readonly collapsibleState = TreeItemCollapsibleState.None) {}
}
export class Range { constructor(readonly startLine: number, readonly startChar: number, readonly endLine: number, readonly endChar: number) {} }
export class Diagnostic {
  source?: string; code?: string;
  constructor(readonly range: Range, readonly message: string, readonly severity: DiagnosticSeverity) {}
}
export class RelativePattern { constructor(readonly base: unknown, readonly pattern: string) {} }
export class TabInputText { constructor(readonly uri: Uri) {} }
export class TabInputCustom { constructor(readonly uri: Uri, readonly viewType: string) {} }

/** A webview that records what the host posts and lets the test send messages from the page. */
export class FakeWebview {
  readonly posted: unknown[] = [];
  html = '';
  options: unknown = {};
  cspSource = 'https://fake.vscode-cdn.net';
  private readonly received = new EventEmitter<unknown>();
  onDidReceiveMessage = this.received.event;
  postMessage(m: unknown) { this.posted.push(m); return Promise.resolve(true); }
  asWebviewUri(uri: Uri) { return new Uri('https', `/fake-resource${uri.path}`); }
  /** Delivers a message as if the page had posted it. */
  send(m: unknown) { this.received.fire(m); }
}

export class FakePanel {
  readonly webview = new FakeWebview();
  iconPath?: unknown;
  revealed = 0;
  /** The columns reveal() was asked for, in order. */
  readonly revealedIn: unknown[] = [];
  /** The editor group it lies in: a number asked for, or Beside the active group (which then exists). */
  viewColumn?: number;
  private readonly disposed = new EventEmitter<void>();
  onDidDispose = this.disposed.event;
  constructor(readonly viewType: string, public title: string, readonly column: unknown, options: unknown) {
    this.webview.options = options;
    const asked = typeof column === 'object' && column !== null ? (column as { viewColumn?: unknown }).viewColumn : column;
    this.viewColumn = typeof asked === 'number' && asked > 0 ? asked
      : asked === ViewColumn.Beside ? (window.tabGroups.activeTabGroup.viewColumn ?? 1) + 1 : window.tabGroups.activeTabGroup.viewColumn;
    fake.panels.push(this);
  }
  reveal(column?: unknown) { this.revealed++; this.revealedIn.push(column); }
  dispose() { this.disposed.fire(); }
}

export interface FakeQuickPick { items: { label: string }[]; activeItems: { label: string }[]; value: string; title?: string; step?: number; placeholder?: string }
/** What the fake does when a quick pick opens: the label to accept, text to type first, or undefined to press Escape. */
export type QuickPickAnswer = ((qp: FakeQuickPick) => { type?: string; accept?: string } | undefined) | { type?: string; accept?: string } | undefined;

export const fake = {
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  executed: [] as { command: string; args: unknown[] }[],
  messages: [] as { level: string; text: string }[],
  quickPickAnswers: [] as QuickPickAnswer[],
  quickPicksShown: [] as FakeQuickPick[],
  messageAnswers: [] as (string | undefined)[],
  openDialogAnswers: [] as (Uri[] | undefined)[],
  state: new Map<string, unknown>(),
  globalState: new Map<string, unknown>(),
  trees: new Map<string, { treeDataProvider: unknown }>(),
  panels: [] as FakePanel[],
  diagnostics: [] as { name: string; entries: Map<string, unknown[]> }[],
  reset() {
    this.executed.length = 0; this.messages.length = 0; this.quickPickAnswers.length = 0; this.quickPicksShown.length = 0;
    this.messageAnswers.length = 0; this.openDialogAnswers.length = 0; this.panels.length = 0;
  },
};

function createQuickPick() {
  const accept = new EventEmitter<void>(), hide = new EventEmitter<void>(), change = new EventEmitter<string>();
  const qp = {
    items: [] as { label: string }[], activeItems: [] as { label: string }[], selectedItems: [] as { label: string }[], value: '',
    title: undefined as string | undefined, step: undefined as number | undefined, totalSteps: undefined as number | undefined,
    placeholder: undefined as string | undefined, ignoreFocusOut: false,
    onDidAccept: accept.event, onDidHide: hide.event, onDidChangeValue: change.event,
    dispose() { /* closed */ },
    show() {
      fake.quickPicksShown.push(qp);
      const a = fake.quickPickAnswers.shift();
      const answer = typeof a === 'function' ? a(qp) : a;
      setImmediate(() => {
        if (!answer) { hide.fire(); return; }
        if (answer.type !== undefined) { qp.value = answer.type; change.fire(answer.type); }
        const label = answer.accept;
        const item = label === undefined ? qp.activeItems[0] : qp.items.find((i) => i.label === label);
        if (!item) throw new Error(`Fake quick pick "${qp.placeholder}" has no item ${label}; items: ${qp.items.map((i) => i.label).join(', ')}`);
        qp.selectedItems = [item];
        accept.fire();
        hide.fire();
      });
    },
  };
  return qp;
}

const message = (level: string) => (text: string) => { fake.messages.push({ level, text }); return Promise.resolve(fake.messageAnswers.shift()); };

export const window = {
  createOutputChannel: (name: string) => ({ name, lines: [] as string[], appendLine(l: string) { this.lines.push(l); }, show() {}, dispose() {} }),
  createStatusBarItem: () => ({ text: '', tooltip: '', command: undefined as unknown, name: '', visible: false, show() { this.visible = true; }, hide() { this.visible = false; }, dispose() {} }),
  createTreeView: (id: string, o: { treeDataProvider: unknown }) => { fake.trees.set(id, o); return { id, options: o, dispose() { fake.trees.delete(id); } }; },
  createWebviewPanel: (viewType: string, title: string, column: unknown, options: unknown) => new FakePanel(viewType, title, column, options),
  registerWebviewPanelSerializer: () => new Disposable(),
  registerCustomEditorProvider: () => new Disposable(),
  showErrorMessage: message('error'),
  showWarningMessage: message('warning'),
  showInformationMessage: message('info'),
  setStatusBarMessage: (text: string) => { fake.messages.push({ level: 'status', text }); return new Disposable(); },
  showQuickPick: async (items: { label: string }[]) => {
    const a = fake.quickPickAnswers.shift();
    const answer = typeof a === 'function' ? a({ items, activeItems: [], value: '' }) : a;
    return answer ? items.find((i) => i.label === answer.accept) : undefined;
  },
  createQuickPick,
  showOpenDialog: async () => fake.openDialogAnswers.shift(),
  withProgress: async <T>(_o: unknown, task: (p: { report(): void }, t: { onCancellationRequested(): Disposable }) => Promise<T>) =>
    task({ report() {} }, { onCancellationRequested: () => new Disposable() }),
  tabGroups: {
    activeTabGroup: { activeTab: undefined as { input: unknown } | undefined, viewColumn: 1 as number | undefined },
    /** The editor groups (one, column 1, unless a test lays out more). */
    all: [{ viewColumn: 1 }] as { viewColumn: number }[],
  },
  activeTextEditor: undefined,
};

export const workspace = {
  workspaceFolders: undefined as { uri: Uri; name: string; index: number }[] | undefined,
  getWorkspaceFolder(uri: Uri) {
    return this.workspaceFolders?.find((f) => !path.relative(f.uri.fsPath, uri.fsPath).startsWith('..'));
  },
  createFileSystemWatcher: () => {
    const e = new EventEmitter<Uri>();
    return { onDidCreate: e.event, onDidChange: e.event, onDidDelete: e.event, dispose() {} };
  },
  onDidChangeWorkspaceFolders: new EventEmitter<void>().event,
  getConfiguration: () => ({ get: <T>(_k: string, d: T) => d }),
};

export const commands = {
  registerCommand(id: string, fn: (...args: unknown[]) => unknown) {
    if (fake.commands.has(id)) throw new Error(`command ${id} already registered`);
    fake.commands.set(id, fn);
    return new Disposable(() => fake.commands.delete(id));
  },
  async getCommands() {
    return [...fake.commands.keys()];
  },
  async executeCommand(command: string, ...args: unknown[]) {
    fake.executed.push({ command, args });
    return fake.commands.get(command)?.(...args);
  },
};

export const languages = {
  createDiagnosticCollection: (name: string) => {
    const entries = new Map<string, unknown[]>();
    const collection = { name, entries, set(list: [Uri, unknown[]][]) { for (const [u, d] of list) entries.set(u.fsPath, d); }, clear() { entries.clear(); }, dispose() {} };
    fake.diagnostics.push(collection);
    return collection;
  },
};

/** A workspaceState / ExtensionContext good enough for activate(). */
export function fakeContext(extensionPath: string) {
  return {
    subscriptions: [] as { dispose(): unknown }[],
    extensionUri: Uri.file(extensionPath),
    extensionPath,
    asAbsolutePath: (p: string) => path.join(extensionPath, p),
    workspaceState: { get: <T>(k: string, d?: T) => (fake.state.has(k) ? fake.state.get(k) as T : d), update: async (k: string, v: unknown) => { fake.state.set(k, v); }, keys: () => [...fake.state.keys()] },
    globalState: { get: <T>(k: string, d?: T) => (fake.globalState.has(k) ? fake.globalState.get(k) as T : d), update: async (k: string, v: unknown) => { fake.globalState.set(k, v); }, keys: () => [...fake.globalState.keys()] },
    /** Empty (nothing installed there): the native backend's libraries would live in it. */
    globalStorageUri: Uri.file(path.join(extensionPath, '.fake-global-storage-absent')),
  };
}
