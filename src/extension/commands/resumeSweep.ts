/** CXR Lab: Resume Queue — continue a training queue: completed members are kept, the others resume or start. */
import * as vscode from 'vscode';
import { showError } from '../engine/errorNotice';
import { isSweepRunning } from '../runs/sweepReader';
import type { Services } from '../services';
import { resolveSweep } from './sweepArg';

export function registerResumeSweep(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.resumeSweep', async (arg?: unknown) => {
    const sweep = await resolveSweep(s, arg, {
      placeHolder: 'Training queue to resume', none: 'no unfinished training queue to resume.',
      filter: (w) => !isSweepRunning(w.status) && w.info.members.some((m) => m.status !== 'completed'),
    });
    if (!sweep) return;
    try {
      const how = await s.sweeps.resume(sweep.dir);
      if (how === 'attached') void vscode.window.showInformationMessage(`CXR Lab: training queue ${sweep.id} is already running; following it.`);
    } catch (err) {
      await showError(`cannot resume training queue ${sweep.id}`, err);
    }
  });
}
