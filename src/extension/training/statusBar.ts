/** "$(pulse) CXR Lab: <backend> · epoch e/E · ETA" while this window trains; click opens the training panel. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../dispose';
import type { EngineService } from '../engine/engineService';
import type { TrainingManager } from './trainingManager';
import { statusText } from './statusText';

export class TrainingStatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('cxrLab.training', vscode.StatusBarAlignment.Left, 10));

  constructor(private readonly trainings: TrainingManager, private readonly engine: EngineService) {
    super();
    this.item.name = 'CXR Lab Training';
    this.register(trainings.onDidChange(() => this.update()));
    this.update();
  }

  private update(): void {
    const live = this.trainings.liveRuns();
    const run = live[live.length - 1];
    if (!run) { this.item.hide(); return; }
    this.item.text = statusText(this.engine.backend, run.progress, run.epochs);
    const p = run.progress;
    this.item.tooltip = `${path.basename(run.runDir)}${p ? ` — ${p.phase} ${p.done}/${p.total}${p.message ? ` (${p.message})` : ''}` : ''}${live.length > 1 ? `\n${live.length} trainings running` : ''}\nClick to open the training panel.`;
    this.item.command = { command: 'cxrLab.openTrainingPanel', title: 'Open Training Panel', arguments: [run.runDir] };
    this.item.show();
  }
}
