/**
 * The webview side of the VS Code API: typed postMessage/getState/setState and a message listener.
 * acquireVsCodeApi may be called only once per page, so the instance is cached here.
 */
export interface VsCodeApi<State, Out> {
  postMessage(message: Out): void;
  getState(): State | undefined;
  setState(state: State): State;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown, unknown>;

let api: VsCodeApi<unknown, unknown> | undefined;

export function getVsCodeApi<State, Out>(): VsCodeApi<State, Out> {
  api ??= acquireVsCodeApi();
  return api as VsCodeApi<State, Out>;
}

/** Calls `handler` for each message from the host that looks like one of ours (an object with a string `type`). */
export function onHostMessage<In extends { type: string }>(handler: (message: In) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const data: unknown = event.data;
    if (data && typeof data === 'object' && typeof (data as { type?: unknown }).type === 'string') handler(data as In);
  });
}
