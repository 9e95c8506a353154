import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { computeMetrics, type MetricsReport } from '../../src/engine/metrics/metrics';
import { confusionLayout, renderConfusionPng } from '../../src/engine/metrics/confusionPng';
import { computeEvalMetrics, EVAL_METRICS } from '../../src/engine/metrics/index';

interface Fixture {
  name: string;
  generator: string;
  classes: string[];
  yTrue: number[];
  yPred: number[];
  expected: {
    confusion: number[][];
    precision: number[];
    recall: number[];
    f1: number[];
    support: number[];
    accuracy: number;
    balancedAccuracy: number;
    matthews: number;
    macro: { precision: number; recall: number; f1: number };
    weighted: { precision: number; recall: number; f1: number };
  };
}

const FIXTURES = path.resolve(__dirname, '../fixtures/metrics');
const TOL = 1e-12;

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= TOL, `${what}: ${actual} vs sklearn ${expected}`);
}

const fixtureFiles = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();

test('there are sklearn fixtures to compare with', () => {
  assert.ok(fixtureFiles.length >= 8, `only ${fixtureFiles.length} fixtures in ${FIXTURES}`);
});

for (const file of fixtureFiles) {
  const fx = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Fixture;

  test(`matches scikit-learn: ${fx.name} (${fx.generator})`, () => {
    const r = computeMetrics(fx.yTrue, fx.yPred, fx.classes);
    const e = fx.expected;
    assert.deepEqual(r.confusion, e.confusion);
    assert.equal(r.total, fx.yTrue.length);
    assert.deepEqual(r.classes, fx.classes);
    assert.equal(r.perClass.length, fx.classes.length, 'every class appears, even with support 0');
    r.perClass.forEach((c, i) => {
      assert.equal(c.className, fx.classes[i]);
      assert.equal(c.support, e.support[i], `support ${i}`);
      close(c.precision, e.precision[i], `precision ${c.className}`);
      close(c.recall, e.recall[i], `recall ${c.className}`);
      close(c.f1, e.f1[i], `f1 ${c.className}`);
    });
    close(r.accuracy, e.accuracy, 'accuracy');
    for (const avg of ['macro', 'weighted'] as const) {
      for (const m of ['precision', 'recall', 'f1'] as const) close(r[avg][m], e[avg][m], `${avg} ${m}`);
    }
  });

  test(`listed metrics match scikit-learn (balanced_accuracy_score, matthews_corrcoef): ${fx.name}`, () => {
    const confusion = computeMetrics(fx.yTrue, fx.yPred, fx.classes).confusion;
    const values = computeEvalMetrics({ labels: fx.yTrue, predicted: fx.yPred, probabilities: [], confusion, classes: fx.classes });
    assert.deepEqual(values.map((v) => v.id), EVAL_METRICS.map((m) => m.id));
    const byId = new Map(values.map((v) => [v.id, v.value as number]));
    close(byId.get('balancedAccuracy')!, fx.expected.balancedAccuracy, 'balanced accuracy');
    close(byId.get('matthews')!, fx.expected.matthews, 'Matthews correlation');
  });

  test(`counts follow their definitions: ${fx.name}`, () => {
    const r = computeMetrics(fx.yTrue, fx.yPred, fx.classes);
    const n = fx.yTrue.length;
    r.perClass.forEach((c, i) => {
      // Count straight from the label lists, independent of the confusion matrix.
      let tp = 0, fp = 0, fn = 0, tn = 0;
      for (let s = 0; s < n; s++) {
        const t = fx.yTrue[s] === i, p = fx.yPred[s] === i;
        if (t && p) tp++; else if (p) fp++; else if (t) fn++; else tn++;
      }
      assert.deepEqual([c.tp, c.fp, c.fn, c.tn], [tp, fp, fn, tn], `tp/fp/fn/tn of ${c.className}`);
      close(c.accuracy, (tp + tn) / n, `one-vs-rest accuracy of ${c.className}`);
      assert.equal(c.tp + c.fp + c.fn + c.tn, n);
    });
  });
}

test('FP comes from the predicted column, FN from the true row (the reference project had them swapped)', () => {
  // 3 true "a" all predicted "b": for b that is 3 false positives, for a 3 false negatives.
  const r = computeMetrics([0, 0, 0, 1], [1, 1, 1, 1], ['a', 'b']);
  assert.deepEqual([r.perClass[0].fp, r.perClass[0].fn], [0, 3]);
  assert.deepEqual([r.perClass[1].fp, r.perClass[1].fn], [3, 0]);
  assert.equal(r.perClass[1].precision, 0.25);
  assert.equal(r.perClass[1].recall, 1);
  assert.equal(r.perClass[0].precision, 0, 'never predicted: zero division gives 0');
});

test('macro F1 is the mean of per-class F1, not F1 of the mean precision and recall', () => {
  const r = computeMetrics([0, 0, 0, 1, 1, 2], [0, 1, 1, 1, 2, 2], ['x', 'y', 'z']);
  const meanF1 = r.perClass.reduce((s, c) => s + c.f1, 0) / 3;
  const f1OfMeans = (2 * r.macro.precision * r.macro.recall) / (r.macro.precision + r.macro.recall);
  close(r.macro.f1, meanF1, 'macro f1');
  assert.ok(Math.abs(r.macro.f1 - f1OfMeans) > 1e-3, 'this case must tell the two definitions apart');
});

