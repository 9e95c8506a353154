/** The report's figures: training curves of all runs overlaid, confusion matrices, ROC curves, the Grad-CAM grid. */
import { evalMetricValue } from '../../../shared/runFiles';
import { formatMetric } from '../../../shared/format';
import { confusionSvg } from '../../metrics/confusionPng';
import type { ComparedRun } from '../../jobs/compare';
import { figureName, type Block, type Section } from '../document';
import type { ReportGrid } from '../input';
import { lineChartSvg, PALETTE, type ChartSeries } from '../svgChart';

const color = (i: number) => PALETTE[i % PALETTE.length];

export function curvesSection(runs: readonly ComparedRun[]): Section {
  const withHistory = runs.filter((r) => r.history.length > 0);
  if (withHistory.length === 0) return { id: 'curves', title: 'Training curves', blocks: [{ kind: 'paragraph', text: 'No run has a training history (history.jsonl).' }] };
  const maxEpoch = Math.max(...withHistory.map((r) => r.history.length));
  const series = (pick: 'Loss' | 'Acc'): ChartSeries[] => withHistory.flatMap((r, i) => {
    const best = r.history.find((h) => h.epoch === r.row.checkpoint.epoch);
    const val = r.history.map((h) => [h.epoch, pick === 'Loss' ? h.valLoss : h.valAcc] as const);
    const train = r.history.map((h) => [h.epoch, pick === 'Loss' ? h.trainLoss : h.trainAcc] as const);
    return [
      { label: `${r.row.label} val`, color: color(i), points: val, ...(best ? { mark: [best.epoch, pick === 'Loss' ? best.valLoss : best.valAcc] as const } : {}) },
      { label: `${r.row.label} train`, color: color(i), points: train, dashed: true },
    ];
  });
  const xRange: [number, number] = [1, Math.max(2, maxEpoch)];
  return {
    id: 'curves', title: 'Training curves',
    blocks: [
      { kind: 'figures', items: [
        { name: 'curves-loss', caption: 'Cross-entropy loss per epoch: validation solid, training dashed; the ring marks each run\'s best checkpoint (lowest validation loss).',
          alt: 'Loss curves of every run', figure: lineChartSvg({ title: 'Loss', xLabel: 'epoch', yLabel: 'cross-entropy', series: series('Loss'), xRange, integerX: true }) },
        { name: 'curves-accuracy', caption: 'Accuracy per epoch: validation solid, training dashed.',
          alt: 'Accuracy curves of every run', figure: lineChartSvg({ title: 'Accuracy', xLabel: 'epoch', yLabel: 'accuracy', series: series('Acc'), xRange, yRange: [0, 1], integerX: true }) },
      ] },
    ],
  };
}

export function confusionSection(runs: readonly ComparedRun[]): Section {
  const items = runs.map((r) => {
    const { svg, layout } = confusionSvg(r.evaluation, { title: `${r.row.label} · test · ${r.evaluation.total} images` });
    return { name: figureName('confusion', r.row.label), caption: `${r.row.label} (${r.info.id}): rows true class, columns predicted; shade = share of the row.`,
      alt: `Confusion matrix of ${r.row.label}`, figure: { kind: 'svg' as const, svg, width: layout.width, height: layout.height, displayWidth: Math.min(layout.width, 360) } };
  });
  return { id: 'confusion', title: 'Confusion matrices', blocks: items.length ? [{ kind: 'figures', items }] : [] };
}

export function rocSection(runs: readonly ComparedRun[]): Section {
  const blocks: Block[] = [];
  const items = runs.flatMap((r) => {
    const roc = evalMetricValue(r.evaluation.metrics, 'rocAuc');
    if (!roc) return [];
    const series: ChartSeries[] = roc.perClass.filter((c) => c.curve).map((c, i) => ({
      label: `${c.className} ${formatMetric(c.auc)}`, color: color(i), points: c.curve!.fpr.map((f, j) => [f, c.curve!.tpr[j]] as const),
    }));
    return [{ name: figureName('roc', r.row.label), caption: `${r.row.label}: one-vs-rest ROC curve of each class (AUC in the legend); macro AUC ${formatMetric(roc.macro)}.`,
      alt: `ROC curves of ${r.row.label}`, figure: lineChartSvg({ title: `ROC · ${r.row.label}`, xLabel: 'false positive rate', yLabel: 'true positive rate', series, xRange: [0, 1], yRange: [0, 1], diagonal: true, width: 360, height: 380 }) }];
  });
  if (items.length) blocks.push({ kind: 'figures', items });
  const without = runs.filter((r) => !evalMetricValue(r.evaluation.metrics, 'rocAuc'));
  if (without.length) blocks.push({ kind: 'paragraph', tone: 'note', text: `No ROC curves for ${without.map((r) => r.row.label).join(', ')}: evaluated before CXR Lab stored them; evaluate again.` });
  return { id: 'roc', title: 'ROC curves', blocks };
}

export function gradcamSection(grid: ReportGrid | undefined, note: string | undefined): Section {
  if (!grid) return { id: 'gradcam', title: 'Grad-CAM', blocks: [{ kind: 'paragraph', tone: 'note', text: note ?? 'No Grad-CAM grid.' }] };
  const g = grid.result;
  const wrong = g.cells.flat().filter((c) => c.correct === false).length;
  return {
    id: 'gradcam', title: 'Grad-CAM',
    blocks: [
      { kind: 'figure', name: 'gradcam-grid', alt: 'Grad-CAM grid: test images (rows) explained by each run (columns)', figure: { kind: 'png', png: grid.png, width: g.width, height: g.height },
        caption: `Grad-CAM of each run's prediction on ${g.rows.length} test image${g.rows.length === 1 ? '' : 's'} (rows: ${g.rows.map((r) => `${r.name}, true ${r.trueLabel ?? '?'}`).join('; ')}); ` +
          `columns: ${g.columns.map((c) => c.title[0]).join(', ')}. Wrong predictions are framed red and marked ✗ (${wrong} here).` },
      ...(note ? [{ kind: 'paragraph' as const, tone: 'note' as const, text: note }] : []),
    ],
  };
}
