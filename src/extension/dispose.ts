/** Disposable base in the style of vscode-hexeditor's src/dispose.ts: owners register what they create and drop it all at once. */
export interface IDisposable { dispose(): unknown }

export function disposeAll(disposables: IDisposable[]): void {
  while (disposables.length) disposables.pop()?.dispose();
}

export abstract class Disposable implements IDisposable {
  private disposed = false;
  protected readonly disposables: IDisposable[] = [];

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeAll(this.disposables);
  }

  protected register<T extends IDisposable>(value: T): T {
    if (this.disposed) value.dispose();
    else this.disposables.push(value);
    return value;
  }

  protected get isDisposed(): boolean {
    return this.disposed;
  }
}
