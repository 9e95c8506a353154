/** Sample host messages for the webview harness, typed against the real protocol so they stay in step with it. */
import type { EpochRecord } from '../../src/shared/engineProtocol';
import { scorePredictions } from '../../src/engine/metrics/scorePredictions';
import { subgroupMetrics } from '../../src/engine/metrics/subgroups';
import type {
  EvaluationToWebview, ExplainToWebview, ExplainView, GridToWebview, GridView, PredictionRow, SummaryRow, TrainingRunView, TrainingToWebview,
} from '../../src/shared/webviewProtocol';
import { gridCaption, gridColumnTitle, isCorrect } from '../../src/shared/camGrid';

const classes = ['COVID', 'Normal', 'Viral_Pneumonia'];
const runDir = '/ws/.cxr-lab/runs/2026-11-25T18-02-11-densenet121';

/** Deterministic pseudo-random numbers (mulberry32), so screenshots are reproducible. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function epochRecords(n: number, bestEvery = (e: number) => e !== 5): EpochRecord[] {
  const r = rng(7);
  const out: EpochRecord[] = [];
  let bestLoss = Infinity;
  for (let e = 1; e <= n; e++) {
    const trainLoss = 1.05 * Math.exp(-e / 3.2) + 0.12 + 0.02 * r();
    const valLoss = 0.95 * Math.exp(-e / 3.8) + 0.22 + (e === 5 ? 0.09 : 0.03 * r());
    const isBest = bestEvery(e) && valLoss <= bestLoss;
    if (isBest) bestLoss = valLoss;
    out.push({
      epoch: e, trainLoss, valLoss, trainAcc: Math.min(0.99, 0.52 + 0.45 * (1 - Math.exp(-e / 2.5))), valAcc: Math.min(0.97, 0.5 + 0.4 * (1 - Math.exp(-e / 3)) - (e === 5 ? 0.05 : 0)),
      lr: e <= 4 ? 1e-3 : e <= 8 ? 1e-4 : 1e-5, seconds: 70 + 10 * r(), best: isBest,
    });
  }
  return out;
}

export function trainingRunning(): TrainingToWebview[] {
  const history = epochRecords(6);
  const best = [...history].reverse().find((h) => h.best)!;
  const run: TrainingRunView = {
    runDir, id: '2026-11-25T18-02-11-densenet121', arch: 'densenet121', status: 'running', epochs: 12, backend: 'tensorflow', classes,
    best: { epoch: best.epoch, valLoss: best.valLoss, valAcc: best.valAcc, savedAt: '2026-11-25T18:09:40Z' },
  };
  return [
    { type: 'init', run, history: history.slice(0, 5) },
    { type: 'epoch', record: history[5] },
    { type: 'progress', progress: { phase: 'train', done: 27, total: 40, epoch: 7, epochs: 12, etaSeconds: 431, message: 'loss 0.3121' } },
  ];
}

export function trainingCompleted(): TrainingToWebview[] {
  const history = epochRecords(12);
  const best = [...history].reverse().find((h) => h.best)!;
  const run: TrainingRunView = { runDir, id: '2026-11-25T18-02-11-densenet121', arch: 'densenet121', status: 'running', epochs: 12, backend: 'tensorflow', classes };
  return [
    { type: 'init', run, history },
    { type: 'status', status: 'completed', best: { epoch: best.epoch, valLoss: best.valLoss, valAcc: best.valAcc, savedAt: '2026-11-25T18:20:00Z' } },
  ];
}

export const confusion = [[45, 3, 2], [4, 50, 1], [2, 3, 20]];

export function predictions(): PredictionRow[] {
  const r = rng(11);
  const rows: PredictionRow[] = [];
  confusion.forEach((row, label) => row.forEach((count, predicted) => {
    for (let i = 0; i < count; i++) {
      const top = 0.4 + 0.59 * r();
      const rest = (1 - top) * r();
      const probabilities = [0, 0, 0];
      probabilities[predicted] = top;
      const others = [0, 1, 2].filter((k) => k !== predicted);
      probabilities[others[0]] = rest;
      probabilities[others[1]] = 1 - top - rest;
      const rel = `${classes[label]}/${classes[label].toLowerCase()}-${String(rows.length + 1).padStart(4, '0')}.png`;
      rows.push({ file: `/ws/data/${rel}`, rel, label, predicted, probabilities });
    }
  }));
  return rows;
}

export function evaluationInit(): EvaluationToWebview[] {
  const total = confusion.flat().reduce((a, b) => a + b, 0);
  const perClass = classes.map((className, k) => {
    const tp = confusion[k][k];
    const fn = confusion[k].reduce((a, b) => a + b, 0) - tp;
    const fp = confusion.reduce((s, row) => s + row[k], 0) - tp;
    const tn = total - tp - fn - fp;
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    return { className, tp, fp, fn, tn, accuracy: (tp + tn) / total, precision, recall, f1: (2 * precision * recall) / (precision + recall), support: tp + fn };
  });
  const mean = (k: 'precision' | 'recall' | 'f1') => perClass.reduce((s, m) => s + m[k], 0) / perClass.length;
  const wmean = (k: 'precision' | 'recall' | 'f1') => perClass.reduce((s, m) => s + m[k] * m.support, 0) / total;
  const accuracy = classes.reduce((s, _c, k) => s + confusion[k][k], 0) / total;
  const summary: SummaryRow[] = [
    { runDir, runId: '2026-11-25T18-02-11-densenet121', arch: 'densenet121', name: 'test', accuracy, macroF1: mean('f1'), weightedF1: wmean('f1'), epochs: 12, bestEpoch: 11, total, checkpoint: { which: 'best', epoch: 11 }, setKey: 'split:test:h:42' },
    { runDir: '/ws/.cxr-lab/runs/r-resnet18', runId: '2026-11-24T09-12-40-resnet18', arch: 'resnet18', name: 'test', accuracy: 0.8077, macroF1: 0.7712, weightedF1: 0.8031, epochs: 12, bestEpoch: 9, total, checkpoint: { which: 'best', epoch: 9 }, setKey: 'split:test:h:42' },
    { runDir: '/ws/.cxr-lab/runs/r-resnet50', runId: '2026-11-24T11-40-02-resnet50', arch: 'resnet50', name: 'test', accuracy: 0.8462, macroF1: 0.8155, weightedF1: 0.8420, epochs: 12, bestEpoch: 12, total, checkpoint: { which: 'last', epoch: 12 }, setKey: 'split:test:h:42' },
    { runDir: '/ws/.cxr-lab/runs/r-squeezenet', runId: '2026-11-24T14-05-55-squeezenet1_1', arch: 'squeezenet1_1', name: 'test', accuracy: 0.7538, macroF1: 0.7011, weightedF1: 0.7466, epochs: 12, total, checkpoint: { which: 'best', epoch: 12 }, setKey: 'split:test:h:42' },
    { runDir: '/ws/.cxr-lab/runs/r-vgg16', runId: '2026-11-24T16-31-17-vgg16', arch: 'vgg16', name: 'test', accuracy: 0.8615, macroF1: 0.8390, weightedF1: 0.8604, epochs: 12, bestEpoch: 10, total, checkpoint: { which: 'best', epoch: 10 }, setKey: 'split:test:h:42' },
    { runDir: '/ws/.cxr-lab/runs/r-mobilenet', runId: '2026-11-25T08-00-03-mobilenetv2', arch: 'mobilenetv2', name: 'data-external', accuracy: 0.7923, macroF1: 0.7544, weightedF1: 0.7901, epochs: 12, bestEpoch: 8, total: 180, checkpoint: { which: 'best', epoch: 8 }, setKey: 'folder:external' },
  ];
  return [{
    type: 'init', summary,
    evaluation: {
      runDir, runId: '2026-11-25T18-02-11-densenet121', arch: 'densenet121', explainRunDir: runDir, name: 'test', classes, confusion, perClass, accuracy,
      macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') },
      weighted: { precision: wmean('precision'), recall: wmean('recall'), f1: wmean('f1') }, total, predictions: predictions(),
    },
  }];
}

/**
 * The same predictions scored by the engine (scorePredictions: curves, calibration, intervals) with a confounded
 * `source` column and an ensemble in the summary: what a current eval file gives the view.
 */
