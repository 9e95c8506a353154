/** The training panel's three curves: loss, accuracy and learning rate over epochs. */
import { formatLr, formatPercent } from '../../shared/format';
import { LineChart } from '../common/lineChart';
import { accAxisRange, lossAxisRange, lrAxisRange, type AccAxisMode, type CurveData } from './state';

export interface TrainingCharts { loss: LineChart; acc: LineChart; lr: LineChart }

/** accMode: read each time the accuracy axis is laid out (the panel's "0–100 %" toggle). */
export function createTrainingCharts(els: { loss: HTMLElement; acc: HTMLElement; lr: HTMLElement }, accMode: () => AccAxisMode): TrainingCharts {
  const train = { colorVar: '--vscode-charts-blue', fallback: '#3794ff' };
  const val = { colorVar: '--vscode-charts-orange', fallback: '#d18616', dash: [6, 3] };
  return {
    loss: new LineChart(els.loss, {
      label: 'Loss per epoch, train and validation', height: 220, ringSeries: [1], markerLabel: 'top',
      series: [{ label: 'train loss', ...train }, { label: 'val loss', ...val }],
      yTick: (v) => String(Number(v.toPrecision(3))), yRange: lossAxisRange,
    }),
    acc: new LineChart(els.acc, {
      label: 'Accuracy per epoch, train and validation', height: 220, ringSeries: [1], markerLabel: 'bottom',
      series: [{ label: 'train acc', ...train, format: (v) => formatPercent(v) }, { label: 'val acc', ...val, format: (v) => formatPercent(v) }],
      yTick: (v) => formatPercent(v, 0), yRange: (min, max) => accAxisRange(min, max, accMode()),
    }),
    lr: new LineChart(els.lr, {
      label: 'Learning rate per epoch', height: 150, yLog: true,
      series: [{ label: 'learning rate', colorVar: '--vscode-charts-purple', fallback: '#b180d7', format: formatLr }],
      yTick: formatLr,
      yRange: lrAxisRange,
    }),
  };
}

export function updateTrainingCharts(charts: TrainingCharts, d: CurveData, best: number | undefined): void {
  charts.loss.setData({ x: d.epochs, ys: [d.trainLoss, d.valLoss], xRange: d.xRange, marker: best });
  charts.acc.setData({ x: d.epochs, ys: [d.trainAcc, d.valAcc], xRange: d.xRange, marker: best });
  charts.lr.setData({ x: d.epochs, ys: [d.lr], xRange: d.xRange });
}

export function rebuildTrainingCharts(charts: TrainingCharts): void {
  charts.loss.rebuild();
  charts.acc.rebuild();
  charts.lr.rebuild();
}
