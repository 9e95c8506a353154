/**
 * CXR Lab: Export Report — one self-contained HTML report (tables, paired tests, curves, matrices, ROC, Grad-CAM, model
 * card, CLAIM checklist) written to .cxr-lab/reports/ and opened: of a sweep or runs from the Runs tree, of what the
 * compare view shows, or from the palette of the newest sweep (or runs picked from a list).
 */
import * as vscode from 'vscode';
import { showError } from '../engine/errorNotice';
import type { Services } from '../services';
import { exportAndOpen } from '../compare/reportExport';
import { resolveCompareTarget } from './compareRuns';
import { targetFromArgs } from '../compare/compareTarget';

export function registerExportReport(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand('cxrLab.exportReport', async (arg?: unknown, selection?: unknown) => {
    // A run, runs or a sweep named (the tree, the evaluation view): those; else what the compare view shows; else ask.
    const target = (arg !== undefined ? await targetFromArgs(arg, selection) : undefined)
      ?? s.comparePanel.target
      ?? await resolveCompareTarget(s, undefined, undefined, { placeHolder: 'Runs to report on (pick one or more)' });
    if (!target) return;
    try {
      await exportAndOpen(s.engine, s.reports, target);
    } catch (err) {
      await showError(`the report of ${target.title} could not be written`, err);
    }
  });
}