export function evaluationFull(): EvaluationToWebview[] {
  const [init] = evaluationInit() as Extract<EvaluationToWebview, { type: 'init' }>[];
  const preds = init.evaluation.predictions;
  const labels = preds.map((p) => p.label);
  const patients = preds.map((_p, i) => `p${Math.floor(i / 2)}`);
  const scored = scorePredictions({ labels, probabilities: preds.map((p) => p.probabilities), classes, seed: 42, patients, resamples: 400 });
  // Every Viral_Pneumonia image from one source: the confounder the shared data set has on purpose.
  const source = preds.map((p, i) => (p.label === 2 ? 'kermany' : i % 3 === 0 ? 'kermany' : i % 3 === 1 ? 'hannover' : 'cohen'));
  const subgroups = subgroupMetrics([{ column: 'source', equivalents: ['license', 'origin_repo'], values: source }], labels, scored.predicted, classes);
  const message = "Viral_Pneumonia: all 25 images come from source 'kermany', and source predicts the class with Cramér's V 0.61 — a model can learn the source instead of the finding (license, origin_repo split the images the same way).";
  const roc = scored.metrics.find((m) => m.id === 'rocAuc')!.value as { macro: number };
  const iv = scored.intervals!;
  const ensembleDir = '/ws/.cxr-lab/ensembles/ensemble-1a2b3c4d';
  return [{
    type: 'init',
    summary: [
      { ...init.summary[0], auc: roc.macro, intervals: { accuracy: iv.accuracy, macroF1: iv.macroF1, auc: iv.metrics.rocAuc?.macro ?? null } },
      ...init.summary.slice(1, 4),
      { runDir: ensembleDir, runId: 'ensemble-1a2b3c4d', arch: 'ensemble of 2: densenet121, resnet50', name: 'test', accuracy: 0.8923, macroF1: 0.8710, weightedF1: 0.8902, auc: 0.951,
        intervals: { accuracy: { low: 0.838, high: 0.938 }, macroF1: { low: 0.806, high: 0.925 }, auc: { low: 0.917, high: 0.978 } }, members: 2 },
    ],
    evaluation: {
      ...init.evaluation, ...scored.report, metrics: scored.metrics, intervals: scored.intervals, bootstrap: scored.bootstrap,
      predictions: preds.map((p, i) => ({ ...p, probabilities: scored.probabilities[i] })),
      confounders: [{ column: 'source', equivalents: ['license', 'origin_repo'], cramersV: 0.61, images: preds.length, shared: [{ className: 'Viral_Pneumonia', value: 'kermany', count: 25 }], message }],
      subgroups,
    },
  }];
}

