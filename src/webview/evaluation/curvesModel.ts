/**
 * What the ROC, precision–recall and reliability charts draw, from an EvaluationView's stored metrics (absent in
 * older eval files: then there is nothing to draw and the sections are hidden). Pure: tested under node.
 */
import type { EvaluationView } from '../../shared/webviewProtocol';
import type { Interval, ReliabilityBin } from '../../shared/runFiles';
import { metricValue as evalMetricValue } from './metricValue';
import { formatMetric, formatWithInterval } from '../../shared/format';

/** Chart colour of class k: the theme's chart colours in turn (yellow last: faint on light themes). */
const PALETTE = [
  { colorVar: '--vscode-charts-blue', fallback: '#3794ff' },
  { colorVar: '--vscode-charts-orange', fallback: '#d18616' },
  { colorVar: '--vscode-charts-green', fallback: '#89d185' },
  { colorVar: '--vscode-charts-purple', fallback: '#b180d7' },
  { colorVar: '--vscode-charts-red', fallback: '#f14c4c' },
  { colorVar: '--vscode-charts-yellow', fallback: '#cca700' },
] as const;

export function classColour(k: number): { colorVar: string; fallback: string; dash?: number[] } {
  const c = PALETTE[k % PALETTE.length];
  // Past the palette, the same colours dashed.
  return k < PALETTE.length ? { ...c } : { ...c, dash: [6, 3] };
}

export interface CurveSeries {
  classIndex: number;
  className: string;
  /** Legend text: "COVID · AUC 0.950 (0.902–0.987)". */
  label: string;
  x: number[];
  y: number[];
  colorVar: string;
  fallback: string;
  dash?: number[];
}

export interface CurveSet {
  series: CurveSeries[];
  /** One line per class without a curve: "AUC of Viral n/a: no image of this class in the evaluated set". */
  notes: string[];
  /** The macro average with its interval, for the caption. */
  macro: string;
}

const intervalOf = (view: EvaluationView, metric: string, part: string): Interval | null | undefined => view.intervals?.metrics[metric]?.[part];

/** One-vs-rest ROC curves (x false-positive rate, y true-positive rate) of the classes that have one; undefined for an older file. */
export function rocCurves(view: EvaluationView): CurveSet | undefined {
  const roc = evalMetricValue(view.metrics, 'rocAuc');
  if (!roc) return undefined;
  const series: CurveSeries[] = [];
  const notes: string[] = [];
  roc.perClass.forEach((c) => {
    const k = view.classes.indexOf(c.className);
    if (c.auc === null || !c.curve) {
      notes.push(`AUC of ${c.className} n/a${c.reason ? `: ${c.reason}` : ''}`);
      return;
    }
    series.push({
      classIndex: k, className: c.className, label: `${c.className} · AUC ${formatWithInterval(c.auc, intervalOf(view, 'rocAuc', c.className))}`,
      x: c.curve.fpr, y: c.curve.tpr, ...classColour(k),
    });
  });
  return { series, notes, macro: `macro AUC ${formatWithInterval(roc.macro, intervalOf(view, 'rocAuc', 'macro'))}` };
}

/** Precision–recall curves (x recall, ascending; y precision) with average precision; undefined for an older file. */
export function prCurves(view: EvaluationView): CurveSet | undefined {
  const ap = evalMetricValue(view.metrics, 'averagePrecision');
  if (!ap) return undefined;
  const series: CurveSeries[] = [];
  const notes: string[] = [];
  ap.perClass.forEach((c) => {
    const k = view.classes.indexOf(c.className);
    if (c.ap === null || !c.curve) {
      notes.push(`AP of ${c.className} n/a${c.reason ? `: ${c.reason}` : ''}`);
      return;
    }
    // scikit-learn's order is recall decreasing; the chart joins points left to right.
    series.push({
      classIndex: k, className: c.className, label: `${c.className} · AP ${formatWithInterval(c.ap, intervalOf(view, 'averagePrecision', c.className))}`,
      x: [...c.curve.recall].reverse(), y: [...c.curve.precision].reverse(), ...classColour(k),
    });
  });
  return { series, notes, macro: `macro AP ${formatWithInterval(ap.macro, intervalOf(view, 'averagePrecision', 'macro'))}` };
}

export interface ReliabilityModel {
  /** Bars: accuracy of each non-empty bin over its confidence range, labelled with its image count. */
  bars: { low: number; high: number; value: number; label: string }[];
  /** Mean confidence of each non-empty bin, at the bin's centre (its distance to the bar top is the gap). */
  confidence: { x: number[]; y: number[] };
  /** "ECE 0.045 (0.031–0.070) over 15 bins", or "ECE 0.120 → 0.045 after temperature scaling (T = 1.52, fitted on val, 60 images)". */
  caption: string;
  /** Images in empty bins: none; in all bins. */
  images: number;
}

/** The reliability diagram of the top-class confidence; undefined for an older file. */
export function reliability(view: EvaluationView): ReliabilityModel | undefined {
  const cal = evalMetricValue(view.metrics, 'calibration');
  if (!cal) return undefined;
  const full = cal.bins.filter((b): b is ReliabilityBin & { accuracy: number; confidence: number } => b.count > 0 && b.accuracy !== null && b.confidence !== null);
  const ts = view.temperatureScaling;
  const caption = ts
    ? `ECE ${formatMetric(ts.eceBefore)} → ${formatMetric(ts.eceAfter)} after temperature scaling (T = ${ts.temperature.toPrecision(3)}, fitted on ${ts.fittedOn}, ${ts.fitImages} images); the diagram shows the calibrated probabilities`
    : `ECE ${formatWithInterval(cal.ece, intervalOf(view, 'calibration', 'ece'))} over ${cal.bins.length} bins`;
  return {
    bars: full.map((b) => ({ low: b.low, high: b.high, value: b.accuracy, label: String(b.count) })),
    confidence: { x: full.map((b) => (b.low + b.high) / 2), y: full.map((b) => b.confidence) },
    caption,
    images: cal.bins.reduce((s, b) => s + b.count, 0),
  };
}
