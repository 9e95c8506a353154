/** The part of a vscode.Webview the panel controllers use: typed messages both ways. A fake one drives the unit tests. */
import type { IDisposable } from './dispose';

export interface WebviewLike<Out, In> {
  postMessage(message: Out): PromiseLike<boolean>;
  onDidReceiveMessage(listener: (message: In) => unknown): IDisposable;
}
