/** One step of a multi-step quick pick with a pre-selected item and, for numbers, a typed value of one's own. */
import * as vscode from 'vscode';

export interface StepItem<T> extends vscode.QuickPickItem { value: T }

export interface StepOptions<T> {
  title: string;
  step?: number;
  totalSteps?: number;
  placeholder: string;
  items: StepItem<T>[];
  /** Index of the item active when the step opens (the reference default). */
  active: number;
  /** Turns typed text into an extra item, e.g. "3" epochs when 3 is not offered. */
  typed?: (text: string) => StepItem<T> | undefined;
}

/** Resolves with the chosen value, or undefined when the user pressed Escape. */
export function quickPickStep<T>(o: StepOptions<T>): Promise<T | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<StepItem<T>>();
    qp.title = o.title;
    qp.step = o.step;
    qp.totalSteps = o.totalSteps;
    qp.placeholder = o.placeholder;
    qp.ignoreFocusOut = true;
    qp.items = o.items;
    qp.activeItems = o.items[o.active] ? [o.items[o.active]] : [];
    let done = false;
    const finish = (value: T | undefined) => {
      if (done) return;
      done = true;
      resolve(value);
      qp.dispose();
    };
    qp.onDidChangeValue((text) => {
      const extra = o.typed?.(text);
      const exists = extra && o.items.some((i) => i.label === extra.label);
      qp.items = extra && !exists ? [extra, ...o.items] : o.items;
      if (extra && !exists) qp.activeItems = [qp.items[0]];
    });
    qp.onDidAccept(() => {
      const picked = qp.selectedItems[0] ?? qp.activeItems[0];
      if (picked) finish(picked.value);
    });
    qp.onDidHide(() => finish(undefined));
    qp.show();
  });
}