export function explainView(imageUri: string, heatmapUri: string, overlayUri: string): ExplainView {
  return {
    image: { path: '/ws/data/COVID/hannover-006f3a8a.png', uri: imageUri, name: 'hannover-006f3a8a.png' },
    heatmapUri, overlayUri, classes, probabilities: [0.71, 0.08, 0.21], classIndex: 2,
    layer: 'conv5_block16_concat', layers: ['conv5_block16_concat', 'conv5_block16_2_conv', 'pool4_conv', 'pool3_conv'],
    checkpoint: { runDir, runId: '2026-11-25T18-02-11-densenet121', arch: 'densenet121', which: 'best', epoch: 11 },
    method: 'gradcampp', augSmooth: false, eigenSmooth: false, scaleMode: 'shared',
    facts: { trueClass: 'COVID', split: 'test', rel: 'COVID/hannover-006f3a8a.png' },
    // A 7 × 7 map with a hot spot over the left lung, on a scale shared with a stronger class.
    raw: { width: 7, height: 7, inputWidth: 224, inputHeight: 224, values: Array.from({ length: 49 }, (_, i) => Math.max(0, 0.03 - 0.008 * Math.hypot((i % 7) - 2, Math.floor(i / 7) - 3))) },
    scale: { mode: 'shared', min: 0, max: 0.041, classes: [{ min: 0, max: 0.041 }, { min: 0, max: 0.004 }, { min: 0, max: 0.03 }] },
    methods: [['gradcam', 'Grad-CAM'], ['gradcampp', 'Grad-CAM++'], ['hirescam', 'HiResCAM'], ['xgradcam', 'XGrad-CAM'], ['layercam', 'Layer-CAM'],
      ['eigencam', 'Eigen-CAM'], ['scorecam', 'Score-CAM']].map(([id, label]) => ({ id, label })),
  };
}

export function explainResult(imageUri: string, heatmapUri: string, overlayUri: string): ExplainToWebview[] {
  return [{ type: 'busy', message: 'Computing Grad-CAM…' }, { type: 'result', view: explainView(imageUri, heatmapUri, overlayUri) }];
}

/** A CAM grid of 3 images × 3 runs (one image unlabelled, two wrong predictions), every cell the same overlay picture. */
export function gridView(overlayUri: string): GridView {
  const runs = [['mnv2-seed42', 'mobilenetv2', 6], ['mnv2-s7-128', 'mobilenetv2', 2], ['2026-11-25T18-02-11-densenet121', 'densenet121', 11]] as const;
  const rows = [['/ws/data/COVID/kaggle-COVID-1717.png', 'COVID'], ['/ws/data/Normal/kermany-NORMAL2-IM-0736-0001.png', 'Normal'], ['/elsewhere/scan-17.png', null]] as const;
  const predictions = [[['COVID', 0.908], ['COVID', 0.941], ['Normal', 0.55]], [['Viral_Pneumonia', 0.986], ['Normal', 0.62], ['Normal', 0.91]], [['Normal', 0.7], ['COVID', 0.52], ['Normal', 0.88]]] as const;
  return {
    columns: runs.map(([runId, arch, epoch]) => ({
      title: gridColumnTitle({ runId, arch, checkpoint: 'best', epoch, methodLabel: 'Grad-CAM' }), runDir: `/ws/.cxr-lab/runs/${runId}`, runId, checkpoint: 'best' as const, method: 'gradcam',
    })),
    rows: rows.map(([image, trueLabel]) => ({ image, name: image.split('/').pop()!, trueLabel })),
    cells: predictions.map((row, r) => row.map(([predicted, probability]) => ({
      overlayUri, predicted, probability, caption: gridCaption(rows[r][1], predicted, probability), correct: isCorrect(rows[r][1], predicted),
    }))),
    png: '/ws/.cxr-lab/grids/grid-0123456789ab.png',
  };
}

export function gridMessages(overlayUri: string): GridToWebview[] {
  return [{ type: 'busy', message: 'Explaining 3 images with 3 runs…', progress: { done: 4, total: 9, message: 'mnv2-s7-128 · Grad-CAM: kaggle-COVID-1717.png' } },
    { type: 'result', view: gridView(overlayUri) }];
}