test('a class with no image that is never predicted is n/a: marked present: false, left out of the averages (sklearn default labels)', () => {
  const r = computeMetrics([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], ['a', 'b', 'c']);
  assert.deepEqual(r.perClass.map((c) => c.present), [undefined, undefined, false], 'only the n/a class carries the flag');
  assert.deepEqual([r.perClass[2].support, r.perClass[2].f1, r.perClass[2].precision, r.perClass[2].recall], [0, 0, 0, 0]);
  close(r.macro.f1, (r.perClass[0].f1 + r.perClass[1].f1) / 2, 'macro F1 over a and b');
  close(r.macro.precision, (r.perClass[0].precision + r.perClass[1].precision) / 2, 'macro precision over a and b');
  close(r.weighted.f1, (2 * r.perClass[0].f1 + 3 * r.perClass[1].f1) / 5, 'weighted F1');
  // Predicted but never true: support 0, yet present (sklearn counts it, with F1 0).
  const predicted = computeMetrics([0, 0, 1], [0, 2, 1], ['a', 'b', 'c']);
  assert.equal(predicted.perClass[2].present, undefined);
  close(predicted.macro.f1, (predicted.perClass[0].f1 + predicted.perClass[1].f1 + 0) / 3, 'macro F1 over all three');
});

test('rejects labels outside the class list and mismatched lengths', () => {
  assert.throws(() => computeMetrics([0, 2], [0, 1], ['a', 'b']), RangeError);
  assert.throws(() => computeMetrics([0, 1], [0, -1], ['a', 'b']), RangeError);
  assert.throws(() => computeMetrics([0, 1], [0], ['a', 'b']), RangeError);
  assert.throws(() => computeMetrics([0.5], [0], ['a', 'b']), RangeError);
});

test('empty input gives zeros, not NaN', () => {
  const r = computeMetrics([], [], ['a', 'b']);
  assert.equal(r.accuracy, 0);
  assert.equal(r.weighted.f1, 0);
  assert.ok(r.perClass.every((c) => c.accuracy === 0 && c.precision === 0));
});

test('accepts typed arrays', () => {
  const r = computeMetrics(Int32Array.from([0, 1, 1]), Uint8Array.from([0, 1, 0]), ['a', 'b']);
  assert.deepEqual(r.confusion, [[1, 0], [1, 1]]);
});

async function pixel(file: string, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const o = (y * info.width + x) * info.channels;
  return Array.from(data.subarray(o, o + 3));
}

test('renderConfusionPng writes a decodable PNG of the laid-out size, diagonal shaded darkest', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-metrics-'));
  try {
    const classes = ['normal', 'consolidation', 'nodules', 'effusion'];
    const yTrue = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 3];
    const yPred = [0, 0, 0, 1, 1, 1, 0, 2, 3, 3, 3, 3];
    const report: MetricsReport = computeMetrics(yTrue, yPred, classes);
    const file = path.join(dir, 'sub', 'confusion.png');
    await renderConfusionPng(report, file, { title: 'Test split <4 classes>' });
    const meta = await sharp(file).metadata();
    const layout = confusionLayout(report);
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, layout.width);
    assert.equal(meta.height, layout.height);
    assert.ok(layout.width > 4 * layout.cell && layout.height > 4 * layout.cell);

    // Probe near a cell's corner, away from its text: row 0 is 3/4 on the diagonal, 1/4 off, 0 elsewhere.
    const at = (i: number, j: number) => pixel(file, layout.gridX + j * layout.cell + 6, layout.gridY + i * layout.cell + 6);
    const brightness = (rgb: number[]) => rgb[0] + rgb[1] + rgb[2];
    const [diag, off, empty] = await Promise.all([at(0, 0), at(0, 1), at(0, 2)]);
    assert.ok(brightness(diag) < brightness(off) && brightness(off) < brightness(empty), `${diag} ${off} ${empty}`);

    const normalized = path.join(dir, 'confusion-normalized.png');
    await renderConfusionPng(report, normalized, { normalize: true });
    assert.notDeepEqual(await fs.readFile(normalized), await fs.readFile(file));
    if (process.env.KEEP_CONFUSION_PNG) await fs.copyFile(file, process.env.KEEP_CONFUSION_PNG);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a larger class list gives a larger picture; support-0 rows still render', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-metrics-'));
  try {
    const small = computeMetrics([0, 1], [0, 1], ['a', 'b']);
    const big = computeMetrics([0, 1, 2], [0, 1, 4], ['a', 'b', 'c', 'd', 'e']);
    const file = path.join(dir, 'big.png');
    await renderConfusionPng(big, file);
    const meta = await sharp(file).metadata();
    assert.equal(meta.width, confusionLayout(big).width);
    assert.ok(confusionLayout(big).width > confusionLayout(small).width);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
